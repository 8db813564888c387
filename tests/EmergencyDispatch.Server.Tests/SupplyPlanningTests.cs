using EmergencyDispatch.Api.V1;
using Grpc.Net.Client;
using Microsoft.Data.Sqlite;

namespace EmergencyDispatch.Tests.Server;

/// <summary>
/// Stock lots and materials through the service: plans draw on a reserve depot and a scarce material, store where each
/// unit comes from and the material moves, the depot works its lot through the factory loop like a factory, shipments
/// reported against the lot reduce it, and the ledger and replay cover all of it.
/// </summary>
public sealed class SupplyPlanningTests : IDisposable
{
    private const string Start = "2020-02-03";
    private readonly DispatchFactory _factory = new();
    private readonly GrpcChannel _channel;
    private readonly RegistryService.RegistryServiceClient _registry;
    private readonly PlanningService.PlanningServiceClient _planning;
    private readonly AssignmentService.AssignmentServiceClient _assignments;
    private readonly AuditService.AuditServiceClient _audit;

    public SupplyPlanningTests()
    {
        _channel = _factory.CreateChannel();
        _registry = new RegistryService.RegistryServiceClient(_channel);
        _planning = new PlanningService.PlanningServiceClient(_channel);
        _assignments = new AssignmentService.AssignmentServiceClient(_channel);
        _audit = new AuditService.AuditServiceClient(_channel);
    }

    public void Dispose()
    {
        _channel.Dispose();
        _factory.Dispose();
    }

    /// <summary>
    /// F1 in R1 makes 1,000 masks a day, each taking 0.001 t of fabric; R1 has 2 t on the first day and 1 t arrives
    /// in R2, a day away. A depot in R1 holds 1,500 masks. 9,000 masks are due in R3 (two days from R1) on day 5: F1 could make 4,000 in time, the fabric allows 3,000.
    /// </summary>
    private async Task Register()
    {
        await Fixtures.RegisterSmallRegistry(_registry);
        await _registry.UpsertFactoriesAsync(new UpsertFactoriesRequest { Factories = { new Factory { FactoryId = "DEPOT", Name = "Reserve depot", Region = "R1" } } });
        await _registry.UpsertLanesAsync(new UpsertLanesRequest { Lanes = { new Lane { FromRegion = "R2", ToRegion = "R1", LeadDays = 1, UnitCost = 0.01 } } });
        await _registry.UpsertStockLotsAsync(new UpsertStockLotsRequest
        {
            Lots = { new StockLot { StockId = "RESERVE-1", FactoryId = "DEPOT", Sku = "MASK", Quantity = 1500, AvailableDate = "2020-01-20", UnitCost = 0.2 } },
        });
        await _registry.UpsertMaterialsAsync(new UpsertMaterialsRequest { Materials = { new Material { MaterialId = "MELTBLOWN", Name = "Melt-blown fabric", Unit = "t" } } });
        await _registry.UpsertBomAsync(new UpsertBomRequest { Lines = { new BomLine { Sku = "MASK", MaterialId = "MELTBLOWN", PerUnit = 0.001 } } });
        await _registry.UpsertMaterialSupplyAsync(new UpsertMaterialSupplyRequest
        {
            Supply =
            {
                new MaterialSupply { MaterialId = "MELTBLOWN", Region = "R1", Date = Start, Quantity = 2 },
                new MaterialSupply { MaterialId = "MELTBLOWN", Region = "R2", Date = Start, Quantity = 1 },
            },
        });
        await new DemandService.DemandServiceClient(_channel).SubmitDemandsAsync(
            Fixtures.Batch(Fixtures.Line("D-1", 9000, due: "2020-02-08", priority: Priority.Critical)));
    }

    private async Task<PlanSummary> Plan(bool publish = false)
    {
        using var call = _planning.CreatePlan(new CreatePlanRequest { StartDate = Start, HorizonDays = 5, Publish = publish });
        return (await PlanStreams.ReadAll(call))[^1].Plan;
    }

