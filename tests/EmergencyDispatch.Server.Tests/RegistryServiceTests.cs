using EmergencyDispatch.Api.V1;
using Grpc.Core;

namespace EmergencyDispatch.Tests.Server;

public sealed class RegistryServiceTests : IDisposable
{
    private readonly DispatchFactory _factory = new();
    private readonly RegistryService.RegistryServiceClient _registry;

    public RegistryServiceTests() => _registry = new RegistryService.RegistryServiceClient(_factory.CreateChannel());

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task UpsertCountsCreatedUpdatedAndUnchanged()
    {
        var first = await _registry.UpsertProductsAsync(new UpsertProductsRequest
        {
            Products = { new Product { Sku = "A", Name = "a", Unit = "piece" }, new Product { Sku = "B", Name = "b", Unit = "piece" } },
        });

        var second = await _registry.UpsertProductsAsync(new UpsertProductsRequest
        {
            Products = { new Product { Sku = "A", Name = "a", Unit = "piece" }, new Product { Sku = "B", Name = "b2", Unit = "box" }, new Product { Sku = "C", Name = "c", Unit = "kit" } },
        });

        Assert.Equal(new UpsertResponse { Created = 2 }, first);
        Assert.Equal(new UpsertResponse { Created = 1, Updated = 1, Unchanged = 1 }, second);
        Assert.Equal("box", (await _registry.GetProductAsync(new GetProductRequest { Sku = "B" })).Unit);
    }

    [Fact]
    public async Task FactoryComesWithItsCapabilities()
    {
        await Fixtures.RegisterSmallRegistry(_registry);

        var f1 = await _registry.GetFactoryAsync(new GetFactoryRequest { FactoryId = "F1" });

        Assert.Equal("R1", f1.Factory.Region);
        Assert.Equal(["MASK"], f1.Capabilities.Select(c => c.Sku));
        await Rpc.Fails(StatusCode.NotFound, () => _registry.GetFactoryAsync(new GetFactoryRequest { FactoryId = "F9" }).ResponseAsync);
        await Rpc.Fails(StatusCode.NotFound, () => _registry.GetProductAsync(new GetProductRequest { Sku = "NONE" }).ResponseAsync);
    }

    [Fact]
    public async Task CapabilityOfAnUnknownFactoryOrSkuIsRefusedWithNothingStored()
    {
        await Fixtures.RegisterSmallRegistry(_registry);

        await Rpc.InvalidFields(
            () => _registry.UpsertCapabilitiesAsync(new UpsertCapabilitiesRequest
            {
                Capabilities =
                {
                    new Capability { FactoryId = "F2", Sku = "SUIT", UnitsPerDay = 10 },
                    new Capability { FactoryId = "F9", Sku = "MASK", UnitsPerDay = 10 },
                    new Capability { FactoryId = "F2", Sku = "GHOST", UnitsPerDay = 10 },
                },
            }).ResponseAsync,
            "capabilities[1].factory_id", "capabilities[2].sku");

        var f2 = await _registry.ListCapabilitiesAsync(new ListCapabilitiesRequest { FactoryId = "F2" });
        Assert.Empty(f2.Capabilities);
    }

    [Theory]
    [InlineData(0, 1, "capabilities[0].units_per_day")]
    [InlineData(-3, 1, "capabilities[0].units_per_day")]
    [InlineData(double.NaN, 1, "capabilities[0].units_per_day")]
    [InlineData(double.PositiveInfinity, 1, "capabilities[0].units_per_day")]
    [InlineData(10, -1, "capabilities[0].unit_cost")]
    public async Task CapabilityNumbersAreChecked(double units, double cost, string field)
    {
        await Fixtures.RegisterSmallRegistry(_registry);

        await Rpc.InvalidFields(
            () => _registry.UpsertCapabilitiesAsync(new UpsertCapabilitiesRequest
            {
                Capabilities = { new Capability { FactoryId = "F2", Sku = "SUIT", UnitsPerDay = units, UnitCost = cost } },
            }).ResponseAsync,
            field);
    }

    [Fact]
    public async Task AvailabilityRangeSetsEveryDayAndCanBeListedByDates()
    {
        await Fixtures.RegisterSmallRegistry(_registry);

        var r = await _registry.UpsertAvailabilityAsync(new UpsertAvailabilityRequest
        {
            Ranges =
            {
                new AvailabilityRange { FactoryId = "F1", FromDate = "2020-02-03", ToDate = "2020-02-05", Factor = 0 },
                new AvailabilityRange { FactoryId = "F1", FromDate = "2020-02-10", Factor = 1.5 },
            },
        });
        var days = await _registry.ListAvailabilityAsync(new ListAvailabilityRequest { FactoryId = "F1", FromDate = "2020-02-04" });

        Assert.Equal(4, r.Created);
        Assert.Equal(["2020-02-04", "2020-02-05", "2020-02-10"], days.Days.Select(d => d.Date));
        Assert.Equal([0, 0, 1.5], days.Days.Select(d => d.Factor));
    }

