using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Plans;

namespace EmergencyDispatch.Tests.Planning;

/// <summary>MODEL.md's per-unit measures of each summed step, from the one place that defines them.</summary>
public sealed class ObjectiveTests
{
    private static Step Of(StepKind kind, Priority? tier = null) => Step.All.Single(s => s.Kind == kind && s.Tier == tier);

    [Fact]
    public void AUnitCountsOnTimeOnlyForItsOwnTierAndOnlyWhenItArrivesByTheDueDate()
    {
        Assert.Equal(1, Objective.PerUnit(Of(StepKind.OnTime, Priority.High), Priority.High, 0, 5, 2));
        Assert.Equal(1, Objective.PerUnit(Of(StepKind.OnTime, Priority.High), Priority.High, -3, 5, 2));
        Assert.Equal(0, Objective.PerUnit(Of(StepKind.OnTime, Priority.High), Priority.High, 1, 5, 2));
        Assert.Equal(0, Objective.PerUnit(Of(StepKind.OnTime, Priority.High), Priority.Critical, 0, 5, 2));
    }

    [Fact]
    public void AUnitCountsDeliveredForItsTierWhetherOnTimeOrLate()
    {
        Assert.Equal(1, Objective.PerUnit(Of(StepKind.Delivered, Priority.Low), Priority.Low, 4, 5, 2));
        Assert.Equal(0, Objective.PerUnit(Of(StepKind.Delivered, Priority.Low), Priority.Normal, 0, 5, 2));
    }

    [Theory]
    [InlineData(Priority.Critical, 3, 24)]
    [InlineData(Priority.High, 3, 12)]
    [InlineData(Priority.Normal, 3, 6)]
    [InlineData(Priority.Low, 3, 3)]
    [InlineData(Priority.Critical, 0, 0)]
    [InlineData(Priority.Critical, -2, 0)]
    public void LatenessIsDaysLateTimesTheTierWeight(Priority priority, int daysLate, double expected)
    {
        Assert.Equal(expected, Objective.PerUnit(Of(StepKind.Lateness), priority, daysLate, 5, 2));
    }

    [Fact]
    public void CostIsTheProductionCostPlusTheLaneCostAndNothingElseCountsIt()
    {
        Assert.Equal(7, Objective.PerUnit(Of(StepKind.Cost), Priority.Low, 2, 5, 2));
        Assert.Equal(Objective.PerUnit(Of(StepKind.Cost), Priority.Low, 2, 5, 2),
            Objective.Delivery(Of(StepKind.Cost), Priority.Low, 2, 2) + Objective.Production(Of(StepKind.Cost), 5));
        Assert.All(Step.All.Where(s => s.Kind != StepKind.Cost), s => Assert.Equal(0, Objective.Production(s, 5)));
    }
}
