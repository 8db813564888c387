using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Plans;
using ResultStatus = Google.OrTools.LinearSolver.Solver.ResultStatus;

namespace EmergencyDispatch.Tests.Planning;

/// <summary>Known answers for every constraint and objective step of MODEL.md, on inputs small enough to solve by hand.</summary>
public sealed class PlannerTests
{
    private static readonly DateOnly Start = new(2020, 2, 3);

    private static PlanningInput Input(
        Capability[] capabilities,
        DemandLine[] demands,
        int horizon = 5,
        Factory[]? factories = null,
        Lane[]? lanes = null,
        AvailabilityDay[]? availability = null,
        Commitment[]? commitments = null) => new(
        [new Product("M", "mask", "piece"), new Product("S", "suit", "set")],
        factories ?? [new Factory("F1", "one", "A"), new Factory("F2", "two", "A")],
        capabilities,
        availability ?? [],
        lanes ?? [],
        demands,
        commitments ?? [],
        Start,
        horizon);

    private static DemandLine Demand(string id, long quantity, int dueDay, Priority priority, string sku = "M", string region = "A") =>
        new(id, sku, quantity, region, Start.AddDays(dueDay), priority);

    private static Outcome Of(PlanResult plan, string id) => plan.Outcomes.Single(o => o.DemandKey == id);

    private static double Value(PlanResult plan, string step) => plan.StepValues.Single(v => v.Step.Name == step).Value;

    [Fact]
    public void CriticalDemandIsServedBeforeHighWhenCapacityIsShort()
    {
        var input = Input([new Capability("F1", "M", 100, 1)], [Demand("H", 300, 2, Priority.High), Demand("C", 300, 2, Priority.Critical)]);

        var plan = Planner.Plan(input, new PlannerOptions());

        Assert.Equal(300, Of(plan, "C").OnTime);
        Assert.Equal(0, Of(plan, "H").OnTime);
        Assert.Equal(ShortfallReason.CapacityShortage, Of(plan, "H").Reason);
        Assert.Equal(["F1"], Of(plan, "H").BindingFactories);
    }

    [Fact]
    public void DemandsOfOneTierGetEqualSharesOnTimeBeforeAnyGetsMore()
    {
        var input = Input([new Capability("F1", "M", 100, 1)], [Demand("A", 400, 1, Priority.High), Demand("B", 100, 1, Priority.High)]);

        var plan = Planner.Plan(input, new PlannerOptions());

        // 200 units fit on time: equal shares of 40% give A 160 and B 40 (not 200 to A, or 100 to B and 100 to A).
        Assert.Equal(0.4, Value(plan, "HIGH.fair_share"), 6);
        Assert.Equal(200, Of(plan, "A").OnTime + Of(plan, "B").OnTime);
        Assert.True(Of(plan, "B").OnTime >= 40);
        Assert.True(Of(plan, "A").OnTime >= 160);
    }

    [Fact]
    public void OnTimeUnitsComeBeforeLateOnesAndLateBeforeUnmet()
    {
        var input = Input([new Capability("F1", "M", 100, 1)], [Demand("D", 450, 1, Priority.Normal)], horizon: 4);

        var plan = Planner.Plan(input, new PlannerOptions());

        Assert.Equal(200, Of(plan, "D").OnTime);
        Assert.Equal(200, Of(plan, "D").Late);
        Assert.Equal(50, Of(plan, "D").Unmet);
        // Late units arrive as early as capacity allows: 100 one day late, 100 two days late, weight 2.
        Assert.Equal((100 * 1 + 100 * 2) * 2, Value(plan, "lateness"), 6);
    }

    [Fact]
    public void LatenessFallsWhereItsWeightIsSmallest()
    {
        // Both demands are due on day 0; one day of capacity is on time, the rest is late.
        var input = Input([new Capability("F1", "M", 100, 1)], [Demand("C", 150, 0, Priority.Critical), Demand("L", 100, 0, Priority.Low)], horizon: 3);

        var plan = Planner.Plan(input, new PlannerOptions());

        // Critical takes day 0 and day 1 (50 late by 1); low gets day 1's rest and day 2 (50 late by 1, 50 by 2).
        Assert.Equal(100, Of(plan, "C").OnTime);
        Assert.Equal(50, Of(plan, "C").Late);
        Assert.Equal(100, Of(plan, "L").Late);
        Assert.Equal(50 * 1 * 8 + 50 * 1 * 1 + 50 * 2 * 1, Value(plan, "lateness"), 6);
    }

