using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Plans;

namespace EmergencyDispatch.Tests.Planning;

/// <summary>
/// Known answers for options (MODEL.md constraints 6 and 7, the option-cost step): a line of its own from its ready
/// day with its ramp, closed when its factory is; taken only when it serves, within the budget, the cheapest set that
/// reaches the same service; critical demand before low demand.
/// </summary>
public sealed class OptionTests
{
    private static readonly DateOnly Start = new(2020, 2, 3);

    /// <summary>Mask maker F1 in A (100 masks a day, 1 a unit); carmaker CAR in A and textile firm TEX in A make nothing yet.</summary>
    private static PlanningInput Input(DemandLine[] demands, ProductionOption[] options, double budget, int horizon = 6,
        AvailabilityDay[]? availability = null, Commitment[]? commitments = null, string[]? committed = null, string[]? rejected = null) =>
        new PlanningInput(
            [new Product("M", "mask", "piece"), new Product("G", "gown", "piece")],
            [new Factory("F1", "masks", "A"), new Factory("CAR", "carmaker", "A"), new Factory("TEX", "textiles", "A")],
            [new Capability("F1", "M", 100, 1)],
            availability ?? [],
            [],
            demands,
            commitments ?? [],
            Start,
            horizon)
        {
            Options = options,
            OptionBudget = budget,
            CommittedOptions = committed ?? [],
            RejectedOptions = rejected ?? [],
        };

    private static DemandLine Demand(string id, long quantity, int dueDay, Priority priority, string sku = "M") =>
        new(id, sku, quantity, "A", Start.AddDays(dueDay), priority);

    private static ProductionOption Option(string id, double unitsPerDay, int readyDay, double fixedCost, string factory = "CAR", string sku = "M", int ramp = 0, double unitCost = 2) =>
        new(id, factory, sku, unitsPerDay, unitCost, Start.AddDays(readyDay), ramp, fixedCost);

    private static Outcome Of(PlanResult plan, string id) => plan.Outcomes.Single(o => o.DemandKey == id);

    private static OptionDecision Decision(PlanResult plan, string id) => plan.Decisions.Single(d => d.OptionId == id);

    private static double Value(PlanResult plan, string step) => plan.StepValues.Single(v => v.Step.Name == step).Value;

    private static PlanResult PlanChecked(PlanningInput input, bool chooseFirst = false)
    {
        var plan = Planner.Plan(input, new PlannerOptions { CoupledDemandsLimit = chooseFirst ? 0 : int.MaxValue });
        Assert.Equal(PlanCompletion.Complete, plan.Completion);
        Assert.Empty(PlanEvaluator.Check(input, plan.Assignments));
        return plan;
    }

    private static IEnumerable<Assignment> OnLine(PlanResult plan, string optionId) => plan.Assignments.Where(a => a.Source == Sources.Option(optionId));

    [Fact]
    public void ALineMakesNothingBeforeItsReadyDay()
    {
        // 600 masks due on day 5: F1 makes 600 in six days alone; 900 need the converted line, ready on day 3.
        var plan = PlanChecked(Input([Demand("C", 900, 5, Priority.Critical)], [Option("O1", 100, 3, 1000)], budget: 5000));

        Assert.Equal(900, Of(plan, "C").OnTime);
        Assert.True(Decision(plan, "O1").Taken);
        Assert.Equal(300, Decision(plan, "O1").Units);
        Assert.All(OnLine(plan, "O1"), a => Assert.True(a.ProductionDate >= Start.AddDays(3)));
        Assert.All(OnLine(plan, "O1"), a => Assert.Equal("CAR", a.FactoryId));
        Assert.Equal(1000, Value(plan, "option_cost"));
    }

    [Fact]
    public void ALineRampsUpOverItsRampDays()
    {
        // Ready on day 2 with a 3-day ramp: 25, 50, 75, then 100 a day on days 2..5: 250 in all.
        var plan = PlanChecked(Input([Demand("C", 2000, 5, Priority.Critical)], [Option("O1", 100, 2, 10, ramp: 3)], budget: 10));

        var byDay = OnLine(plan, "O1").GroupBy(a => a.ProductionDate.DayNumber - Start.DayNumber).ToDictionary(g => g.Key, g => g.Sum(a => a.Quantity));
        Assert.Equal(new Dictionary<int, long> { [2] = 25, [3] = 50, [4] = 75, [5] = 100 }, byDay);
        Assert.Equal(600 + 250, Of(plan, "C").OnTime);
    }

    [Fact]
    public void AFactorysClosedDaysCloseItsLinesAndItsExpansionsFollowItsFactor()
    {
        // The carmaker is closed on day 3 and at half capacity on day 4.
        var plan = PlanChecked(Input([Demand("C", 2000, 5, Priority.Critical)], [Option("O1", 100, 0, 10)], budget: 10,
            availability: [new AvailabilityDay("CAR", Start.AddDays(3), 0), new AvailabilityDay("CAR", Start.AddDays(4), 0.5)]));

        var byDay = OnLine(plan, "O1").GroupBy(a => a.ProductionDate.DayNumber - Start.DayNumber).ToDictionary(g => g.Key, g => g.Sum(a => a.Quantity));
        Assert.False(byDay.ContainsKey(3));
        Assert.Equal(50, byDay[4]);
        Assert.Equal(100 * 4 + 50, Decision(plan, "O1").Units);
    }

