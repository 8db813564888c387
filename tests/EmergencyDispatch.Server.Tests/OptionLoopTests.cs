using EmergencyDispatch.Api.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace EmergencyDispatch.Tests.Server;

/// <summary>
/// Capacity decisions through the service: a plan request's budget, what the plan does with each option, the option
/// order a published plan gives the factory, its acceptance (committed: later plans keep it at no cost) or rejection
/// (not used until a coordinator clears it), withdrawal, the plan inputs and replay, and the budget sweep.
/// </summary>
public sealed class OptionLoopTests : IDisposable
{
    private const string Start = "2020-02-03";
    private const string OptionSource = "option:O-LINE";
    private readonly DispatchFactory _factory = new();
    private readonly GrpcChannel _channel;
    private readonly RegistryService.RegistryServiceClient _registry;
    private readonly PlanningService.PlanningServiceClient _planning;
    private readonly AssignmentService.AssignmentServiceClient _assignments;
    private readonly AuditService.AuditServiceClient _audit;

    public OptionLoopTests()
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
    /// F1 in R1 makes 1,000 masks a day and can add a line of 3,000 a day from day 1 (half of it that day: a ramp of
    /// one day) for 400,000; R3 is two days away. 8,000 critical masks are due in R3 on day 5: F1 alone makes 4,000
    /// of them in time, with the line all of them (1,500 + 3,000 + 3,000 more by day 3). The line costs more per
    /// unit than F1's own capacity, so the plan fills F1 and puts the 4,000 others on the line's cheapest days: from
    /// day 2 (3,000 and 1,000), not its half first day.
    /// </summary>
    private async Task Register()
    {
        await Fixtures.RegisterSmallRegistry(_registry);
        await Fixtures.RegisterLineAndCriticalDemand(_registry, new DemandService.DemandServiceClient(_channel));
    }

    private async Task<PlanSummary> Plan(double budget, bool publish = false)
    {
        using var call = _planning.CreatePlan(new CreatePlanRequest { StartDate = Start, HorizonDays = 5, OptionBudget = budget, Publish = publish });
        return (await PlanStreams.ReadAll(call))[^1].Plan;
    }