    [Fact]
    public void CostDecidesOnlyAmongOtherwiseEqualPlans()
    {
        var input = Input([new Capability("F1", "M", 100, 5), new Capability("F2", "M", 100, 2)], [Demand("D", 150, 0, Priority.High)]);

        var plan = Planner.Plan(input, new PlannerOptions());

        Assert.Equal(150, Of(plan, "D").OnTime);
        Assert.Equal(100, plan.Assignments.Where(a => a.FactoryId == "F2").Sum(a => a.Quantity));
        Assert.Equal(100 * 2 + 50 * 5, Value(plan, "cost"), 6);
    }

    [Fact]
    public void AFactorySharesItsDayBetweenTheSkusItMakes()
    {
        var input = Input(
            [new Capability("F1", "M", 100, 1), new Capability("F1", "S", 10, 1)],
            [Demand("M1", 50, 0, Priority.Critical), Demand("S1", 10, 0, Priority.Critical, sku: "S")],
            horizon: 1);

        var plan = Planner.Plan(input, new PlannerOptions());

        // Half a day makes 50 masks, the other half 5 suits: equal shares of 50% each... masks get more only if suits cannot.
        var masks = Of(plan, "M1").OnTime;
        var suits = Of(plan, "S1").OnTime;
        Assert.True(masks / 100.0 + suits / 10.0 <= 1 + 1e-9);
        Assert.Equal(Math.Min(masks / 50.0, suits / 10.0), Value(plan, "CRITICAL.fair_share"), 6);
        Assert.True(Value(plan, "CRITICAL.fair_share") >= 0.66 - 0.1);
    }

    [Fact]
    public void ClosedDaysMakeNothingAndExpandedDaysMakeMore()
    {
        var input = Input(
            [new Capability("F1", "M", 100, 1)],
            [Demand("D", 1000, 2, Priority.High)],
            availability: [new AvailabilityDay("F1", Start, 0), new AvailabilityDay("F1", Start.AddDays(2), 1.5)]);

        var plan = Planner.Plan(input, new PlannerOptions());

        Assert.DoesNotContain(plan.Assignments, a => a.ProductionDate == Start);
        Assert.Equal(250, Of(plan, "D").OnTime);
        Assert.Equal(150, plan.Assignments.Where(a => a.ProductionDate == Start.AddDays(2)).Sum(a => a.Quantity));
    }

    [Fact]
    public void ALaneAddsItsLeadTimeAndCostAndTheSameRegionNeedsNone()
    {
        var input = Input(
            [new Capability("F1", "M", 100, 1), new Capability("F2", "M", 100, 1)],
            [Demand("FAR", 100, 1, Priority.High, region: "B"), Demand("NEAR", 100, 0, Priority.High)],
            factories: [new Factory("F1", "one", "A"), new Factory("F2", "two", "B")],
            lanes: [new Lane("A", "B", 1, 0.5)]);

        var plan = Planner.Plan(input, new PlannerOptions());

        Assert.Equal(100, Of(plan, "NEAR").OnTime);
        Assert.Equal(100, Of(plan, "FAR").OnTime);
        // No lane leads from B to A, so F2 never serves NEAR; each assignment arrives after its lane's lead.
        Assert.All(plan.Assignments.Where(a => a.DemandKey == "NEAR"), a => Assert.Equal("F1", a.FactoryId));
        Assert.All(plan.Assignments, a => Assert.Equal(a.FactoryId == "F1" && a.DemandKey == "FAR" ? 1 : 0, a.ArrivalDate.DayNumber - a.ProductionDate.DayNumber));
    }

    [Fact]
    public void UnreachableDemandsGetTheirReasons()
    {
        var input = Input(
            [new Capability("F1", "M", 100, 1)],
            [Demand("NOFACTORY", 10, 3, Priority.High, sku: "S"), Demand("NOROUTE", 10, 0, Priority.High, region: "B")],
            factories: [new Factory("F1", "one", "A"), new Factory("F2", "two", "A")],
            lanes: [new Lane("A", "B", 2, 0)]);

        var plan = Planner.Plan(input, new PlannerOptions());

        Assert.Equal(ShortfallReason.NoCapableFactory, Of(plan, "NOFACTORY").Reason);
        Assert.Equal(ShortfallReason.NoOnTimeRoute, Of(plan, "NOROUTE").Reason);
        Assert.Equal(10, Of(plan, "NOROUTE").Late);
        Assert.Equal("NO_ON_TIME_ROUTE", Of(plan, "NOROUTE").ReasonText);
    }

