using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Plans;

namespace EmergencyDispatch.Tests.Planning;

public class PlanEvaluatorTests
{
    private static readonly DateOnly Start = new(2025, 3, 1);

    /// <summary>Factory F1 in region A makes S at 10 a day for 2 per unit; lane A → B takes 1 day at 3 per unit.</summary>
    private static PlanningInput Input(
        IReadOnlyList<DemandLine> demands,
        IReadOnlyList<AvailabilityDay>? availability = null,
        IReadOnlyList<Commitment>? commitments = null,
        int horizon = 3) => new(
        [new Product("S", "Sku", "unit")],
        [new Factory("F1", "Factory 1", "A")],
        [new Capability("F1", "S", 10, 2)],
        availability ?? [],
        [new Lane("A", "B", 1, 3)],
        demands,
        commitments ?? [],
        Start,
        horizon);

    private static DemandLine Demand(string id, long quantity, string region = "A", int dueDay = 2, Priority priority = Priority.Normal) =>
        new(id, "S", quantity, region, Start.AddDays(dueDay), priority);

    private static Assignment Ship(string requestId, int day, long quantity, int lead = 0) =>
        new("F1", requestId, "S", Start.AddDays(day), Start.AddDays(day + lead), quantity);

    private static double Value(IReadOnlyList<StepValue> values, string step) => values.Single(v => v.Step.Name == step).Value;

    [Fact]
    public void FeasiblePlanHasNoProblems()
    {
        var input = Input([Demand("D1", 8), Demand("D2", 5, "B")]);

        var problems = PlanEvaluator.Check(input, [Ship("D1", 0, 8), Ship("D2", 0, 2, lead: 1), Ship("D2", 1, 3, lead: 1)]);

        Assert.Empty(problems);
    }

    [Fact]
    public void CapacityViolationIsDetected()
    {
        var input = Input([Demand("D1", 8), Demand("D2", 8)]);

        var problems = PlanEvaluator.Check(input, [Ship("D1", 0, 6), Ship("D2", 0, 5)]);

        var problem = Assert.Single(problems);
        Assert.Contains("factory F1 on 2025-03-01: uses 1.1 days of capacity, factor is 1", problem);
    }

    [Fact]
    public void CapacityFollowsTheDaysFactor()
    {
        var input = Input([Demand("D1", 20)], availability: [new AvailabilityDay("F1", Start, 1.5), new AvailabilityDay("F1", Start.AddDays(1), 0)]);

        var problems = PlanEvaluator.Check(input, [Ship("D1", 0, 15), Ship("D1", 1, 1)]);

        var problem = Assert.Single(problems);
        Assert.Contains("factory F1 on 2025-03-02: uses 0.1 days of capacity, factor is 0", problem);
    }

    [Fact]
    public void OverDeliveryIsDetected()
    {
        var input = Input([Demand("D1", 8)]);

        var problems = PlanEvaluator.Check(input, [Ship("D1", 0, 5), Ship("D1", 1, 4)]);

        Assert.Equal(["demand D1: 9 units planned, quantity is 8"], problems);
    }

    [Fact]
    public void MissingLaneIsDetected()
    {
        var input = Input([Demand("D1", 8, "C")]);

        var problems = PlanEvaluator.Check(input, [Ship("D1", 0, 5)]);

        var problem = Assert.Single(problems);
        Assert.Contains("no lane from A to C", problem);
    }

    [Fact]
    public void ArrivalMustBeProductionPlusLead()
    {
        var input = Input([Demand("D1", 8, "B")]);

        var problems = PlanEvaluator.Check(input, [Ship("D1", 0, 5)]);

        var problem = Assert.Single(problems);
        Assert.Contains("arrives 2025-03-01, but production + 1 lead days is 2025-03-02", problem);
    }

