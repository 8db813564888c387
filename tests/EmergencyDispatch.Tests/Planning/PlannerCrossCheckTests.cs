using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Plans;
using EmergencyDispatch.Tests.Planning.Reference;

namespace EmergencyDispatch.Tests.Planning;

/// <summary>The planner against the independent GLPK reference on tiny random scenarios.</summary>
public class PlannerCrossCheckTests
{
    /// <summary>
    /// Seeds 1–21 without 14. In seed 14 even the integer lexicographic optimum (found with glpsol as a MIP) misses
    /// MODEL.md's tolerance: with every earlier step at the continuous optimum, its lateness is 420 against 416 ± 2.08;
    /// the integrality gap there is larger than 0.5% or one unit-day.
    /// </summary>
    private static readonly int[] SeedNumbers = [.. Enumerable.Range(1, 21).Where(s => s != 14)];

    public static TheoryData<int> Seeds => [.. SeedNumbers];

    [GlpkTheory]
    [MemberData(nameof(Seeds))]
    public void PlanIsFeasibleAndWithinToleranceOfTheReference(int seed)
    {
        var input = RandomScenarios.Build(seed);

        var plan = Planner.Plan(input, new PlannerOptions());

        Assert.Equal(PlanCompletion.Complete, plan.Completion);
        GlpkReference.AssertPlanIsCorrect(input, plan);
    }

    [Fact]
    public void RandomScenarioDependsOnlyOnItsSeed()
    {
        var first = RandomScenarios.Build(7);
        var again = RandomScenarios.Build(7);
        var other = RandomScenarios.Build(8);

        Assert.Equal(Describe(first), Describe(again));
        Assert.NotEqual(Describe(first), Describe(other));
    }

    [Fact]
    public void RandomScenariosCoverEveryPriorityClosedDaysAndCommitments()
    {
        var inputs = SeedNumbers.Select(RandomScenarios.Build).ToList();

        Assert.All(Priorities.InOrder, p => Assert.Contains(inputs, i => i.Demands.Any(d => d.Priority == p)));
        Assert.Contains(inputs, i => i.Availability.Any(a => a.Factor == 0));
        Assert.Contains(inputs, i => i.Commitments.Count > 0);
        Assert.All(inputs, i => Assert.InRange(i.Factories.Count, 2, 6));
        Assert.All(inputs, i => Assert.InRange(i.Demands.Count, 3, 12));
    }

    private static string Describe(PlanningInput input) => string.Join('\n',
        new object[] { input.StartDate, input.HorizonDays }
            .Concat(input.Products).Concat(input.Factories).Concat(input.Capabilities).Concat(input.Availability)
            .Concat(input.Lanes).Concat(input.Demands).Concat(input.Commitments));
}
