using EmergencyDispatch.Cli.Import;

namespace EmergencyDispatch.Tests.Cli;

/// <summary>How import cuts a file's items into calls: by count, and for availability by the days they write.</summary>
public sealed class ImportBatchesTests
{
    [Fact]
    public void BatchesHoldAtMostSizeItemsAndAtMostMaxWeight()
    {
        int[] days = [366, 366, 1, 1, 1, 500, 200, 300, 1];

        var batches = ScenarioImporter.Batches(days, 3, d => d, 700);

        Assert.Equal([[366], [366, 1, 1], [1, 500], [200, 300, 1]], batches);
        Assert.Equal(days, batches.SelectMany(b => b));
    }

    [Fact]
    public void AnItemHeavierThanTheBoundGoesAlone() =>
        Assert.Equal([[5], [20_000], [5, 5]], ScenarioImporter.Batches([5, 20_000, 5, 5], 1_000, d => d, 10_000));

    [Fact]
    public void WithoutAWeightBoundBatchesAreBySizeAlone() =>
        Assert.Equal([[1, 1], [1, 1], [1]], ScenarioImporter.Batches([1, 1, 1, 1, 1], 2, _ => 1, int.MaxValue));
}
