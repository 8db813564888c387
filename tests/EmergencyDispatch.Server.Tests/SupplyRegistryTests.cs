using EmergencyDispatch.Api.V1;
using Grpc.Core;

namespace EmergencyDispatch.Tests.Server;

/// <summary>The registry's stock lots, materials, bills of materials and material supply.</summary>
public sealed class SupplyRegistryTests : IDisposable
{
    private readonly DispatchFactory _factory = new();
    private readonly RegistryService.RegistryServiceClient _registry;

    public SupplyRegistryTests() => _registry = new RegistryService.RegistryServiceClient(_factory.CreateChannel());

    public void Dispose() => _factory.Dispose();

    private static StockLot Lot(string id, string site = "DEPOT", string sku = "MASK", long quantity = 5000, string available = "2020-02-01", double cost = 0) =>
        new() { StockId = id, FactoryId = site, Sku = sku, Quantity = quantity, AvailableDate = available, UnitCost = cost };

    private async Task RegisterDepot()
    {
        await Fixtures.RegisterSmallRegistry(_registry);
        await _registry.UpsertFactoriesAsync(new UpsertFactoriesRequest { Factories = { new Factory { FactoryId = "DEPOT", Name = "National reserve", Region = "R2" } } });
    }

    private async Task RegisterFabric()
    {
        await Fixtures.RegisterSmallRegistry(_registry);
        await _registry.UpsertMaterialsAsync(new UpsertMaterialsRequest { Materials = { new Material { MaterialId = "MELTBLOWN", Name = "Melt-blown fabric", Unit = "t" } } });
    }

    [Fact]
    public async Task StockLotsAreUpsertedIdempotentlyAndListedBySiteAndSku()
    {
        await RegisterDepot();

        var first = await _registry.UpsertStockLotsAsync(new UpsertStockLotsRequest { Lots = { Lot("R-1"), Lot("R-2", sku: "SUIT", quantity: 300), Lot("F-1", site: "F1") } });
        var again = await _registry.UpsertStockLotsAsync(new UpsertStockLotsRequest { Lots = { Lot("R-1"), Lot("R-2", sku: "SUIT", quantity: 400) } });

        Assert.Equal(new UpsertResponse { Created = 3 }, first);
        Assert.Equal(new UpsertResponse { Updated = 1, Unchanged = 1 }, again);
        var lot = await _registry.GetStockLotAsync(new GetStockLotRequest { StockId = "R-2" });
        Assert.Equal((400L, 0L, 400L, "2020-02-01"), (lot.Lot.Quantity, lot.Shipped, lot.Open, lot.Lot.AvailableDate));
        var atDepot = await _registry.ListStockLotsAsync(new ListStockLotsRequest { FactoryId = "DEPOT" });
        Assert.Equal(["R-1", "R-2"], atDepot.Lots.Select(l => l.Lot.StockId));
        var masks = await _registry.ListStockLotsAsync(new ListStockLotsRequest { Sku = "MASK", Page = new PageRequest { PageSize = 1 } });
        Assert.Equal(["F-1"], masks.Lots.Select(l => l.Lot.StockId));
        var next = await _registry.ListStockLotsAsync(new ListStockLotsRequest { Sku = "MASK", Page = new PageRequest { PageSize = 1, PageToken = masks.NextPageToken } });
        Assert.Equal(["R-1"], next.Lots.Select(l => l.Lot.StockId));
        await Rpc.Fails(StatusCode.NotFound, () => _registry.GetStockLotAsync(new GetStockLotRequest { StockId = "NONE" }).ResponseAsync);
    }

    [Fact]
    public async Task ALotAtAnUnknownSiteOrOfAnUnknownSkuIsRefusedWithNothingStored()
    {
        await RegisterDepot();

        await Rpc.InvalidFields(
            () => _registry.UpsertStockLotsAsync(new UpsertStockLotsRequest { Lots = { Lot("OK"), Lot("NOWHERE", site: "GHOST"), Lot("NOTHING", sku: "GHOST") } }).ResponseAsync,
            "lots[1].factory_id", "lots[2].sku");

        Assert.Empty((await _registry.ListStockLotsAsync(new ListStockLotsRequest())).Lots);
    }

    [Theory]
    [InlineData(0, "2020-02-01", 0, "lots[0].quantity")]
    [InlineData(-5, "2020-02-01", 0, "lots[0].quantity")]
    [InlineData(10, "2020-02-30", 0, "lots[0].available_date")]
    [InlineData(10, "1900-01-01", 0, "lots[0].available_date")]
    [InlineData(10, "2020-02-01", -1, "lots[0].unit_cost")]
    [InlineData(10, "2020-02-01", double.NaN, "lots[0].unit_cost")]
    public async Task LotFieldsAreChecked(long quantity, string available, double cost, string field)
    {
        await RegisterDepot();

        await Rpc.InvalidFields(
            () => _registry.UpsertStockLotsAsync(new UpsertStockLotsRequest { Lots = { Lot("L", quantity: quantity, available: available, cost: cost) } }).ResponseAsync,
            field);
    }

