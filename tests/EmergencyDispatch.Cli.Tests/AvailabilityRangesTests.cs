using EmergencyDispatch.Cli.Import;
using EmergencyDispatch.Planning.Model;

namespace EmergencyDispatch.Tests.Cli;

public class AvailabilityRangesTests
{
    private static (int, AvailabilityDay) Day(int line, string factory, int dayOfMarch, double factor) =>
        (line, new AvailabilityDay(factory, new DateOnly(2025, 3, dayOfMarch), factor));

    private static string Describe(AvailabilityRangeRows r) =>
        $"{r.FactoryId} {r.From:MM-dd}..{r.To:MM-dd} x{r.Factor} lines {string.Join(",", r.Lines)}";

    [Fact]
    public void ConsecutiveDaysWithAnEqualFactorBecomeOneRange()
    {
        (int, AvailabilityDay)[] days = [Day(2, "F1", 1, 0), Day(3, "F1", 2, 0), Day(4, "F1", 3, 0)];

        var ranges = AvailabilityRanges.Merge(days);

        Assert.Equal(["F1 03-01..03-03 x0 lines 2,3,4"], ranges.Select(Describe));
    }

    [Fact]
    public void SingleDayIsARangeEndingOnItsFirstDay()
    {
        (int, AvailabilityDay)[] days = [Day(2, "F1", 5, 1.5)];

        var ranges = AvailabilityRanges.Merge(days);

        var range = Assert.Single(ranges);
        Assert.Equal(range.From, range.To);
    }

    [Fact]
    public void ChangedFactorStartsANewRange()
    {
        (int, AvailabilityDay)[] days = [Day(2, "F1", 1, 0), Day(3, "F1", 2, 0), Day(4, "F1", 3, 0.5), Day(5, "F1", 4, 0.5)];

        var ranges = AvailabilityRanges.Merge(days);

        Assert.Equal(["F1 03-01..03-02 x0 lines 2,3", "F1 03-03..03-04 x0.5 lines 4,5"], ranges.Select(Describe));
    }

    [Fact]
    public void GapBetweenDaysStartsANewRange()
    {
        (int, AvailabilityDay)[] days = [Day(2, "F1", 1, 0), Day(3, "F1", 3, 0)];

        var ranges = AvailabilityRanges.Merge(days);

        Assert.Equal(["F1 03-01..03-01 x0 lines 2", "F1 03-03..03-03 x0 lines 3"], ranges.Select(Describe));
    }

    [Fact]
    public void DaysOfDifferentFactoriesAreNeverMerged()
    {
        (int, AvailabilityDay)[] days = [Day(2, "F1", 1, 0), Day(3, "F2", 2, 0)];

        var ranges = AvailabilityRanges.Merge(days);

        Assert.Equal(["F1 03-01..03-01 x0 lines 2", "F2 03-02..03-02 x0 lines 3"], ranges.Select(Describe));
    }

    [Fact]
    public void UnorderedRowsAreMergedInFactoryAndDateOrder()
    {
        (int, AvailabilityDay)[] days = [Day(2, "F2", 1, 1), Day(3, "F1", 2, 0), Day(4, "F2", 2, 1), Day(5, "F1", 1, 0)];

        var ranges = AvailabilityRanges.Merge(days);

        Assert.Equal(["F1 03-01..03-02 x0 lines 5,3", "F2 03-01..03-02 x1 lines 2,4"], ranges.Select(Describe));
    }

    [Fact]
    public void RangeIsSplitAtTheLongestAllowedLength()
    {
        var days = Enumerable.Range(1, 7).Select(d => Day(d + 1, "F1", d, 0)).ToList();

        var ranges = AvailabilityRanges.Merge(days, maxDays: 3);

        Assert.Equal(
            ["F1 03-01..03-03 x0 lines 2,3,4", "F1 03-04..03-06 x0 lines 5,6,7", "F1 03-07..03-07 x0 lines 8"],
            ranges.Select(Describe));
    }

    [Fact]
    public void YearOfClosedDaysFitsTheServersRangeLimit()
    {
        var start = new DateOnly(2025, 1, 1);
        var days = Enumerable.Range(0, 400).Select(i => (i + 2, new AvailabilityDay("F1", start.AddDays(i), 0))).ToList();

        var ranges = AvailabilityRanges.Merge(days);

        Assert.Equal(2, ranges.Count);
        Assert.All(ranges, r => Assert.True(r.To.DayNumber - r.From.DayNumber < Rules.MaxAvailabilityRangeDays));
        Assert.Equal(400, ranges.Sum(r => r.Lines.Count));
    }
}
