using EmergencyDispatch.Planning.Loop;

namespace EmergencyDispatch.Tests.Planning;

/// <summary>The publication rules without a database: which plan may become active, and which units become new work.</summary>
public sealed class PublicationTests
{
    [Fact]
    public void ADraftMadeAgainstTheActivePlanWithNothingChangedSincePublishes()
    {
        Assert.Equal(new PublishDecision(true, false, null), Publication.Decide(7, PlanStates.Draft, 5, 40, 5, 40));
        Assert.Equal(new PublishDecision(true, false, null), Publication.Decide(1, PlanStates.Draft, null, 0, null, 0));
    }

    [Fact]
    public void TheActivePlanAgainIsANoOp() =>
        Assert.Equal(new PublishDecision(false, true, null), Publication.Decide(5, PlanStates.Active, 3, 10, 5, 99));

    [Fact]
    public void ASupersededPlanIsRefused()
    {
        var decision = Publication.Decide(4, PlanStates.Superseded, null, 0, 5, 0);

        Assert.False(decision.Publish);
        Assert.Equal("plan 4 is SUPERSEDED: only a draft can be published", decision.Refusal);
    }

    [Theory]
    [InlineData(5L, 6L, "plan 7 was made while plan 5 was active, and plan 6 is active now: make a new plan")]
    [InlineData(null, 6L, "plan 7 was made while no plan was active, and plan 6 is active now: make a new plan")]
    [InlineData(5L, null, "plan 7 was made while plan 5 was active, and no plan is active now: make a new plan")]
    public void ADraftMadeAgainstAnotherActivePlanIsRefused(long? baseline, long? active, string refusal)
    {
        var decision = Publication.Decide(7, PlanStates.Draft, baseline, 40, active, 40);

        Assert.False(decision.Publish);
        Assert.False(decision.AlreadyActive);
        Assert.Equal(refusal, decision.Refusal);
    }

    [Fact]
    public void ADraftIsRefusedOnceAnyAssignmentChangedAfterItWasMade()
    {
        var decision = Publication.Decide(7, PlanStates.Draft, 5, 40, 5, 41);

        Assert.False(decision.Publish);
        Assert.StartsWith("assignments changed after plan 7 was made", decision.Refusal);
    }

    [Fact]
    public void CommittedUnitsAreTakenOffThePlanRowsOfTheSameKeyInRowOrder()
    {
        (string Key, long Units)[] rows = [("A", 30), ("A", 50), ("B", 20), ("C", 10)];

        var work = Publication.NewWork(rows, r => r.Key, r => r.Units, [("A", 40), ("B", 20), ("D", 5)]).ToList();

        // A: 40 committed covers the first row (30) and 10 of the second; B is covered whole; D has no row.
        Assert.Equal([(("A", 50L), 40L), (("C", 10L), 10L)], work);
    }

    [Fact]
    public void CommitmentsOfOneKeyAddUpAndNoneMeansEveryRowIsNewWork()
    {
        (string Key, long Units)[] rows = [("A", 30), ("B", 5)];

        Assert.Equal([(("A", 30L), 5L)], Publication.NewWork(rows, r => r.Key, r => r.Units, [("A", 10), ("A", 15), ("B", 5)]).ToList());
        Assert.Equal([(("A", 30L), 30L), (("B", 5L), 5L)], Publication.NewWork(rows, r => r.Key, r => r.Units, []).ToList());
    }
}
