using EmergencyDispatch.Planning.Model;

namespace EmergencyDispatch.Cli.Import;

/// <summary>Consecutive days of one factory with one factor, and the CSV lines they came from.</summary>
public sealed record AvailabilityRangeRows(string FactoryId, DateOnly From, DateOnly To, double Factor, IReadOnlyList<int> Lines);

/// <summary>Turns availability days into as few ranges as possible.</summary>
public static class AvailabilityRanges
{
    /// <summary>
    /// Merges consecutive days of the same factory with an equal factor into one range, at most
    /// <paramref name="maxDays"/> days long; ranges come out ordered by factory id, then date.
    /// </summary>
    public static IReadOnlyList<AvailabilityRangeRows> Merge(IEnumerable<(int Line, AvailabilityDay Value)> days, int maxDays = Rules.MaxAvailabilityRangeDays)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDays, 1);
        var ranges = new List<AvailabilityRangeRows>();
        string? factory = null;
        DateOnly from = default, to = default;
        double factor = 0;
        var lines = new List<int>();

        foreach (var (line, day) in days
            .OrderBy(d => d.Value.FactoryId, StringComparer.Ordinal)
            .ThenBy(d => d.Value.Date)
            .ThenBy(d => d.Line))
        {
            var extends = factory == day.FactoryId
                && day.Date == to.AddDays(1)
                && day.Factor.Equals(factor)
                && day.Date.DayNumber - from.DayNumber < maxDays;
            if (extends)
            {
                to = day.Date;
                lines.Add(line);
                continue;
            }
            if (factory is not null)
                ranges.Add(new AvailabilityRangeRows(factory, from, to, factor, lines));
            (factory, from, to, factor, lines) = (day.FactoryId, day.Date, day.Date, day.Factor, [line]);
        }
        if (factory is not null)
            ranges.Add(new AvailabilityRangeRows(factory, from, to, factor, lines));
        return ranges;
    }
}