    [Fact]
    public void AssignmentsOutsideTheHorizonWithoutCapabilityOrWithAWrongSkuAreDetected()
    {
        var input = Input([Demand("D1", 30)]) with { Capabilities = [new Capability("F1", "S", 10, 2), new Capability("F2", "T", 10, 2)] };
        input = input with { Factories = [.. input.Factories, new Factory("F2", "Factory 2", "A")] };

        var problems = PlanEvaluator.Check(input,
        [
            Ship("D1", 3, 1),
            Ship("D1", -1, 1),
            Ship("D1", 0, 0),
            new Assignment("F2", "D1", "S", Start, Start, 1),
            new Assignment("F1", "D1", "T", Start, Start, 1),
            new Assignment("F9", "D1", "S", Start, Start, 1),
            new Assignment("F1", "D9", "S", Start, Start, 1),
        ]);

        Assert.Collection(problems,
            p => Assert.Contains("assignment 0 (F1 → D1 on 2025-03-04): production date is outside the horizon 2025-03-01..2025-03-03", p),
            p => Assert.Contains("assignment 1 (F1 → D1 on 2025-02-28): production date is outside the horizon", p),
            p => Assert.Contains("assignment 2 (F1 → D1 on 2025-03-01): quantity 0 is not positive", p),
            p => Assert.Contains("assignment 3 (F2 → D1 on 2025-03-01): factory F2 cannot make S", p),
            p => Assert.Contains("assignment 4 (F1 → D1 on 2025-03-01): sku T is not the demand's sku S", p),
            p => Assert.Contains("unknown factory F9", p),
            p => Assert.Contains("unknown demand D9", p));
    }

    [Fact]
    public void CommitmentMustBeKept()
    {
        var input = Input([Demand("D1", 8)], commitments: [new Commitment("F1", "D1", Start.AddDays(1), 4)]);

        var kept = PlanEvaluator.Check(input, [Ship("D1", 1, 3), Ship("D1", 1, 1), Ship("D1", 0, 4)]);
        var moved = PlanEvaluator.Check(input, [Ship("D1", 0, 4), Ship("D1", 1, 3)]);

        Assert.Empty(kept);
        Assert.Equal(["commitment F1 → D1 on 2025-03-02: 4 units committed, 3 planned"], moved);
    }

    [Fact]
    public void FairShareIgnoresUnservableDemands()
    {
        // D2 is due before anything can arrive in B; D3 is past due; only D1 counts.
        var input = Input([Demand("D1", 10, priority: Priority.High), Demand("D2", 10, "B", dueDay: 0, priority: Priority.High), Demand("D3", 4, dueDay: -1, priority: Priority.High)]);

        var values = PlanEvaluator.Evaluate(input, [Ship("D1", 0, 4)]);

        Assert.Equal(0.4, Value(values, "HIGH.fair_share"), 12);
        Assert.Equal(4, Value(values, "HIGH.on_time"));
    }

    [Fact]
    public void FairShareIsTheSmallestOnTimeRatioAndOneForATierWithoutServableDemand()
    {
        var input = Input([Demand("D1", 10, priority: Priority.Critical), Demand("D2", 4, priority: Priority.Critical), Demand("D3", 10, "B", dueDay: 0, priority: Priority.Low)]);

        var values = PlanEvaluator.Evaluate(input, [Ship("D1", 0, 5), Ship("D2", 0, 3)]);

        Assert.Equal(0.5, Value(values, "CRITICAL.fair_share"), 12);
        Assert.Equal(1, Value(values, "HIGH.fair_share"));
        Assert.Equal(1, Value(values, "LOW.fair_share"));
        Assert.Equal(0, Value(values, "LOW.on_time"));
    }

    [Fact]
    public void LateUnitsCountAsDeliveredNotOnTime()
    {
        var input = Input([Demand("D1", 10, dueDay: 0)]);

        var values = PlanEvaluator.Evaluate(input, [Ship("D1", 0, 3), Ship("D1", 2, 4)]);

        Assert.Equal(3, Value(values, "NORMAL.on_time"));
        Assert.Equal(7, Value(values, "NORMAL.delivered"));
    }

