using EmergencyDispatch.Api.V1;
using Grpc.Core;

namespace EmergencyDispatch.Tests.Server;

/// <summary>The registry's options: lines a factory can add (MODEL.md options).</summary>
public sealed class OptionRegistryTests : IDisposable
{
    private readonly DispatchFactory _factory = new();
    private readonly RegistryService.RegistryServiceClient _registry;

    public OptionRegistryTests() => _registry = new RegistryService.RegistryServiceClient(_factory.CreateChannel());

    public void Dispose() => _factory.Dispose();

    private static ProductionOption Line(string id, string factory = "F2", string sku = "MASK", double unitsPerDay = 800, string ready = "2020-02-06", int ramp = 2, double fixedCost = 250_000, double unitCost = 0.6) =>
        new() { OptionId = id, FactoryId = factory, Sku = sku, UnitsPerDay = unitsPerDay, UnitCost = unitCost, ReadyDate = ready, RampDays = ramp, FixedCost = fixedCost };

    [Fact]
    public async Task OptionsAreUpsertedIdempotentlyAndListedByFactoryAndSku()
    {
        await Fixtures.RegisterSmallRegistry(_registry);

        var first = await _registry.UpsertOptionsAsync(new UpsertOptionsRequest { Options = { Line("CONVERT-1"), Line("CONVERT-2", sku: "SUIT", unitsPerDay: 50), Line("EXPAND-1", factory: "F1") } });
        var again = await _registry.UpsertOptionsAsync(new UpsertOptionsRequest { Options = { Line("CONVERT-1"), Line("CONVERT-2", sku: "SUIT", unitsPerDay: 60, ramp: 3) } });

        Assert.Equal(new UpsertResponse { Created = 3 }, first);
        Assert.Equal(new UpsertResponse { Updated = 1, Unchanged = 1 }, again);
        Assert.Equal(Line("CONVERT-2", sku: "SUIT", unitsPerDay: 60, ramp: 3), await _registry.GetOptionAsync(new GetOptionRequest { OptionId = "CONVERT-2" }));
        var atF2 = await _registry.ListOptionsAsync(new ListOptionsRequest { FactoryId = "F2" });
        Assert.Equal(["CONVERT-1", "CONVERT-2"], atF2.Options.Select(o => o.OptionId));
        var masks = await _registry.ListOptionsAsync(new ListOptionsRequest { Sku = "MASK", Page = new PageRequest { PageSize = 1 } });
        Assert.Equal(["CONVERT-1"], masks.Options.Select(o => o.OptionId));
        var next = await _registry.ListOptionsAsync(new ListOptionsRequest { Sku = "MASK", Page = new PageRequest { PageSize = 1, PageToken = masks.NextPageToken } });
        Assert.Equal(["EXPAND-1"], next.Options.Select(o => o.OptionId));
        await Rpc.Fails(StatusCode.NotFound, () => _registry.GetOptionAsync(new GetOptionRequest { OptionId = "NONE" }).ResponseAsync);
    }

    [Fact]
    public async Task AnOptionOfAnUnknownFactoryOrSkuIsRefusedWithNothingStored()
    {
        await Fixtures.RegisterSmallRegistry(_registry);

        await Rpc.InvalidFields(
            () => _registry.UpsertOptionsAsync(new UpsertOptionsRequest { Options = { Line("OK"), Line("NOWHERE", factory: "GHOST"), Line("NOTHING", sku: "GHOST") } }).ResponseAsync,
            "options[1].factory_id", "options[2].sku");

        Assert.Empty((await _registry.ListOptionsAsync(new ListOptionsRequest())).Options);
    }

    [Theory]
    [InlineData(0, "2020-02-06", 2, 1000, "options[0].units_per_day")]
    [InlineData(-10, "2020-02-06", 2, 1000, "options[0].units_per_day")]
    [InlineData(100, "2020-02-30", 2, 1000, "options[0].ready_date")]
    [InlineData(100, "1850-02-06", 2, 1000, "options[0].ready_date")]
    [InlineData(100, "2020-02-06", -1, 1000, "options[0].ramp_days")]
    [InlineData(100, "2020-02-06", 400, 1000, "options[0].ramp_days")]
    [InlineData(100, "2020-02-06", 2, -1, "options[0].fixed_cost")]
    [InlineData(100, "2020-02-06", 2, double.NaN, "options[0].fixed_cost")]
    [InlineData(100, "2020-02-06", 2, 1e16, "options[0].fixed_cost")]
    public async Task OptionFieldsAreChecked(double unitsPerDay, string ready, int ramp, double fixedCost, string field)
    {
        await Fixtures.RegisterSmallRegistry(_registry);

        await Rpc.InvalidFields(
            () => _registry.UpsertOptionsAsync(new UpsertOptionsRequest { Options = { Line("O", unitsPerDay: unitsPerDay, ready: ready, ramp: ramp, fixedCost: fixedCost) } }).ResponseAsync,
            field);
        Assert.Empty((await _registry.ListOptionsAsync(new ListOptionsRequest())).Options);
    }

    [Fact]
    public async Task AnOptionTwiceInOneBatchIsRefused()
    {
        await Fixtures.RegisterSmallRegistry(_registry);

        await Rpc.InvalidFields(() => _registry.UpsertOptionsAsync(new UpsertOptionsRequest { Options = { Line("O"), Line("O") } }).ResponseAsync, "options[1]");
    }
}