    [Fact]
    public async Task BadAvailabilityRangesAreRefused()
    {
        await Fixtures.RegisterSmallRegistry(_registry);

        await Rpc.InvalidFields(
            () => _registry.UpsertAvailabilityAsync(new UpsertAvailabilityRequest
            {
                Ranges =
                {
                    new AvailabilityRange { FactoryId = "F1", FromDate = "2020-02-05", ToDate = "2020-02-03", Factor = 1 },
                    new AvailabilityRange { FactoryId = "F1", FromDate = "2020-13-01", Factor = 1 },
                    new AvailabilityRange { FactoryId = "F1", FromDate = "2020-01-01", ToDate = "2022-01-01", Factor = 1 },
                    new AvailabilityRange { FactoryId = "F1", FromDate = "2020-03-01", Factor = -0.5 },
                },
            }).ResponseAsync,
            "ranges[0].to_date", "ranges[1].from_date", "ranges[2].to_date", "ranges[3].factor");
        await Rpc.InvalidFields(
            () => _registry.UpsertAvailabilityAsync(new UpsertAvailabilityRequest
            {
                Ranges = { new AvailabilityRange { FactoryId = "F7", FromDate = "2020-02-05", Factor = 1 } },
            }).ResponseAsync,
            "ranges[0].factory_id");
    }

    [Fact]
    public async Task ListsPageByKeyAndFilter()
    {
        await _registry.UpsertFactoriesAsync(new UpsertFactoriesRequest
        {
            Factories = { Enumerable.Range(0, 7).Select(i => new Factory { FactoryId = $"F{i}", Name = $"f{i}", Region = i % 2 == 0 ? "EVEN" : "ODD" }) },
        });

        var first = await _registry.ListFactoriesAsync(new ListFactoriesRequest { Region = "EVEN", Page = new PageRequest { PageSize = 3 } });
        var rest = await _registry.ListFactoriesAsync(new ListFactoriesRequest { Region = "EVEN", Page = new PageRequest { PageSize = 3, PageToken = first.NextPageToken } });

        Assert.Equal(["F0", "F2", "F4"], first.Factories.Select(f => f.FactoryId));
        Assert.Equal(["F6"], rest.Factories.Select(f => f.FactoryId));
        Assert.Equal("", rest.NextPageToken);
    }

    [Fact]
    public async Task LanesAreValidatedAndListedByEnd()
    {
        await Rpc.InvalidFields(
            () => _registry.UpsertLanesAsync(new UpsertLanesRequest
            {
                Lanes =
                {
                    new Lane { FromRegion = "A", ToRegion = "B", LeadDays = -1 },
                    new Lane { FromRegion = "A", ToRegion = "", LeadDays = 1 },
                    new Lane { FromRegion = "A", ToRegion = "C", LeadDays = 1, UnitCost = double.NaN },
                },
            }).ResponseAsync,
            "lanes[0].lead_days", "lanes[1].to_region", "lanes[2].unit_cost");

        await _registry.UpsertLanesAsync(new UpsertLanesRequest
        {
            Lanes = { new Lane { FromRegion = "A", ToRegion = "B", LeadDays = 1 }, new Lane { FromRegion = "C", ToRegion = "B", LeadDays = 3 } },
        });
        var intoB = await _registry.ListLanesAsync(new ListLanesRequest { ToRegion = "B" });
        Assert.Equal(["A", "C"], intoB.Lanes.Select(l => l.FromRegion));
    }

    [Fact]
    public async Task BatchesWithRepeatedKeysOrNoItemsAreRefused()
    {
        await Rpc.InvalidFields(() => _registry.UpsertProductsAsync(new UpsertProductsRequest()).ResponseAsync, "products");
        await Rpc.InvalidFields(
            () => _registry.UpsertProductsAsync(new UpsertProductsRequest
            {
                Products = { new Product { Sku = "A", Name = "a", Unit = "u" }, new Product { Sku = "A", Name = "b", Unit = "u" } },
            }).ResponseAsync,
            "products[1]");
        Assert.Empty((await _registry.ListProductsAsync(new ListProductsRequest())).Products);
    }

    [Fact]
    public async Task OneAvailabilityCallWritesAtMostAThousandFactoryDays()
    {
        await _registry.UpsertFactoriesAsync(new UpsertFactoriesRequest { Factories = { new Factory { FactoryId = "F1", Name = "One", Region = "R1" } } });
        // Whole years from 2000: 2 of them are 731 days, 3 are 1,096.
        static UpsertAvailabilityRequest Years(int count) => new()
        {
            Ranges = { Enumerable.Range(2000, count).Select(y => new AvailabilityRange { FactoryId = "F1", FromDate = $"{y}-01-01", ToDate = $"{y}-12-31", Factor = 0.5 }) },
        };

        var written = await _registry.UpsertAvailabilityAsync(Years(2));
        var refused = await Rpc.Fails(StatusCode.ResourceExhausted, () => _registry.UpsertAvailabilityAsync(Years(3)).ResponseAsync);
        var stored = await _registry.ListAvailabilityAsync(new ListAvailabilityRequest { FactoryId = "F1", FromDate = "2002-01-01", Page = new PageRequest { PageSize = 10 } });

        Assert.Equal(731, written.Created);
        Assert.Contains("more than 1000 factory-days", refused.Status.Detail);
        Assert.Empty(stored.Days);
    }
}
