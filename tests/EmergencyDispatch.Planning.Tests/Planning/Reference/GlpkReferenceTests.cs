using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Plans;
using Xunit.Sdk;

namespace EmergencyDispatch.Tests.Planning.Reference;

public class GlpkReferenceTests
{
    private static readonly DateOnly Start = new(2025, 3, 1);

    /// <summary>Factory F1 in region A makes S at 10 a day for 2 per unit; F2 in A at 10 a day for 5; lane A → B takes 1 day at 3.</summary>
    private static PlanningInput Input(
        IReadOnlyList<DemandLine> demands,
        int horizon = 1,
        bool secondFactory = false,
        IReadOnlyList<AvailabilityDay>? availability = null,
        IReadOnlyList<Commitment>? commitments = null) => new(
        [new Product("S", "Sku", "unit")],
        secondFactory ? [new Factory("F1", "Factory 1", "A"), new Factory("F2", "Factory 2", "A")] : [new Factory("F1", "Factory 1", "A")],
        secondFactory ? [new Capability("F1", "S", 10, 2), new Capability("F2", "S", 10, 5)] : [new Capability("F1", "S", 10, 2)],
        availability ?? [],
        [new Lane("A", "B", 1, 3)],
        demands,
        commitments ?? [],
        Start,
        horizon);

    private static DemandLine Demand(string id, long quantity, Priority priority, string region = "A", int dueDay = 0) =>
        new(id, "S", quantity, region, Start.AddDays(dueDay), priority);

    private static double Value(IReadOnlyList<StepValue> values, string step) => values.Single(v => v.Step.Name == step).Value;

    private static List<StepValue> Values(params (string Step, double Value)[] values) =>
        Step.All.Select(s => new StepValue(s, values.FirstOrDefault(v => v.Step == s.Name).Value)).ToList();

    /// <summary>A plan of the given assignments that reports its own values and MODEL.md's reasons.</summary>
    private static PlanResult Plan(PlanningInput input, IReadOnlyList<Assignment> assignments)
    {
        var network = new Network(input);
        var outcomes = PlanEvaluator.Outcomes(input, assignments, d =>
            (!network.HasCapableFactory(d) ? ShortfallReason.NoCapableFactory
                : !network.IsServable(d) ? ShortfallReason.NoOnTimeRoute
                : ShortfallReason.CapacityShortage, ["F1"]));
        return new PlanResult(assignments, outcomes, PlanEvaluator.Evaluate(input, assignments), PlanCompletion.Complete, Step.All[^1], []);
    }

    private static Assignment Ship(string requestId, int day, long quantity, string factoryId = "F1") =>
        new(factoryId, requestId, "S", Start.AddDays(day), Start.AddDays(day), quantity);

    [GlpkFact]
    public void CriticalDemandsSharingCapacityGetEqualShares()
    {
        var input = Input([Demand("D1", 10, Priority.Critical), Demand("D2", 30, Priority.Critical)]);

        var optimum = GlpkReference.LexicographicOptimum(input);

        Assert.Equal(Step.All, optimum.Select(v => v.Step));
        Assert.Equal(0.25, Value(optimum, "CRITICAL.fair_share"), 6);
        Assert.Equal(10, Value(optimum, "CRITICAL.on_time"), 6);
        Assert.Equal(10, Value(optimum, "CRITICAL.delivered"), 6);
        Assert.Equal(20, Value(optimum, "cost"), 6);
    }

    [GlpkFact]
    public void FairShareIgnoresUnservableDemandsAndIsOneForATierWithoutAny()
    {
        // F1 is closed on day 0: D2 (CRITICAL, due day 0) and D4 (LOW) cannot be on time; nor D3, whose lane takes a day.
        var input = Input(
            [
                Demand("D1", 10, Priority.Critical, dueDay: 1),
                Demand("D2", 10, Priority.Critical, dueDay: 0),
                Demand("D3", 10, Priority.High, "B", dueDay: 0),
                Demand("D4", 10, Priority.Low, dueDay: 0),
            ],
            horizon: 2,
            availability: [new AvailabilityDay("F1", Start, 0)]);

        var optimum = GlpkReference.LexicographicOptimum(input);

        Assert.Equal(1, Value(optimum, "CRITICAL.fair_share"), 6);
        Assert.Equal(10, Value(optimum, "CRITICAL.on_time"), 6);
        Assert.Equal(1, Value(optimum, "HIGH.fair_share"));
        Assert.Equal(1, Value(optimum, "NORMAL.fair_share"));
        Assert.Equal(1, Value(optimum, "LOW.fair_share"));
        Assert.Equal(10, Value(optimum, "CRITICAL.delivered"), 6);
        Assert.Equal(0, Value(optimum, "HIGH.delivered"), 6);
    }

