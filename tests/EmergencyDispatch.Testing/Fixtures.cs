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

    /// <summary>
    /// Adds O-LINE to the small registry (F1 can add 3,000 masks a day from 2020-02-04, ramping up over a day, for
    /// 400,000) and submits D-CRIT, 8,000 critical masks due in R3 on 2020-02-08: F1 alone makes 4,000 of them in time.
    /// </summary>
    public static async Task RegisterLineAndCriticalDemand(RegistryService.RegistryServiceClient registry, DemandService.DemandServiceClient demand)
    {
        await registry.UpsertOptionsAsync(new UpsertOptionsRequest
        {
            Options =
            {
                new ProductionOption { OptionId = "O-LINE", FactoryId = "F1", Sku = "MASK", UnitsPerDay = 3000, UnitCost = 0.8, ReadyDate = "2020-02-04", RampDays = 1, FixedCost = 400_000 },
            },
        });
        await demand.SubmitDemandsAsync(Batch(Line("D-CRIT", 8000, due: "2020-02-08", priority: Priority.Critical)));
    }

    public static DemandLine Line(string requestId, long quantity = 100, string sku = "MASK", string region = "R3",
        string due = "2020-02-10", Priority priority = Priority.High) =>
        new() { RequestId = requestId, Sku = sku, Quantity = quantity, Region = region, DueDate = due, Priority = priority };

    public static SubmitDemandsRequest Batch(params DemandLine[] lines) => new() { Lines = { lines } };
}