    [Fact]
    public async Task APlanDrawsOnTheLotAndTheScarceMaterialAndStoresWhereEachUnitComesFrom()
    {
        await Register();

        var plan = await Plan();
        var rows = await _planning.GetPlanAsync(new GetPlanRequest { PlanId = plan.PlanId, View = PlanView.Assignments, Page = new PageRequest { PageSize = 1000 } });
        var flows = await _planning.GetPlanAsync(new GetPlanRequest { PlanId = plan.PlanId, View = PlanView.MaterialFlows });
        var outcomes = await _planning.GetPlanAsync(new GetPlanRequest { PlanId = plan.PlanId, View = PlanView.Outcomes });

        // 3 t of fabric make 3,000 masks; with the reserve's 1,500 that is all that can be had.
        Assert.Equal(1500, rows.Assignments.Where(a => a.Source == "stock:RESERVE-1").Sum(a => a.Quantity));
        Assert.All(rows.Assignments.Where(a => a.Source.StartsWith("stock:", StringComparison.Ordinal)), a => Assert.Equal("DEPOT", a.FactoryId));
        Assert.Equal(3000, rows.Assignments.Where(a => a.Source == "capacity").Sum(a => a.Quantity));
        var moved = Assert.Single(flows.MaterialFlows);
        Assert.Equal(("MELTBLOWN", "R2", "R1", 1.0), (moved.MaterialId, moved.FromRegion, moved.ToRegion, Math.Round(moved.Quantity, 9)));
        var outcome = Assert.Single(outcomes.Outcomes);
        Assert.Equal((4500L, ShortfallReason.MaterialShortage), (outcome.OnTime, outcome.Reason));
        Assert.Equal(["MELTBLOWN"], outcome.BindingMaterials);

        var inputs = await _audit.GetPlanInputsAsync(new GetPlanInputsRequest { PlanId = plan.PlanId });
        Assert.Contains("\"stock_lots\":[{\"stock_id\":\"RESERVE-1\"", inputs.InputsJson);
        Assert.Contains("\"material_supply\":[", inputs.InputsJson);
        var replay = await _audit.ReplayPlanAsync(new ReplayPlanRequest { PlanId = plan.PlanId });
        Assert.True(replay.Identical, $"{replay.StoredSha256} vs {replay.ReplayedSha256}");
    }