    [Fact]
    public void LatenessWeighsUnitDaysByPriority()
    {
        var input = Input(
        [
            Demand("C", 10, dueDay: 0, priority: Priority.Critical),
            Demand("H", 10, dueDay: 0, priority: Priority.High),
            Demand("N", 10, dueDay: 0, priority: Priority.Normal),
            Demand("L", 10, dueDay: 0, priority: Priority.Low),
            Demand("B", 10, "B", dueDay: 1, priority: Priority.Critical),
        ], horizon: 4);

        var values = PlanEvaluator.Evaluate(input, [Ship("C", 1, 1), Ship("H", 2, 1), Ship("N", 1, 2), Ship("L", 3, 1), Ship("B", 2, 1, lead: 1), Ship("B", 0, 1, lead: 1)]);

        // C 1×1×8, H 1×2×4, N 2×1×2, L 1×3×1, B 1×2×8 (arrives day 3, due day 1); B's unit arriving day 1 is on time.
        Assert.Equal(8 + 8 + 4 + 3 + 16, Value(values, "lateness"));
    }

    [Fact]
    public void CostIncludesTheLaneCost()
    {
        var input = Input([Demand("D1", 10), Demand("D2", 10, "B")]);

        var values = PlanEvaluator.Evaluate(input, [Ship("D1", 0, 4), Ship("D2", 0, 5, lead: 1)]);

        Assert.Equal(4 * 2 + 5 * (2 + 3), Value(values, "cost"));
    }

    [Fact]
    public void SameRegionHasAnImplicitLaneUnlessOneIsGiven()
    {
        var implicitLane = Input([Demand("D1", 10)]);
        var givenLane = implicitLane with { Lanes = [new Lane("A", "A", 1, 0.5)] };

        var implicitProblems = PlanEvaluator.Check(implicitLane, [Ship("D1", 0, 4)]);
        var implicitValues = PlanEvaluator.Evaluate(implicitLane, [Ship("D1", 0, 4)]);
        var givenProblems = PlanEvaluator.Check(givenLane, [Ship("D1", 0, 4)]);
        var givenValues = PlanEvaluator.Evaluate(givenLane, [Ship("D1", 0, 4, lead: 1)]);

        Assert.Empty(implicitProblems);
        Assert.Equal(8, Value(implicitValues, "cost"));
        Assert.Contains("production + 1 lead days is 2025-03-02", Assert.Single(givenProblems));
        Assert.Equal(4 * 2.5, Value(givenValues, "cost"));
    }

    [Fact]
    public void StepValuesFollowStepAll()
    {
        var input = Input([Demand("D1", 10)]);

        var values = PlanEvaluator.Evaluate(input, []);

        Assert.Equal(Step.All, values.Select(v => v.Step));
    }

    [Fact]
    public void OutcomesAskForAReasonOnlyWhereUnitsAreLateOrUnmet()
    {
        var input = Input([Demand("Full", 4), Demand("Short", 10), Demand("Late", 3, dueDay: 0)]);
        var asked = new List<string>();

        var outcomes = PlanEvaluator.Outcomes(input, [Ship("Full", 0, 4), Ship("Short", 0, 6), Ship("Late", 1, 3)], d =>
        {
            asked.Add(d.RequestId);
            return (ShortfallReason.CapacityShortage, ["F1"]);
        });

        Assert.Equal(["Short", "Late"], asked);
        Assert.Collection(outcomes,
            o => Assert.Equal(("Full", 4L, 0L, 0L, ""), (o.DemandKey, o.OnTime, o.Late, o.Unmet, o.ReasonText)),
            o => Assert.Equal(("Short", 6L, 0L, 4L, "CAPACITY_SHORTAGE:F1"), (o.DemandKey, o.OnTime, o.Late, o.Unmet, o.ReasonText)),
            o => Assert.Equal(("Late", 0L, 3L, 0L, "CAPACITY_SHORTAGE:F1"), (o.DemandKey, o.OnTime, o.Late, o.Unmet, o.ReasonText)));
    }
}
