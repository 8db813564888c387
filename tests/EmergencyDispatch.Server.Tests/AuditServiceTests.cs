using EmergencyDispatch.Api.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Data.Sqlite;

namespace EmergencyDispatch.Tests.Server;

/// <summary>The auditor's read-only API on plans: listing, inputs, comparison and replay.</summary>
public sealed class AuditServiceTests : IDisposable
{
    private readonly DispatchFactory _factory = new();
    private readonly GrpcChannel _channel;
    private readonly PlanningService.PlanningServiceClient _planning;
    private readonly AuditService.AuditServiceClient _audit;
    private readonly DemandService.DemandServiceClient _demands;
    private readonly RegistryService.RegistryServiceClient _registry;

    public AuditServiceTests()
    {
        _channel = _factory.CreateChannel();
        _planning = new PlanningService.PlanningServiceClient(_channel);
        _audit = new AuditService.AuditServiceClient(_channel);
        _demands = new DemandService.DemandServiceClient(_channel);
        _registry = new RegistryService.RegistryServiceClient(_channel);
    }

    public void Dispose()
    {
        _channel.Dispose();
        _factory.Dispose();
    }

    private async Task<PlanSummary> Plan(bool publish = false)
    {
        using var call = _planning.CreatePlan(new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = 5, Publish = publish });
        return (await PlanStreams.ReadAll(call))[^1].Plan;
    }

    [Fact]
    public async Task DiffOfTwoPlansShowsTheNewDemandsUnitsAndWhatStayed()
    {
        await Fixtures.RegisterSmallRegistry(_registry);
        await _demands.SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("D1", quantity: 1500)));
        var first = await Plan();
        // A CRITICAL demand due earlier takes the first day's capacity: D1 moves to later days.
        await _demands.SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("D2", quantity: 1000, due: "2020-02-05", priority: Priority.Critical)));
        var second = await Plan();

        var diff = await _audit.DiffPlansAsync(new DiffPlansRequest { PlanA = first.PlanId, PlanB = second.PlanId });

        Assert.Equal((1500L, 2500L), (diff.Totals.UnitsA, diff.Totals.UnitsB));
        Assert.Equal(1000, diff.Totals.Added);
        Assert.Equal(0, diff.Totals.Dropped);
        Assert.Equal(1500, diff.Totals.Kept + diff.Totals.Moved);
        Assert.True(diff.Totals.Moved > 0);
        var d2 = Assert.Single(diff.Demands, d => d.RequestId == "D2");
        Assert.Equal((0L, 1000L, 0L, 1000L), (d2.UnitsA, d2.UnitsB, d2.Kept, d2.Added));
        var f1 = Assert.Single(diff.Factories);
        Assert.Equal(("F1", 1500L, 2500L), (f1.FactoryId, f1.UnitsA, f1.UnitsB));
        Assert.Equal(f1.UnitsB - f1.UnitsA, f1.Added - f1.Removed);

        var same = await _audit.DiffPlansAsync(new DiffPlansRequest { PlanA = second.PlanId, PlanB = second.PlanId });
        Assert.Empty(same.Demands);
        Assert.Empty(same.Factories);
        Assert.Equal(2500, same.Totals.Kept);
        await Rpc.InvalidFields(() => _audit.DiffPlansAsync(new DiffPlansRequest()).ResponseAsync, "plan_a", "plan_b");
        await Rpc.Fails(StatusCode.NotFound, () => _audit.DiffPlansAsync(new DiffPlansRequest { PlanA = 1, PlanB = 99 }).ResponseAsync);
    }

    [Fact]
    public async Task AHighDemandStarvedByCriticalDemandNamesTheFactoryAndTheCriticalDemand()
    {
        // F1 makes 1,000 a day, 2 days from R1 to R3: only the first two days arrive by 2020-02-06. CRITICAL takes them.
        await Fixtures.RegisterSmallRegistry(_registry);
        await _demands.SubmitDemandsAsync(Fixtures.Batch(
            Fixtures.Line("C1", quantity: 2000, due: "2020-02-06", priority: Priority.Critical),
            Fixtures.Line("H1", quantity: 1000, due: "2020-02-06", priority: Priority.High),
            Fixtures.Line("L1", quantity: 500, due: "2020-02-10", priority: Priority.Low)));
        var first = await Plan();
        var second = await Plan(publish: true);

        var explained = await _audit.ExplainDemandAsync(new ExplainDemandRequest { RequestId = "H1" });

        Assert.Equal(("H1", Priority.High, "2020-02-06"), (explained.RequestId, explained.Priority, explained.DueDate));
        Assert.Equal([second.PlanId, first.PlanId], explained.Plans.Select(p => p.PlanId));
        Assert.Equal([PlanStatus.Active, PlanStatus.Draft], explained.Plans.Select(p => p.Status));
        foreach (var inPlan in explained.Plans)
        {
            Assert.Equal(0, inPlan.Outcome.OnTime);
            Assert.Equal(ShortfallReason.CapacityShortage, inPlan.Outcome.Reason);
            Assert.Equal(["F1"], inPlan.Outcome.BindingFactories);
            var competitor = Assert.Single(inPlan.Competitors);
            Assert.Equal(("C1", Priority.Critical, 2000L), (competitor.RequestId, competitor.Priority, competitor.Units));
            Assert.Equal(["F1"], competitor.Factories);
            Assert.Equal((0, 0L), (inPlan.MoreCompetitors, inPlan.MoreUnits));
        }
        // The CRITICAL demand itself was served in full: no competitors to name.
        var critical = await _audit.ExplainDemandAsync(new ExplainDemandRequest { DemandId = explained.DemandId - 1 });
        Assert.Equal("C1", critical.RequestId);
        Assert.All(critical.Plans, p => Assert.Equal((2000L, ShortfallReason.None), (p.Outcome.OnTime, p.Outcome.Reason)));
        Assert.All(critical.Plans, p => Assert.Empty(p.Competitors));
        var page = await _audit.ExplainDemandAsync(new ExplainDemandRequest { RequestId = "H1", Page = new PageRequest { PageSize = 1 } });
        Assert.Equal(second.PlanId, Assert.Single(page.Plans).PlanId);
        Assert.NotEmpty(page.NextPageToken);

        await Rpc.InvalidFields(() => _audit.ExplainDemandAsync(new ExplainDemandRequest()).ResponseAsync, "request_id");
        await Rpc.InvalidFields(() => _audit.ExplainDemandAsync(new ExplainDemandRequest { DemandId = -3 }).ResponseAsync, "demand_id");
        await Rpc.Fails(StatusCode.NotFound, () => _audit.ExplainDemandAsync(new ExplainDemandRequest { RequestId = "NOPE" }).ResponseAsync);
    }

    [Fact]
    public async Task TwentyCompetitorsAreNamedAndTheRestCounted()
    {
        // 25 CRITICAL demands of 80 take the 2,000 units F1 can deliver by 2020-02-06; the HIGH one gets none on time.
        await Fixtures.RegisterSmallRegistry(_registry);
        await _demands.SubmitDemandsAsync(Fixtures.Batch([
            .. Enumerable.Range(1, 25).Select(i => Fixtures.Line($"C{i:00}", quantity: 80, due: "2020-02-06", priority: Priority.Critical)),
            Fixtures.Line("H1", quantity: 500, due: "2020-02-06", priority: Priority.High)]));
        await Plan();

        var inPlan = Assert.Single((await _audit.ExplainDemandAsync(new ExplainDemandRequest { RequestId = "H1" })).Plans);

        Assert.Equal(0, inPlan.Outcome.OnTime);
        Assert.Equal(20, inPlan.Competitors.Count);
        Assert.All(inPlan.Competitors, c => Assert.Equal((80L, Priority.Critical), (c.Units, c.Priority)));
        Assert.Equal(Enumerable.Range(1, 20).Select(i => $"C{i:00}"), inPlan.Competitors.Select(c => c.RequestId));
        Assert.Equal((5, 400L), (inPlan.MoreCompetitors, inPlan.MoreUnits));
    }

    [Fact]
    public async Task ADemandShortOfCapacityNobodyElseUsedHasNoCompetitors()
    {
        await Fixtures.RegisterSmallRegistry(_registry);
        await _demands.SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("C1", quantity: 3000, due: "2020-02-06", priority: Priority.Critical)));
        var plan = await Plan();

        var explained = await _audit.ExplainDemandAsync(new ExplainDemandRequest { RequestId = "C1" });

        var inPlan = Assert.Single(explained.Plans);
        Assert.Equal((plan.PlanId, 2000L, ShortfallReason.CapacityShortage), (inPlan.PlanId, inPlan.Outcome.OnTime, inPlan.Outcome.Reason));
        Assert.Equal(["F1"], inPlan.Outcome.BindingFactories);
        Assert.Empty(inPlan.Competitors);
    }

    [Fact]
    public async Task PlansAreListedNewestFirstByStatusAndTimeAndPaged()
    {
        await Fixtures.RegisterSmallRegistry(_registry);
        await _demands.SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("D1")));
        var first = await Plan(publish: true);
        var second = await Plan();

        var all = await _audit.ListPlansAsync(new ListPlansRequest());
        Assert.Equal([second.PlanId, first.PlanId], all.Plans.Select(p => p.PlanId));
        Assert.Equal(EmergencyDispatch.Planning.Plans.Step.All.Count, all.Plans[0].StepValues.Count);
        var active = await _audit.ListPlansAsync(new ListPlansRequest { Statuses = { PlanStatus.Active } });
        Assert.Equal(first.PlanId, Assert.Single(active.Plans).PlanId);
        var page = await _audit.ListPlansAsync(new ListPlansRequest { Page = new PageRequest { PageSize = 1 } });
        Assert.Equal(second.PlanId, Assert.Single(page.Plans).PlanId);
        var next = await _audit.ListPlansAsync(new ListPlansRequest { Page = new PageRequest { PageSize = 1, PageToken = page.NextPageToken } });
        Assert.Equal(first.PlanId, Assert.Single(next.Plans).PlanId);
        Assert.Empty(next.NextPageToken);
        var before = await _audit.ListPlansAsync(new ListPlansRequest { CreatedTo = first.CreatedAt });
        Assert.Empty(before.Plans);
        var from = await _audit.ListPlansAsync(new ListPlansRequest { CreatedFrom = first.CreatedAt });
        Assert.Equal(2, from.Plans.Count);
        await Rpc.InvalidFields(() => _audit.ListPlansAsync(new ListPlansRequest { Statuses = { PlanStatus.Unspecified } }).ResponseAsync, "statuses[0]");
        await Rpc.InvalidFields(() => _audit.ListPlansAsync(new ListPlansRequest { CreatedFrom = new Timestamp { Seconds = 1, Nanos = -5 } }).ResponseAsync, "created_from");
    }

    [Fact]
    public async Task ListedPlansShowTheStoredStepsAndTiersWhetherListedBeforeOrNot()
    {
        await Fixtures.RegisterSmallRegistry(_registry);
        await _demands.SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("D1"), Fixtures.Line("C1", priority: Priority.Critical)));
        var first = await Plan();
        var once = await _audit.ListPlansAsync(new ListPlansRequest());
        await _demands.SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("L1", quantity: 300, priority: Priority.Low)));
        var second = await Plan(publish: true);

        // The first plan was listed before (its steps and tiers are kept), the second was not.
        var twice = await _audit.ListPlansAsync(new ListPlansRequest());

        Assert.Equal([second.PlanId, first.PlanId], twice.Plans.Select(p => p.PlanId));
        Assert.Equal(once.Plans.Single(), twice.Plans[1]);
        var planning = new PlanningService.PlanningServiceClient(_channel);
        foreach (var listed in twice.Plans)
        {
            var stored = (await planning.GetPlanAsync(new GetPlanRequest { PlanId = listed.PlanId })).Summary;
            Assert.Equal(stored.StepValues, listed.StepValues);
            Assert.Equal(stored.Priorities, listed.Priorities);
            Assert.Equal(stored.Status, listed.Status);
        }
        Assert.Equal(PlanStatus.Active, twice.Plans[0].Status);
    }

    [Fact]
    public async Task InputsAreTheStoredJsonWithItsHash()
    {
        await Fixtures.RegisterSmallRegistry(_registry);
        await _demands.SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("D1")));
        var plan = await Plan();

        var inputs = await _audit.GetPlanInputsAsync(new GetPlanInputsRequest { PlanId = plan.PlanId });

        Assert.Equal(plan.Request, inputs.Request);
        Assert.StartsWith("{\"start_date\":\"2020-02-03\",\"horizon_days\":5,", inputs.InputsJson);
        Assert.Contains("\"request_id\":\"D1\"", inputs.InputsJson);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(inputs.InputsJson))), inputs.InputsSha256);
        await Rpc.InvalidFields(() => _audit.GetPlanInputsAsync(new GetPlanInputsRequest()).ResponseAsync, "plan_id");
        await Rpc.Fails(StatusCode.NotFound, () => _audit.GetPlanInputsAsync(new GetPlanInputsRequest { PlanId = 42 }).ResponseAsync);
    }

    [Fact]
    public async Task ASeedPlanReplaysIdenticallyAndAChangedRowIsFound()
    {
        using var seeded = new DispatchFactory(seed: true);
        using var channel = seeded.CreateChannel();
        var planning = new PlanningService.PlanningServiceClient(channel);
        var audit = new AuditService.AuditServiceClient(channel);
        PlanSummary plan;
        using (var call = planning.CreatePlan(new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = 14 }))
            plan = (await PlanStreams.ReadAll(call))[^1].Plan;

        var replay = await audit.ReplayPlanAsync(new ReplayPlanRequest { PlanId = plan.PlanId });
        Assert.True(replay.Identical);
        Assert.Equal(plan.AssignmentsSha256, replay.ReplayedSha256);
        Assert.Equal(EmergencyDispatch.Api.V1.PlanCompletion.Complete, replay.Completion);
        Assert.Empty(replay.Differences);

        // Someone changes one stored quantity behind the service's back (the trigger that forbids it dropped first).
        using (var connection = new SqliteConnection($"Data Source={seeded.DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                DROP TRIGGER plan_assignment_is_immutable;
                UPDATE plan_assignment SET quantity = quantity + 1 WHERE plan_id = $plan AND seq = 3;
                SELECT factory_id || ' ' || request_key || ' ' || production_date FROM plan_assignment WHERE plan_id = $plan AND seq = 3;
                """;
            command.Parameters.AddWithValue("$plan", plan.PlanId);
            var changed = (string)command.ExecuteScalar()!;

            var tampered = await audit.ReplayPlanAsync(new ReplayPlanRequest { PlanId = plan.PlanId });
            Assert.False(tampered.Identical);
            Assert.Equal(plan.AssignmentsSha256, tampered.ReplayedSha256);
            var difference = Assert.Single(tampered.Differences);
            Assert.Equal(changed, $"{difference.FactoryId} {difference.RequestId} {difference.ProductionDate}");
            Assert.Equal(difference.ReplayedQuantity + 1, difference.StoredQuantity);
        }
    }
}