    [Fact]
    public void CommitmentsAreKeptAndTakeCapacityFirst()
    {
        var input = Input(
            [new Capability("F1", "M", 100, 1)],
            [Demand("LOWC", 100, 4, Priority.Low), Demand("CRIT", 200, 1, Priority.Critical)],
            commitments: [new Commitment("F1", "LOWC", Start, 100)]);

        var plan = Planner.Plan(input, new PlannerOptions());

        Assert.Contains(plan.Assignments, a => a is { FactoryId: "F1", DemandKey: "LOWC", Quantity: 100 } && a.ProductionDate == Start);
        Assert.Equal(100, Of(plan, "CRIT").OnTime);
        Assert.Empty(PlanEvaluator.Check(input, plan.Assignments));
    }

    [Fact]
    public void AnExcludedFactoryServesNothingOfThatDemandButStillServesOthers()
    {
        // F1 and F2 share region A's pool in the LP; F1 rejected D, so D gets F2's 10 units and F1 makes E's.
        var input = Input(
            [new Capability("F1", "M", 10, 1), new Capability("F2", "M", 10, 5)],
            [Demand("D", 15, 0, Priority.High), Demand("E", 5, 0, Priority.Low)],
            horizon: 1) with { Exclusions = [new Exclusion("F1", "D")] };

        var plan = Planner.Plan(input, new PlannerOptions());
        var greedy = Planner.Plan(input, new PlannerOptions { Planner = PlannerKind.Greedy });

        foreach (var p in new[] { plan, greedy })
        {
            Assert.Empty(PlanEvaluator.Check(input, p.Assignments));
            Assert.DoesNotContain(p.Assignments, a => a is { FactoryId: "F1", DemandKey: "D" });
            Assert.Equal(10, Of(p, "D").OnTime);
            Assert.Equal(5, Of(p, "E").OnTime);
            Assert.Equal(ShortfallReason.CapacityShortage, Of(p, "D").Reason);
            Assert.Equal(["F2"], Of(p, "D").BindingFactories);
        }
        Assert.Contains("F1 is excluded from D", string.Join('\n', PlanEvaluator.Check(input, [new Assignment("F1", "D", "M", Start, Start, 1)])));
    }

    [Fact]
    public void ADemandEveryCapableFactoryRejectedHasNoCapableFactory()
    {
        var input = Input([new Capability("F1", "M", 10, 1)], [Demand("D", 5, 2, Priority.High)]) with { Exclusions = [new Exclusion("F1", "D")] };

        var plan = Planner.Plan(input, new PlannerOptions());

        Assert.Empty(plan.Assignments);
        Assert.Equal(ShortfallReason.NoCapableFactory, Of(plan, "D").Reason);
    }

    [Fact]
    public void RoundingNeverExceedsCapacityOrQuantity()
    {
        // Thirds of a day do not round evenly: 3 demands sharing 10 units a day of a slow sku.
        var input = Input(
            [new Capability("F1", "S", 10, 1), new Capability("F1", "M", 7, 1)],
            [Demand("A", 7, 1, Priority.High, sku: "S"), Demand("B", 7, 1, Priority.High, sku: "S"), Demand("C", 7, 1, Priority.High, sku: "M")],
            horizon: 2);

        var plan = Planner.Plan(input, new PlannerOptions());

        Assert.Empty(PlanEvaluator.Check(input, plan.Assignments));
        Assert.All(plan.Assignments, a => Assert.True(a.Quantity > 0));
    }

    [Fact]
    public void WholeUnitsComeWithinToleranceWhereRoundingAloneDoesNot()
    {
        // Rounding this scenario's LP solution left LOW at 149 units on time against 150.39 ± 1. The best integer plan
        // keeps 150 but then costs 749.5 against 745.15 ± 3.73 (references from glpsol): the planner gives up some of
        // LOW's fair share, within its tolerance (0.5785 ± 0.1667), to come within tolerance on cost too.
        var input = RandomScenarios.Build(79);

        var plan = Planner.Plan(input, new PlannerOptions());

        Assert.Empty(PlanEvaluator.Check(input, plan.Assignments));
        Assert.InRange(plan.StepValues.Single(v => v.Step == new Step(StepKind.FairShare, Priority.Low)).Value, 0.5785 - 0.1667, 1);
        Assert.Equal(150, plan.StepValues.Single(v => v.Step == new Step(StepKind.OnTime, Priority.Low)).Value);
        Assert.InRange(plan.StepValues.Single(v => v.Step == new Step(StepKind.Cost, null)).Value, 0, 745.15 + 3.73);
    }