    [Fact]
    public async Task AMaterialComesWithTheSkusThatConsumeItAndItsSupply()
    {
        await RegisterFabric();

        await _registry.UpsertBomAsync(new UpsertBomRequest { Lines = { new BomLine { Sku = "MASK", MaterialId = "MELTBLOWN", PerUnit = 1e-6 } } });
        await _registry.UpsertMaterialSupplyAsync(new UpsertMaterialSupplyRequest
        {
            Supply =
            {
                new MaterialSupply { MaterialId = "MELTBLOWN", Region = "R1", Date = "2020-02-03", Quantity = 26 },
                new MaterialSupply { MaterialId = "MELTBLOWN", Region = "R1", Date = "2020-02-04", Quantity = 70 },
                new MaterialSupply { MaterialId = "MELTBLOWN", Region = "R2", Date = "2020-02-03", Quantity = 4.5 },
            },
        });

        var detail = await _registry.GetMaterialAsync(new GetMaterialRequest { MaterialId = "MELTBLOWN" });
        Assert.Equal("t", detail.Material.Unit);
        Assert.Equal([("MASK", 1e-6)], detail.Bom.Select(b => (b.Sku, b.PerUnit)));
        Assert.Equal((3, 100.5), (detail.SupplyRows, detail.SupplyTotal));
        var r1 = await _registry.ListMaterialSupplyAsync(new ListMaterialSupplyRequest { Region = "R1", FromDate = "2020-02-04" });
        Assert.Equal([("2020-02-04", 70.0)], r1.Supply.Select(s => (s.Date, s.Quantity)));
        Assert.Equal(["MELTBLOWN"], (await _registry.ListMaterialsAsync(new ListMaterialsRequest())).Materials.Select(m => m.MaterialId));
        Assert.Single((await _registry.ListBomAsync(new ListBomRequest { Sku = "MASK" })).Lines);
        Assert.Empty((await _registry.ListBomAsync(new ListBomRequest { Sku = "SUIT" })).Lines);
        await Rpc.Fails(StatusCode.NotFound, () => _registry.GetMaterialAsync(new GetMaterialRequest { MaterialId = "NONE" }).ResponseAsync);
    }

    [Fact]
    public async Task ABillOfMaterialsNamingAnUnknownMaterialOrSkuIsRefusedWithNothingStored()
    {
        await RegisterFabric();

        await Rpc.InvalidFields(
            () => _registry.UpsertBomAsync(new UpsertBomRequest
            {
                Lines =
                {
                    new BomLine { Sku = "MASK", MaterialId = "MELTBLOWN", PerUnit = 1e-6 },
                    new BomLine { Sku = "MASK", MaterialId = "ELASTIC", PerUnit = 0.3 },
                    new BomLine { Sku = "GHOST", MaterialId = "MELTBLOWN", PerUnit = 1 },
                    new BomLine { Sku = "SUIT", MaterialId = "MELTBLOWN", PerUnit = 0 },
                },
            }).ResponseAsync,
            "lines[3].per_unit");
        await Rpc.InvalidFields(
            () => _registry.UpsertBomAsync(new UpsertBomRequest
            {
                Lines = { new BomLine { Sku = "MASK", MaterialId = "MELTBLOWN", PerUnit = 1e-6 }, new BomLine { Sku = "MASK", MaterialId = "ELASTIC", PerUnit = 0.3 }, new BomLine { Sku = "GHOST", MaterialId = "MELTBLOWN", PerUnit = 1 } },
            }).ResponseAsync,
            "lines[2].sku", "lines[1].material_id");

        Assert.Empty((await _registry.ListBomAsync(new ListBomRequest())).Lines);
    }

    [Theory]
    [InlineData("GHOST", "R1", "2020-02-03", 1, "supply[0].material_id")]
    [InlineData("MELTBLOWN", "R 1", "2020-02-03", 1, "supply[0].region")]
    [InlineData("MELTBLOWN", "R1", "2300-01-01", 1, "supply[0].date")]
    [InlineData("MELTBLOWN", "R1", "03/02/2020", 1, "supply[0].date")]
    [InlineData("MELTBLOWN", "R1", "2020-02-03", -26, "supply[0].quantity")]
    [InlineData("MELTBLOWN", "R1", "2020-02-03", double.PositiveInfinity, "supply[0].quantity")]
    public async Task SupplyFieldsAreCheckedAndNothingIsStored(string material, string region, string date, double quantity, string field)
    {
        await RegisterFabric();

        await Rpc.InvalidFields(
            () => _registry.UpsertMaterialSupplyAsync(new UpsertMaterialSupplyRequest
            {
                Supply = { new MaterialSupply { MaterialId = material, Region = region, Date = date, Quantity = quantity } },
            }).ResponseAsync,
            field);

        Assert.Empty((await _registry.ListMaterialSupplyAsync(new ListMaterialSupplyRequest())).Supply);
    }

    [Fact]
    public async Task ARepeatedKeyInOneBatchIsRefused()
    {
        await RegisterDepot();

        await Rpc.InvalidFields(() => _registry.UpsertStockLotsAsync(new UpsertStockLotsRequest { Lots = { Lot("L"), Lot("L") } }).ResponseAsync, "lots[1]");
        await Rpc.InvalidFields(() => _registry.UpsertMaterialsAsync(new UpsertMaterialsRequest()).ResponseAsync, "materials");
    }
}
