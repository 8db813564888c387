using EmergencyDispatch.Api.V1;

namespace EmergencyDispatch.Testing;

/// <summary>A small registry and demand lines for API tests.</summary>
public static class Fixtures
{
    /// <summary>Registers skus MASK and SUIT, factories F1 (region R1) and F2 (R2), a lane R1→R3 and F1's capability for MASK.</summary>
    public static async Task RegisterSmallRegistry(RegistryService.RegistryServiceClient registry)
    {
        await registry.UpsertProductsAsync(new UpsertProductsRequest
        {
            Products =
            {
                new Product { Sku = "MASK", Name = "Surgical mask", Unit = "piece" },
                new Product { Sku = "SUIT", Name = "Protective suit", Unit = "set" },
            },
        });
        await registry.UpsertFactoriesAsync(new UpsertFactoriesRequest
        {
            Factories =
            {
                new Factory { FactoryId = "F1", Name = "Factory one", Region = "R1" },
                new Factory { FactoryId = "F2", Name = "Factory two", Region = "R2" },
            },
        });
        await registry.UpsertCapabilitiesAsync(new UpsertCapabilitiesRequest
        {
            Capabilities = { new Capability { FactoryId = "F1", Sku = "MASK", UnitsPerDay = 1000, UnitCost = 0.5 } },
        });
        await registry.UpsertLanesAsync(new UpsertLanesRequest
        {
            Lanes = { new Lane { FromRegion = "R1", ToRegion = "R3", LeadDays = 2, UnitCost = 0.1 } },
        });
    }

    public static DemandLine Line(string requestId, long quantity = 100, string sku = "MASK", string region = "R3",
        string due = "2020-02-10", Priority priority = Priority.High) =>
        new() { RequestId = requestId, Sku = sku, Quantity = quantity, Region = region, DueDate = due, Priority = priority };

    public static SubmitDemandsRequest Batch(params DemandLine[] lines) => new() { Lines = { lines } };
}
