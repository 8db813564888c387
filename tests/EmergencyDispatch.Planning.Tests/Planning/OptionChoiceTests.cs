using EmergencyDispatch.Planning.Plans;
using EmergencyDispatch.Planning.Scenarios;

namespace EmergencyDispatch.Tests.Planning;

/// <summary>
/// The options chosen first (<see cref="PlannerOptions.CoupledDemandsLimit"/>) against the plan made coupled, on the
/// seeds (387 demands, 11 options modelled on February 2020) at budgets that bind: every step within MODEL.md's
/// tolerance (0.5%, or one unit) of the coupled plan's, no step's problem in the evaluator, the budget kept.
/// </summary>
public sealed class OptionChoiceTests
{
    private static PlanningInput Seeds()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EmergencyDispatch.sln")))
            dir = dir.Parent;
        var (scenario, errors) = ScenarioReader.Read(Path.Combine(dir!.FullName, "seeds"));
        Assert.Empty(errors);
        return PlanningInput.From(scenario!);
    }

    [Theory]
    [InlineData(5e6)]
    [InlineData(1e7)]
    [InlineData(2e7)]
    public void OnTheSeedsTheOptionsChosenFirstReachTheCoupledPlansServiceWithinTheTolerance(double budget)
    {
        var input = Seeds() with { OptionBudget = budget };

        var chosen = Planner.Plan(input, new PlannerOptions { CoupledDemandsLimit = 0 });
        var coupled = Planner.Plan(input, new PlannerOptions { CoupledDemandsLimit = int.MaxValue });

        Assert.NotNull(chosen.Choice);
        Assert.Null(coupled.Choice);
        Assert.Empty(PlanEvaluator.Check(input, chosen.Assignments, chosen.MaterialFlows));
        foreach (var (c, k) in chosen.StepValues.Zip(coupled.StepValues).Where(p => p.First.Step.Kind is not (StepKind.OptionCost or StepKind.Cost)))
        {
            var tolerance = Math.Max(c.Step.Kind == StepKind.FairShare ? 1e-9 : 1, 0.005 * Math.Abs(k.Value));
            var worse = c.Step.Maximise ? k.Value - c.Value : c.Value - k.Value;
            Assert.True(worse <= tolerance, $"budget {budget}: {c.Step.Name} {c.Value} against the coupled plan's {k.Value}");
        }
    }
}