    [Fact]
    public async Task TheDepotWorksItsLotThroughTheFactoryLoopAndShipmentsReduceIt()
    {
        await Register();
        await Plan(publish: true);

        var work = (await _assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = "DEPOT" })).Assignments;
        var shipment = Assert.Single(work);
        Assert.Equal(("stock:RESERVE-1", 1500L), (shipment.Source, shipment.Quantity));
        await _assignments.AcknowledgeAssignmentAsync(new AcknowledgeAssignmentRequest { FactoryId = "DEPOT", AssignmentId = shipment.AssignmentId, Decision = Decision.Accept });
        await _assignments.ReportProductionAsync(new ReportProductionRequest
        {
            ReportId = "ship-1", FactoryId = "DEPOT", AssignmentId = shipment.AssignmentId, Date = shipment.ProductionDate, Quantity = 600,
        });

        var lot = await _registry.GetStockLotAsync(new GetStockLotRequest { StockId = "RESERVE-1" });
        Assert.Equal((600L, 900L), (lot.Shipped, lot.Open));

        // The next plan keeps the accepted shipment's 900 units still to go as a commitment from the lot.
        var next = await Plan();
        var inputs = await _audit.GetPlanInputsAsync(new GetPlanInputsRequest { PlanId = next.PlanId });
        Assert.Contains("\"stock_id\":\"RESERVE-1\",\"factory_id\":\"DEPOT\",\"sku\":\"MASK\",\"quantity\":900", inputs.InputsJson);
        Assert.Contains("\"quantity\":900,\"source\":\"stock:RESERVE-1\"", inputs.InputsJson);
        var rows = await _planning.GetPlanAsync(new GetPlanRequest { PlanId = next.PlanId, View = PlanView.Assignments, Page = new PageRequest { PageSize = 1000 } });
        Assert.Equal(900, rows.Assignments.Where(a => a.Source == "stock:RESERVE-1").Sum(a => a.Quantity));
    }

    [Fact]
    public async Task ExplainDemandNamesTheMaterialThatRanOutAndTheDemandThatTookIt()
    {
        await Register();
        await new DemandService.DemandServiceClient(_channel).SubmitDemandsAsync(
            Fixtures.Batch(Fixtures.Line("D-LOW", 2000, due: "2020-02-08", priority: Priority.Low)));
        var plan = await Plan();

        var explained = await _audit.ExplainDemandAsync(new ExplainDemandRequest { RequestId = "D-LOW" });

        var inPlan = Assert.Single(explained.Plans);
        Assert.Equal(plan.PlanId, inPlan.PlanId);
        Assert.Equal(ShortfallReason.MaterialShortage, inPlan.Outcome.Reason);
        Assert.Equal(["MELTBLOWN"], inPlan.Outcome.BindingMaterials);
        var competitor = Assert.Single(inPlan.Competitors);
        Assert.Equal(("D-1", Priority.Critical, 3000L), (competitor.RequestId, competitor.Priority, competitor.Units));
        Assert.Equal(["MELTBLOWN"], competitor.Materials);
        Assert.Empty(competitor.Factories);
    }

    [Fact]
    public async Task DiffPlansComparesSourcesAndMaterialMoves()
    {
        await Register();
        var before = await Plan();
        // 5 t in R1 from the start, enough for all F1 can make in the horizon: nothing needs to come from R2.
        await _registry.UpsertMaterialSupplyAsync(new UpsertMaterialSupplyRequest
        {
            Supply = { new MaterialSupply { MaterialId = "MELTBLOWN", Region = "R1", Date = Start, Quantity = 5 } },
        });
        var after = await Plan();

        var diff = await _audit.DiffPlansAsync(new DiffPlansRequest { PlanA = before.PlanId, PlanB = after.PlanId });

        Assert.Equal([("capacity", 3000L, 5000L), ("stock:RESERVE-1", 1500L, 1500L)], diff.Sources.Select(s => (s.Source, s.UnitsA, s.UnitsB)));
        var fabric = Assert.Single(diff.Materials);
        Assert.Equal(("MELTBLOWN", 3.0, 5.0, 1.0, 0.0), (fabric.MaterialId, Math.Round(fabric.UsedA, 9), Math.Round(fabric.UsedB, 9), Math.Round(fabric.MovedA, 9), fabric.MovedB));
        var lane = Assert.Single(fabric.Lanes);
        Assert.Equal(("R2", "R1"), (lane.FromRegion, lane.ToRegion));
    }

    [Fact]
    public async Task TheLedgerCoversEachUnitsSourceAndThePlansMaterialFlows()
    {
        await Register();
        var plan = await Plan();
        var before = await _audit.VerifyLedgerAsync(new VerifyLedgerRequest());

        using (var connection = new SqliteConnection($"Data Source={_factory.DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                DROP TRIGGER plan_material_flow_is_immutable;
                UPDATE plan_material_flow SET quantity = quantity * 2 WHERE plan_id = $plan;
                """;
            command.Parameters.AddWithValue("$plan", plan.PlanId);
            command.ExecuteNonQuery();
        }
        var after = await _audit.VerifyLedgerAsync(new VerifyLedgerRequest());

        Assert.True(before.Ok, before.Problem);
        Assert.False(after.Ok);
        Assert.Equal(("plan", plan.PlanId), (after.FirstBadKind, after.FirstBadId));
    }
}