    [Fact]
    public void TheSameInputGivesTheSameAssignments()
    {
        var input = PlanningInput.From(EmergencyDispatch.Planning.Scenarios.ScenarioGenerator.Generate(
            new EmergencyDispatch.Planning.Scenarios.GeneratorOptions { Factories = 30, Demands = 120, Skus = 6, Regions = 6, Days = 7, Seed = 7 }).Scenario);

        var first = Planner.Plan(input, new PlannerOptions { Threads = 2 });
        var second = Planner.Plan(input, new PlannerOptions { Threads = 2 });
        var oneThread = Planner.Plan(input, new PlannerOptions { Threads = 1 });

        Assert.Equal(PlanCompletion.Complete, first.Completion);
        Assert.Equal(first.Assignments, second.Assignments);
        Assert.Equal(first.Assignments, oneThread.Assignments);
        Assert.Empty(PlanEvaluator.Check(input, first.Assignments));
    }

    [Fact]
    public void AnExhaustedTimeLimitStillReturnsAPlan()
    {
        var input = Input([new Capability("F1", "M", 100, 1)], [Demand("D", 150, 2, Priority.High)]);

        var plan = Planner.Plan(input, new PlannerOptions { TimeLimit = TimeSpan.Zero });

        Assert.Equal(PlanCompletion.TimeLimit, plan.Completion);
        Assert.Null(plan.LastCompletedStep);
        Assert.Equal(150, Of(plan, "D").OnTime);
    }

    [Fact]
    public void ASolverFailureIsReportedAsSuchNotAsATimeLimit()
    {
        // A cost that is not a number makes the cost step's model invalid: the solver fails there with time to spare.
        var input = Input([new Capability("F1", "M", 100, double.NaN)], [Demand("D", 150, 2, Priority.High)]);

        var plan = Planner.Plan(input, new PlannerOptions());

        Assert.Equal(PlanCompletion.SolverFailed, plan.Completion);
        Assert.NotNull(plan.Failure);
        Assert.Equal(StepKind.Cost, plan.Failure.Step.Kind);
        Assert.Equal(Step.All[^2], plan.LastCompletedStep);
        Assert.Equal(150, Of(plan, "D").OnTime);
    }

    [Theory]
    [InlineData(ResultStatus.INFEASIBLE, 10, 1000, false, "INFEASIBLE")]
    [InlineData(ResultStatus.UNBOUNDED, 10, 1000, false, "UNBOUNDED")]
    [InlineData(ResultStatus.ABNORMAL, 1000, 1000, false, "ABNORMAL")]
    [InlineData(ResultStatus.MODEL_INVALID, 10, 1000, true, "MODEL_INVALID")]
    [InlineData(ResultStatus.NOT_SOLVED, 10, 1000, false, "NOT_SOLVED")]
    [InlineData(ResultStatus.FEASIBLE, 10, 1000, false, "FEASIBLE")]
    [InlineData(ResultStatus.NOT_SOLVED, 1000, 1000, false, null)]
    [InlineData(ResultStatus.FEASIBLE, 995, 1000, false, null)]
    [InlineData(ResultStatus.NOT_SOLVED, 10, 1000, true, null)]
    [InlineData(ResultStatus.OPTIMAL, 10, 1000, false, null)]
    public void AStepEndsInAFailureOnlyWhenTheSolverStoppedForAnotherReasonThanTime(ResultStatus status, int usedMs, int limitMs, bool cancelled, string? failure)
    {
        var result = StepStop.Failure(status, TimeSpan.FromMilliseconds(usedMs), TimeSpan.FromMilliseconds(limitMs), cancelled);

        Assert.Equal(failure, result);
    }

    [Fact]
    public void TheLpPlanIsLexicographicallyAtLeastAsGoodAsTheGreedyOne()
    {
        var input = PlanningInput.From(EmergencyDispatch.Planning.Scenarios.ScenarioGenerator.Generate(
            new EmergencyDispatch.Planning.Scenarios.GeneratorOptions { Factories = 40, Demands = 200, Skus = 8, Regions = 8, Days = 10, Seed = 3 }).Scenario);

        var lp = Planner.Plan(input, new PlannerOptions());
        var greedy = Planner.Plan(input, new PlannerOptions { Planner = PlannerKind.Greedy });

        var first = lp.StepValues.Zip(greedy.StepValues).FirstOrDefault(p => Math.Abs(p.First.Value - p.Second.Value) > 1e-6 * Math.Max(1, Math.Abs(p.Second.Value)));
        Assert.True(first == default || (first.First.Step.Maximise ? first.First.Value > first.Second.Value : first.First.Value < first.Second.Value),
            $"greedy is better at {first.First?.Step.Name}: lp {first.First?.Value}, greedy {first.Second?.Value}");
    }
}