    [GlpkFact]
    public void CriticalDemandIsServedBeforeHighWhenCapacityIsShort()
    {
        var input = Input([Demand("H", 8, Priority.High), Demand("C", 6, Priority.Critical)]);

        var optimum = GlpkReference.LexicographicOptimum(input);

        Assert.Equal(1, Value(optimum, "CRITICAL.fair_share"), 6);
        Assert.Equal(6, Value(optimum, "CRITICAL.on_time"), 6);
        Assert.Equal(0.5, Value(optimum, "HIGH.fair_share"), 6);
        Assert.Equal(4, Value(optimum, "HIGH.on_time"), 6);
    }

    [GlpkFact]
    public void OnTimeBeatsLateAndLateBeatsUnmet()
    {
        var input = Input([Demand("D1", 15, Priority.Normal)], horizon: 3);

        var optimum = GlpkReference.LexicographicOptimum(input);

        Assert.Equal(10, Value(optimum, "NORMAL.on_time"), 6);
        Assert.Equal(15, Value(optimum, "NORMAL.delivered"), 6);
        Assert.Equal(5 * 1 * 2, Value(optimum, "lateness"), 6);
        Assert.Equal(15 * 2, Value(optimum, "cost"), 6);
    }

    [GlpkFact]
    public void LatenessFallsOnTheLowerTierAtItsWeight()
    {
        // 20 units are due on day 0 and only 10 can be on time: CRITICAL goes first, LOW waits a day.
        var input = Input([Demand("L", 10, Priority.Low), Demand("C", 10, Priority.Critical)], horizon: 2);

        var optimum = GlpkReference.LexicographicOptimum(input);

        Assert.Equal(0, Value(optimum, "LOW.on_time"), 6);
        Assert.Equal(10, Value(optimum, "LOW.delivered"), 6);
        Assert.Equal(10 * 1 * 1, Value(optimum, "lateness"), 6);
    }

    [GlpkFact]
    public void CheapestFactoryIsUsedFirstAndLaneCostCounts()
    {
        var input = Input([Demand("A1", 12, Priority.Normal), Demand("B1", 4, Priority.Normal, "B", dueDay: 1)], horizon: 1, secondFactory: true);

        var optimum = GlpkReference.LexicographicOptimum(input);

        // 16 units from 20 of capacity: B1's 4 ride the lane (cost 3 each) from either factory; the cheap F1 makes 10.
        Assert.Equal(16, Value(optimum, "NORMAL.on_time"), 6);
        Assert.Equal(10 * 2 + 6 * 5 + 4 * 3, Value(optimum, "cost"), 6);
    }

    [GlpkFact]
    public void GivenLaneReplacesTheImplicitSameRegionLane()
    {
        var input = Input([Demand("D1", 10, Priority.Normal, dueDay: 0)], horizon: 2) with { Lanes = [new Lane("A", "A", 1, 1)] };

        var optimum = GlpkReference.LexicographicOptimum(input);

        Assert.Equal(1, Value(optimum, "NORMAL.fair_share"));
        Assert.Equal(0, Value(optimum, "NORMAL.on_time"), 6);
        Assert.Equal(10, Value(optimum, "NORMAL.delivered"), 6);
        Assert.Equal(10 * 1 * 2, Value(optimum, "lateness"), 6);
        Assert.Equal(10 * 3, Value(optimum, "cost"), 6);
    }

    [GlpkFact]
    public void CommitmentsAreLowerBounds()
    {
        var input = Input([Demand("C", 10, Priority.Critical), Demand("H", 10, Priority.High)], commitments: [new Commitment("F1", "H", Start, 4)]);

        var optimum = GlpkReference.LexicographicOptimum(input);

        Assert.Equal(0.6, Value(optimum, "CRITICAL.fair_share"), 6);
        Assert.Equal(4, Value(optimum, "HIGH.on_time"), 6);
    }

    [GlpkFact]
    public void BestGivenHoldsEarlierStepsAtThePlansValues()
    {
        var input = Input([Demand("C", 10, Priority.Critical), Demand("L", 10, Priority.Low)]);
        var plan = Values(("CRITICAL.fair_share", 0.5), ("CRITICAL.on_time", 5), ("HIGH.fair_share", 1), ("NORMAL.fair_share", 1));
        var lowOnTime = Step.All.ToList().FindIndex(s => s.Name == "LOW.on_time");

        var optimum = GlpkReference.LexicographicOptimum(input);
        var best = GlpkReference.BestGiven(input, plan, lowOnTime);

        Assert.Equal(0, Value(optimum, "LOW.on_time"), 6);
        Assert.Equal(5, best, 6);
    }

    [GlpkTheory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(12)]
    public void BestGivenTheOptimumItselfIsTheOptimum(int seed)
    {
        var input = RandomScenarios.Build(seed);

        var optimum = GlpkReference.LexicographicOptimum(input);
        var best = Enumerable.Range(0, Step.All.Count).Select(k => GlpkReference.BestGiven(input, optimum, k)).ToList();

        Assert.All(Enumerable.Range(0, Step.All.Count), k => Assert.Equal(optimum[k].Value, best[k], 1e-6 * Math.Max(1, optimum[k].Value)));
    }