    private async Task<OptionOrder> OrderOfF1(bool includeWithdrawn = false) =>
        (await _assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = "F1", IncludeWithdrawn = includeWithdrawn })).OptionOrders.Single();

    [Fact]
    public async Task APlanWithABudgetTakesTheLineAndSaysWhatItGivesEachTier()
    {
        await Register();

        var plan = await Plan(1_000_000);

        Assert.Equal(1_000_000, plan.Request.OptionBudget);
        Assert.Equal(400_000, plan.OptionSpent);
        var option = Assert.Single(plan.Options);
        Assert.Equal(("O-LINE", OptionState.Taken, true, "2020-02-05"), (option.OptionId, option.State, option.Taken, option.FirstDate));
        Assert.Equal(4000, option.Units);
        Assert.Equal([4000L, 0, 0, 0], option.UnitsByPriority.Select(u => u.Units));
        Assert.Equal([Priority.Critical, Priority.High, Priority.Normal, Priority.Low], option.UnitsByPriority.Select(u => u.Priority));
        Assert.Equal(8000, plan.Priorities[0].OnTime);
        Assert.Equal(["D-CRIT"], option.RequestIds);

        var read = await _planning.GetPlanAsync(new GetPlanRequest { PlanId = plan.PlanId, View = PlanView.Assignments, Page = new PageRequest { PageSize = 1000 } });
        Assert.Equal(["D-CRIT"], read.Summary.Options.Single().RequestIds);
        Assert.Equal(1, read.Summary.Options.Single().DemandCount);
        Assert.Equal(4000, read.Assignments.Where(a => a.Source == OptionSource).Sum(a => a.Quantity));
        Assert.Equal(4000, read.Assignments.Where(a => a.Source == "capacity").Sum(a => a.Quantity));

        var inputs = await _audit.GetPlanInputsAsync(new GetPlanInputsRequest { PlanId = plan.PlanId });
        Assert.Contains("\"options\":[{\"option_id\":\"O-LINE\",\"factory_id\":\"F1\",\"sku\":\"MASK\",\"units_per_day\":3000,\"unit_cost\":0.8,\"ready_date\":\"2020-02-04\",\"ramp_days\":1,\"fixed_cost\":400000}]", inputs.InputsJson);
        Assert.Contains("\"option_budget\":1000000", inputs.InputsJson);
        Assert.Equal(1_000_000, inputs.Request.OptionBudget);
        var replay = await _audit.ReplayPlanAsync(new ReplayPlanRequest { PlanId = plan.PlanId });
        Assert.True(replay.Identical, $"{replay.StoredSha256} vs {replay.ReplayedSha256}");
        Assert.True((await _audit.VerifyLedgerAsync(new VerifyLedgerRequest())).Ok);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(399_999)]
    public async Task ABudgetBelowTheLinesCostLeavesItOutAndTheDemandShort(double budget)
    {
        await Register();

        var plan = await Plan(budget);

        var option = Assert.Single(plan.Options);
        Assert.Equal((OptionState.OverBudget, false, 0L, ""), (option.State, option.Taken, option.Units, option.FirstDate));
        Assert.Equal(0, plan.OptionSpent);
        Assert.Equal(4000, plan.Priorities[0].OnTime);
        var inputs = await _audit.GetPlanInputsAsync(new GetPlanInputsRequest { PlanId = plan.PlanId });
        Assert.Equal(budget > 0, inputs.InputsJson.Contains("\"option_budget\":", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheFactoryAcceptsItsOptionOrderAndLaterPlansKeepTheLineAtNoCost()
    {
        await Register();
        await using var watcher = new Watcher(_assignments, "F1");
        await watcher.Until(m => m.Any(x => x.Synced is not null));

        var published = await Plan(1_000_000, publish: true);
        var order = await OrderOfF1();
        await watcher.Until(_ => watcher.OptionOrders.Count > 0);

        Assert.Equal((published.PlanId, "O-LINE", "MASK", 4000L, "2020-02-05", 400_000.0, AssignmentStatus.Pending),
            (order.PlanId, order.OptionId, order.Sku, order.Units, order.FirstDate, order.FixedCost, order.Status));
        Assert.Equal(order, watcher.OptionOrders.Single());
        var work = await _assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = "F1", Page = new PageRequest { PageSize = 1000 } });
        Assert.Equal(4000, work.Assignments.Where(a => a.Source == OptionSource).Sum(a => a.Quantity));

        var accepted = await _assignments.AcknowledgeOptionOrderAsync(new AcknowledgeOptionOrderRequest { FactoryId = "F1", OrderId = order.OrderId, Decision = Decision.Accept });
        var again = await _assignments.AcknowledgeOptionOrderAsync(new AcknowledgeOptionOrderRequest { FactoryId = "F1", OrderId = order.OrderId, Decision = Decision.Accept });
        await watcher.Until(_ => watcher.OptionOrders.Count == 2);

        Assert.Equal(AssignmentStatus.Accepted, accepted.Status);
        Assert.True(accepted.Version > order.Version);
        Assert.Equal(accepted, again);
        Assert.Equal(accepted, watcher.OptionOrders[^1]);
        await Rpc.Fails(StatusCode.FailedPrecondition, async () => await _assignments.AcknowledgeOptionOrderAsync(
            new AcknowledgeOptionOrderRequest { FactoryId = "F1", OrderId = order.OrderId, Decision = Decision.Reject, Reason = "changed our mind" }));
        await Rpc.Fails(StatusCode.NotFound, async () => await _assignments.AcknowledgeOptionOrderAsync(
            new AcknowledgeOptionOrderRequest { FactoryId = "F2", OrderId = order.OrderId, Decision = Decision.Accept }));

        // Committed: a plan with no budget takes the line, and its cost is not spent again.
        var next = await Plan(0, publish: true);
        var option = Assert.Single(next.Options);
        Assert.Equal((OptionState.Committed, true, 0.0), (option.State, option.Taken, next.OptionSpent));
        Assert.True(option.Units > 0);
        var inputs = await _audit.GetPlanInputsAsync(new GetPlanInputsRequest { PlanId = next.PlanId });
        Assert.Contains("\"committed_options\":[\"O-LINE\"]", inputs.InputsJson);
        Assert.Equal(accepted, await OrderOfF1());
    }

    [Fact]
    public async Task ARejectedOptionIsNotUsedUntilACoordinatorClearsTheRejection()
    {
        await Register();
        await Plan(1_000_000, publish: true);
        var order = await OrderOfF1();

        await Rpc.InvalidFields(async () => await _assignments.AcknowledgeOptionOrderAsync(
            new AcknowledgeOptionOrderRequest { FactoryId = "F1", OrderId = order.OrderId, Decision = Decision.Reject }), "reason");
        var rejected = await _assignments.AcknowledgeOptionOrderAsync(
            new AcknowledgeOptionOrderRequest { FactoryId = "F1", OrderId = order.OrderId, Decision = Decision.Reject, Reason = "no melt-blown line to spare" });
        var listed = await _assignments.ListOptionRejectionsAsync(new ListOptionRejectionsRequest());

        Assert.Equal((AssignmentStatus.Rejected, "no melt-blown line to spare"), (rejected.Status, rejected.Reason));
        var rejection = Assert.Single(listed.Rejections);
        Assert.Equal(("O-LINE", "F1", order.OrderId, "no melt-blown line to spare"), (rejection.OptionId, rejection.FactoryId, rejection.OrderId, rejection.Reason));
        Assert.NotEmpty(rejection.RejectedBy);

        var without = await Plan(1_000_000);
        Assert.Equal((OptionState.Rejected, 0L, 0.0), (without.Options.Single().State, without.Options.Single().Units, without.OptionSpent));
        Assert.Contains("\"rejected_options\":[\"O-LINE\"]", (await _audit.GetPlanInputsAsync(new GetPlanInputsRequest { PlanId = without.PlanId })).InputsJson);

        var cleared = await _assignments.ClearOptionRejectionAsync(new ClearOptionRejectionRequest { OptionId = "O-LINE" });
        var clearedAgain = await _assignments.ClearOptionRejectionAsync(new ClearOptionRejectionRequest { OptionId = "O-LINE" });
        Assert.Equal((1, 0), (cleared.Cleared, clearedAgain.Cleared));
        Assert.Empty((await _assignments.ListOptionRejectionsAsync(new ListOptionRejectionsRequest())).Rejections);

        var with = await Plan(1_000_000, publish: true);
        Assert.Equal(OptionState.Taken, with.Options.Single().State);
        var orders = (await _assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = "F1", IncludeWithdrawn = true })).OptionOrders;
        Assert.Equal([AssignmentStatus.Rejected, AssignmentStatus.Pending], orders.Select(o => o.Status));
        Assert.Equal(with.PlanId, orders[1].PlanId);
        Assert.True(orders[1].OrderId > order.OrderId);
    }

    [Fact]
    public async Task APendingOrderIsWithdrawnWhenALaterPlanDoesNotTakeTheOption()
    {
        await Register();
        await Plan(1_000_000, publish: true);
        var order = await OrderOfF1();
        await using var watcher = new Watcher(_assignments, "F1", order.Version);

        await Plan(0, publish: true);
        await watcher.Until(_ => watcher.OptionOrders.Count > 0);

        var withdrawn = watcher.OptionOrders.Single();
        Assert.Equal((order.OrderId, AssignmentStatus.Withdrawn), (withdrawn.OrderId, withdrawn.Status));
        Assert.Empty((await _assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = "F1" })).OptionOrders);
        Assert.Equal(withdrawn, await OrderOfF1(includeWithdrawn: true));
        await Rpc.Fails(StatusCode.FailedPrecondition, async () => await _assignments.AcknowledgeOptionOrderAsync(
            new AcknowledgeOptionOrderRequest { FactoryId = "F1", OrderId = order.OrderId, Decision = Decision.Accept }));

        // A reconnecting watch from the start sees the order's whole history, in version order.
        await using var replay = new Watcher(_assignments, "F1", 1);
        await replay.Until(m => m.Any(x => x.Synced is not null));
        Assert.Equal([AssignmentStatus.Pending, AssignmentStatus.Withdrawn], replay.OptionOrders.Select(o => o.Status));
        var versions = replay.Messages.Where(m => m.Synced is null).Select(m => m.Assignment?.Version ?? m.OptionOrder.Version).ToList();
        Assert.Equal(versions.Order(), versions);
    }

    [Fact]
    public async Task TheBudgetSweepSaysWhatEachBudgetBuys()
    {
        await Register();

        var sweep = await _planning.SweepOptionBudgetsAsync(new SweepOptionBudgetsRequest
        {
            StartDate = Start, HorizonDays = 5, Budgets = { 0, 1_000_000, 399_999 }, TimeLimit = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)),
        });

        Assert.Equal((1, 1), (sweep.DemandCount, sweep.OptionCount));
        Assert.Equal([0.0, 1_000_000, 399_999], sweep.Points.Select(p => p.Budget));
        Assert.Equal([0.0, 400_000, 0], sweep.Points.Select(p => p.Spent));
        Assert.Equal([0, 1, 0], sweep.Points.Select(p => p.OptionsTaken.Count));
        Assert.Equal([4000L, 8000, 4000], sweep.Points.Select(p => p.Priorities[0].OnTime));
        Assert.All(sweep.Points, p => Assert.Equal(15, p.StepValues.Count));
        // Nothing is stored.
        Assert.Empty((await _audit.ListPlansAsync(new ListPlansRequest())).Plans);
    }

    /// <summary>
    /// A second line, O-B, as large as O-LINE for 300,000, and 5,000 low-priority masks due with the critical ones: with
    /// a budget of 500,000 the plan can pay for one line; both give the same service, so it takes the cheaper, and the
    /// low demand is short by what the other line would have made.
    /// </summary>
    private async Task RegisterTwoLines()
    {
        await Register();
        await _registry.UpsertOptionsAsync(new UpsertOptionsRequest
        {
            Options = { new ProductionOption { OptionId = "O-B", FactoryId = "F1", Sku = "MASK", UnitsPerDay = 3000, UnitCost = 0.8, ReadyDate = "2020-02-04", RampDays = 1, FixedCost = 300_000 } },
        });
        await new DemandService.DemandServiceClient(_channel).SubmitDemandsAsync(
            Fixtures.Batch(Fixtures.Line("D-LOW", 5000, due: "2020-02-08", priority: Priority.Low)));
    }

    [Fact]
    public async Task ExplainDemandNamesTheLinesThatCouldHaveServedItOnTimeAndWhyTheyDidNot()
    {
        await RegisterTwoLines();
        var none = await Plan(0);
        var one = await Plan(500_000);
        var explained = await _audit.ExplainDemandAsync(new ExplainDemandRequest { RequestId = "D-LOW" });


        Assert.Equal([one.PlanId, none.PlanId], explained.Plans.Select(p => p.PlanId));
        var withBudget = explained.Plans[0];
        Assert.True(withBudget.Outcome.Late + withBudget.Outcome.Unmet > 0);
        Assert.Equal(["O-B", "O-LINE"], withBudget.Options.Select(o => o.OptionId));
        var (taken, other) = (withBudget.Options[0], withBudget.Options[1]);
        Assert.Equal((OptionState.Taken, 7500L), (taken.State, taken.OnTimeCapacity));
        Assert.True(taken.Units > 0);
        Assert.StartsWith("taken: its line gave this demand", taken.Note);
        Assert.Equal((OptionState.NotTaken, 0L, 7500L), (other.State, other.Units, other.OnTimeCapacity));
        Assert.Equal("not taken: budget (300,000 of 500,000 spent on options that serve earlier steps; this one costs 400,000)", other.Note);

        var withoutBudget = explained.Plans[1];
        Assert.All(withoutBudget.Options, o => Assert.Equal(OptionState.OverBudget, o.State));
        Assert.Equal("not available: its fixed cost 400,000 alone is over the budget 0", withoutBudget.Options[1].Note);
    }

    [Fact]
    public async Task DiffPlansComparesWhatTwoPlansDoWithEachOption()
    {
        await RegisterTwoLines();
        var none = await Plan(0);
        var one = await Plan(500_000);

        var diff = await _audit.DiffPlansAsync(new DiffPlansRequest { PlanA = none.PlanId, PlanB = one.PlanId });

        Assert.Equal((0.0, 300_000.0), (diff.OptionSpentA, diff.OptionSpentB));
        Assert.Equal(["O-B", "O-LINE"], diff.Options.Select(o => o.OptionId));
        Assert.Equal((OptionState.OverBudget, OptionState.Taken, 0L), (diff.Options[0].StateA, diff.Options[0].StateB, diff.Options[0].UnitsA));
        Assert.Equal(one.Options.Single(o => o.OptionId == "O-B").Units, diff.Options[0].UnitsB);
        Assert.Equal((OptionState.OverBudget, OptionState.NotTaken), (diff.Options[1].StateA, diff.Options[1].StateB));
        Assert.Equal(diff.Options[0].UnitsB, diff.Sources.Single(s => s.Source == "option:O-B").UnitsB);
        Assert.Empty((await _audit.DiffPlansAsync(new DiffPlansRequest { PlanA = one.PlanId, PlanB = one.PlanId })).Options);
    }

    [Fact]
    public async Task BadBudgetsAreRefusedByField()
    {
        await Register();
        foreach (var budget in new[] { -1, double.NaN, double.PositiveInfinity, 2e15 })
        {
            await Rpc.InvalidFields(async () =>
            {
                using var call = _planning.CreatePlan(new CreatePlanRequest { StartDate = Start, OptionBudget = budget });
                await PlanStreams.ReadAll(call);
            }, "option_budget");
        }
        await Rpc.InvalidFields(async () => await _planning.SweepOptionBudgetsAsync(new SweepOptionBudgetsRequest { StartDate = Start }), "budgets");
        await Rpc.InvalidFields(async () => await _planning.SweepOptionBudgetsAsync(
            new SweepOptionBudgetsRequest { StartDate = Start, Budgets = { Enumerable.Repeat(1.0, 21) } }), "budgets");
        await Rpc.InvalidFields(async () => await _planning.SweepOptionBudgetsAsync(
            new SweepOptionBudgetsRequest { StartDate = Start, HorizonDays = 91, Budgets = { 0, -5, double.NaN } }), "horizon_days", "budgets[1]", "budgets[2]");
        await Rpc.InvalidFields(async () => await _assignments.ClearOptionRejectionAsync(new ClearOptionRejectionRequest { OptionId = "" }), "option_id");
        await Rpc.InvalidFields(async () => await _assignments.AcknowledgeOptionOrderAsync(
            new AcknowledgeOptionOrderRequest { FactoryId = "F1", OrderId = 0, Decision = Decision.Unspecified }), "order_id", "decision");
        Assert.Empty((await _audit.ListPlansAsync(new ListPlansRequest())).Plans);
    }
}
