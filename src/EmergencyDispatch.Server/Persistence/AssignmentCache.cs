using System.Collections.Concurrent;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>
/// Each recently listed factory's current (not withdrawn) assignments, in production date then id order, and option
/// orders, by id, so that
/// ListAssignments, the factories' most frequent call, does not read SQLite. Every commit that changes a factory's
/// assignments invalidates its entry before the writing call returns (through <see cref="AssignmentFeed.Notify"/>).
/// An entry is valid only while its factory's generation is the one it was loaded under: a load that raced with a
/// commit is simply loaded again by the next call.
/// </summary>
public sealed class AssignmentCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _generations = new(StringComparer.Ordinal);

    private sealed record Entry(long Generation, FactoryWork Rows);

    /// <summary>The factory's current work, from the cache or from <paramref name="load"/>.</summary>
    public FactoryWork Get(string factoryId, Func<FactoryWork> load)
    {
        var generation = _generations.GetValueOrDefault(factoryId);
        if (_entries.TryGetValue(factoryId, out var entry) && entry.Generation == generation)
            return entry.Rows;
        var rows = load();
        _entries[factoryId] = new Entry(generation, rows);
        return rows;
    }

    /// <summary>Forgets what the factories' assignments were: they changed.</summary>
    public void Invalidate(IEnumerable<string> factoryIds)
    {
        foreach (var factoryId in factoryIds)
        {
            _generations.AddOrUpdate(factoryId, 1, (_, g) => g + 1);
            _entries.TryRemove(factoryId, out _);
        }
    }
}

/// <summary>A factory's current (not withdrawn) assignments and option orders.</summary>
public sealed record FactoryWork(AssignmentRow[] Assignments, OptionOrderRow[] Orders);