    [GlpkFact]
    public void CommitmentsBeyondCapacityMakeTheModelInfeasible()
    {
        var input = Input([Demand("D1", 20, Priority.Normal)], availability: [new AvailabilityDay("F1", Start, 0.5)], commitments: [new Commitment("F1", "D1", Start, 6)]);

        var failure = Assert.Throws<InvalidOperationException>(() => GlpkReference.LexicographicOptimum(input));

        Assert.Contains("glpsol found no optimum for NORMAL.fair_share", failure.Message);
    }

    [GlpkFact]
    public void ToleranceIsHalfAPercentOrOneUnit()
    {
        var input = Input([Demand("D1", 20, Priority.High), Demand("D2", 50, Priority.High), Demand("D3", 5, Priority.High, "B", dueDay: 0)]);
        var fairShare = new Step(StepKind.FairShare, Priority.High);
        var cost = new Step(StepKind.Cost, null);

        Assert.Equal(1.0 / 20, GlpkReference.Tolerance(fairShare, 0.5, input), 12);
        Assert.Equal(1, GlpkReference.Tolerance(cost, 150, input), 12);
        Assert.Equal(5, GlpkReference.Tolerance(cost, 1000, input), 12);
    }

    [GlpkFact]
    public void OptimalPlanIsAccepted()
    {
        var input = Input([Demand("H", 8, Priority.High), Demand("C", 6, Priority.Critical), Demand("N", 3, Priority.Normal)], horizon: 2);
        var plan = Plan(input, [Ship("C", 0, 6), Ship("H", 0, 4), Ship("H", 1, 4), Ship("N", 1, 3)]);

        GlpkReference.AssertPlanIsCorrect(input, plan);
    }

    [GlpkFact]
    public void RoundedPlanWithinOneUnitIsAccepted()
    {
        // The continuous optimum gives D1 2.5 and D2 7.5 units; 3 and 7 lose 1/60 of fair share, less than one unit of D1 (1/10).
        var input = Input([Demand("D1", 10, Priority.Critical), Demand("D2", 30, Priority.Critical)]);
        var plan = Plan(input, [Ship("D1", 0, 3), Ship("D2", 0, 7)]);

        GlpkReference.AssertPlanIsCorrect(input, plan);
    }

    [GlpkFact]
    public void PlanServingHighBeforeCriticalIsRejected()
    {
        var input = Input([Demand("H", 8, Priority.High), Demand("C", 6, Priority.Critical)]);
        var plan = Plan(input, [Ship("H", 0, 8), Ship("C", 0, 2)]);

        var failure = Assert.ThrowsAny<XunitException>(() => GlpkReference.AssertPlanIsCorrect(input, plan));

        Assert.Contains("CRITICAL.fair_share: the plan reaches 0.333333, below the less demanding reference 1", failure.Message);
        Assert.Contains("reference (a) lexicographic optimum 1", failure.Message);
    }

    [GlpkFact]
    public void PlanLeavingCapacityUnusedIsRejected()
    {
        var input = Input([Demand("N", 8, Priority.Normal)], horizon: 2);
        var plan = Plan(input, [Ship("N", 0, 5)]);

        var failure = Assert.ThrowsAny<XunitException>(() => GlpkReference.AssertPlanIsCorrect(input, plan));

        Assert.Contains("NORMAL.fair_share: the plan reaches 0.625", failure.Message);
    }

    [GlpkFact]
    public void PlanMisreportingItsValuesIsRejected()
    {
        var input = Input([Demand("N", 8, Priority.Normal)]);
        var honest = Plan(input, [Ship("N", 0, 8)]);
        var plan = honest with { StepValues = [.. honest.StepValues.Select(v => v.Step.Kind == StepKind.Cost ? v with { Value = 1 } : v)] };

        var failure = Assert.ThrowsAny<XunitException>(() => GlpkReference.AssertPlanIsCorrect(input, plan));

        Assert.Contains("cost: the plan reports 1, its assignments give 16", failure.Message);
    }

    [GlpkFact]
    public void PlanWithAWrongReasonIsRejected()
    {
        var input = Input([Demand("B1", 8, Priority.Normal, "B", dueDay: 0)], horizon: 2);
        var honest = Plan(input, [new Assignment("F1", "B1", "S", Start, Start.AddDays(1), 8)]);
        var plan = honest with { Outcomes = [honest.Outcomes[0] with { Reason = ShortfallReason.CapacityShortage }] };

        GlpkReference.AssertPlanIsCorrect(input, honest);
        Assert.ThrowsAny<XunitException>(() => GlpkReference.AssertPlanIsCorrect(input, plan));
    }
}