    [Fact]
    public void AnOptionThatServesNothingIsNotTaken()
    {
        // F1 covers the demand alone; the cheaper line is not worth its fixed cost.
        var plan = PlanChecked(Input([Demand("C", 300, 5, Priority.Critical)], [Option("O1", 100, 0, 1, unitCost: 0)], budget: 100));

        Assert.False(Decision(plan, "O1").Taken);
        Assert.Empty(OnLine(plan, "O1"));
        Assert.Equal(0, Value(plan, "option_cost"));
    }

    [Fact]
    public void WithoutABudgetNoOptionIsTakenAndThePlanIsTodays()
    {
        var demands = new[] { Demand("C", 900, 5, Priority.Critical) };
        var with = PlanChecked(Input(demands, [Option("O1", 100, 0, 1000)], budget: 0));
        var without = PlanChecked(Input(demands, [], budget: 0));

        Assert.False(Decision(with, "O1").Taken);
        Assert.Equal(without.Assignments, with.Assignments);
        Assert.Equal(without.StepValues.Select(v => v.Value), with.StepValues.Select(v => v.Value));
    }

    [Fact]
    public void TheCheapestSetThatReachesTheSameServiceIsTaken()
    {
        // The shortfall of 300 is closed by O-BIG (fc 500) alone, or by O-A and O-B (fc 200 each) together, or by O-C (fc 450).
        var plan = PlanChecked(Input([Demand("C", 900, 5, Priority.Critical)],
            [Option("O-BIG", 100, 0, 500), Option("O-A", 30, 0, 200, factory: "TEX"), Option("O-B", 30, 0, 200), Option("O-C", 50, 0, 450, factory: "TEX")],
            budget: 10_000));

        Assert.Equal(900, Of(plan, "C").OnTime);
        Assert.Equal(["O-A", "O-B"], plan.Decisions.Where(d => d.Taken).Select(d => d.OptionId));
        Assert.Equal(400, Value(plan, "option_cost"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheBudgetCapsTheOptionsTaken(bool chooseFirst)
    {
        // Both lines would serve; the budget pays for one, and the larger is taken (chosen first or planned coupled).
        var plan = PlanChecked(Input([Demand("C", 2000, 5, Priority.Critical)],
            [Option("O-S", 50, 0, 300), Option("O-L", 100, 0, 300, factory: "TEX")], budget: 500), chooseFirst);

        Assert.Equal(chooseFirst, plan.Choice is not null);
        Assert.Equal(["O-L"], plan.Decisions.Where(d => d.Taken).Select(d => d.OptionId));
        Assert.Equal(1200, Of(plan, "C").OnTime);
        Assert.Equal(300, Value(plan, "option_cost"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CriticalDemandJustifiesAnOptionThatLowDemandDoesNot(bool chooseFirst)
    {
        // Gowns: nobody makes them; CRITICAL demand of 100 gowns and LOW demand of 500 masks beyond F1. One option fits
        // the budget. Chosen first, the gown line alone is kept.
        var plan = PlanChecked(Input([Demand("CG", 100, 5, Priority.Critical, sku: "G"), Demand("LM", 1100, 5, Priority.Low)],
            [Option("O-GOWN", 50, 0, 800, factory: "TEX", sku: "G"), Option("O-MASK", 100, 0, 800)], budget: 1000), chooseFirst);

        Assert.Equal(chooseFirst ? new OptionChoiceReport(2, 1, 800, plan.Choice!.Elapsed) : null, plan.Choice);
        Assert.True(Decision(plan, "O-GOWN").Taken);
        Assert.False(Decision(plan, "O-MASK").Taken);
        Assert.Equal(100, Of(plan, "CG").OnTime);
        Assert.Equal(600, Of(plan, "LM").OnTime);
    }

    [Fact]
    public void ACommittedOptionCostsNothingAndARejectedOneIsNotUsed()
    {
        var demands = new[] { Demand("C", 2000, 5, Priority.Critical) };
        var options = new[] { Option("O-KEPT", 100, 0, 5000), Option("O-NO", 100, 0, 10, factory: "TEX") };
        var plan = PlanChecked(Input(demands, options, budget: 0, committed: ["O-KEPT"], rejected: ["O-NO"]));

        Assert.True(Decision(plan, "O-KEPT").Taken);
        Assert.Equal(600, Decision(plan, "O-KEPT").Units);
        Assert.False(Decision(plan, "O-NO").Taken);
        Assert.Equal(0, Value(plan, "option_cost"));
    }

    [Fact]
    public void ChosenFirstADemandThatOnlyALineLeftOutCouldServeStillCountsAsServable()
    {
        // Two gown lines of the same cost and a mask line; the budget pays for two: the larger gown line and the mask
        // line are kept, the smaller gown line left out. The plan's outcomes (the critical gowns short, their reason
        // naming the factory of the line left out as capacity not taken) and step values are those of the coupled plan.
        var input = Input([Demand("CG", 400, 5, Priority.Critical, sku: "G"), Demand("LM", 1100, 5, Priority.Low)],
            [Option("O-G1", 50, 0, 600, factory: "TEX", sku: "G"), Option("O-G2", 30, 0, 600, sku: "G"), Option("O-MASK", 100, 0, 500)], budget: 1100);

        var chosen = PlanChecked(input, chooseFirst: true);
        var coupled = PlanChecked(input);

        Assert.NotNull(chosen.Choice);
        Assert.Equal(coupled.Decisions.Where(d => d.Taken).Select(d => d.OptionId), chosen.Decisions.Where(d => d.Taken).Select(d => d.OptionId));
        Assert.Equal(coupled.StepValues.Select(v => v.Value), chosen.StepValues.Select(v => v.Value));
        Assert.Equal(coupled.Outcomes.Select(o => (o.DemandKey, o.OnTime, o.Late, o.ReasonText)), chosen.Outcomes.Select(o => (o.DemandKey, o.OnTime, o.Late, o.ReasonText)));
        Assert.Contains("CAR", chosen.Outcomes.Single(o => o.DemandKey == "CG").ReasonText);
    }

    [Fact]
    public void AnOptionAboveTheBudgetMakesNoDemandServable()
    {
        // Only the gown line could serve, and it costs more than the budget: the gowns have no capable source.
        var plan = PlanChecked(Input([Demand("CG", 100, 5, Priority.Critical, sku: "G")], [Option("O-GOWN", 50, 0, 800, factory: "TEX", sku: "G")], budget: 500));

        Assert.Equal(ShortfallReason.NoCapableFactory, Of(plan, "CG").Reason);
        Assert.False(Decision(plan, "O-GOWN").Taken);
    }

    [Fact]
    public void TheEvaluatorRefusesLinesBeyondTheBudgetTheirRampOrTheirSku()
    {
        var input = Input([Demand("C", 2000, 5, Priority.Critical)], [Option("O1", 100, 2, 300, ramp: 1), Option("O2", 100, 0, 300, factory: "TEX")], budget: 500);
        Assignment Line(string option, string factory, int day, long units) =>
            new(factory, "C", "M", Start.AddDays(day), Start.AddDays(day), units, Sources.Option(option));

        Assert.Empty(PlanEvaluator.Check(input, [Line("O1", "CAR", 2, 50), Line("O1", "CAR", 3, 100)]));
        Assert.Contains(PlanEvaluator.Check(input, [Line("O1", "CAR", 2, 51)]), p => p.Contains("option O1", StringComparison.Ordinal));
        Assert.Contains(PlanEvaluator.Check(input, [Line("O1", "CAR", 1, 1)]), p => p.Contains("option O1", StringComparison.Ordinal));
        Assert.Contains(PlanEvaluator.Check(input, [Line("O1", "CAR", 3, 1), Line("O2", "TEX", 0, 1)]), p => p.Contains("budget", StringComparison.Ordinal));
        Assert.Contains(PlanEvaluator.Check(input, [Line("O1", "TEX", 3, 1)]), p => p.Contains("line of CAR", StringComparison.Ordinal));
        var values = PlanEvaluator.Evaluate(input, [Line("O1", "CAR", 3, 10), Line("O2", "TEX", 0, 1)]);
        Assert.Equal(600, values.Single(v => v.Step.Kind == StepKind.OptionCost).Value);
        Assert.Equal(22, values.Single(v => v.Step.Kind == StepKind.Cost).Value);
    }

    [Fact]
    public void TheFrontierShowsWhatEachBudgetBuys()
    {
        var input = Input([Demand("CG", 100, 5, Priority.Critical, sku: "G"), Demand("LM", 1100, 5, Priority.Low)],
            [Option("O-GOWN", 50, 0, 800, factory: "TEX", sku: "G"), Option("O-MASK", 100, 0, 800)], budget: 0);

        var points = OptionFrontier.Sweep(input, [0, 1000, 1600], new PlannerOptions());

        Assert.Equal([0.0, 1000, 1600], points.Select(p => p.Budget));
        Assert.Equal([[], ["O-GOWN"], ["O-GOWN", "O-MASK"]], points.Select(p => p.OptionsTaken.ToArray()));
        Assert.Equal([0.0, 800, 1600], points.Select(p => p.Spent));
        Assert.Equal([0L, 100, 100], points.Select(p => p.Tiers.Single(t => t.Priority == Priority.Critical).OnTime));
        Assert.Equal([600L, 600, 1100], points.Select(p => p.Tiers.Single(t => t.Priority == Priority.Low).OnTime));
        // Each point is the plan of its budget.
        var alone = Planner.Plan(input with { OptionBudget = 1000 }, new PlannerOptions());
        Assert.Equal(alone.StepValues.Select(v => v.Value), points[1].StepValues.Select(v => v.Value));
    }
}
