using System.Runtime.InteropServices;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>
/// Sums what a demand's binding factories gave the other demands of its priority or higher on production days up to
/// its due date, one plan at a time, from the factories' rows of <c>plan_factory_units</c>; then names the largest.
/// One per worker, reused plan after plan: what it holds is cleared, not reallocated.
/// </summary>
public sealed class CompetitorSums(long demandId, int dueDate)
{
    /// <summary>One competing demand so far: its units, and the row and entry it was first read from (the request key is there).</summary>
    private struct Sum
    {
        public long DemandId;
        public long Priority;
        public long Units;
        public int Row;
        public FactoryUnits.Entry First;
    }

    private readonly Dictionary<long, int> _slot = [];
    private readonly List<Sum> _sums = [];
    private readonly List<(string FactoryId, byte[] Entries)> _rows = [];
    private long _priority;

    /// <summary>Starts a plan in which the demand has <paramref name="priority"/>.</summary>
    public void Start(long priority)
    {
        _slot.Clear();
        _sums.Clear();
        _rows.Clear();
        _priority = priority;
    }

    /// <summary>Adds the plan's row of one binding factory.</summary>
    public void Add(string factoryId, byte[] entries)
    {
        var row = _rows.Count;
        _rows.Add((factoryId, entries));
        for (var at = 0; at < entries.Length;)
        {
            at = FactoryUnits.Read(entries, at, out var e);
            if (!Counts(e))
                continue;
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_slot, e.DemandId, out var seen);
            if (!seen)
            {
                slot = _sums.Count;
                _sums.Add(new Sum { DemandId = e.DemandId, Priority = e.Priority, Row = row, First = e });
            }
            CollectionsMarshal.AsSpan(_sums)[slot].Units += e.Quantity;
        }
    }

    /// <summary>
    /// The plan's <paramref name="top"/> demands with the most units (ties by demand id), each with the factories it
    /// got them from in ordinal order, and how many demands there are and their units in all.
    /// </summary>
    public PlanCompetitors Largest(int top)
    {
        var largest = _sums.OrderByDescending(s => s.Units).ThenBy(s => s.DemandId).Take(top).ToList();
        // The factories of the largest only: a second look at the plan's rows.
        var factories = largest.ToDictionary(s => s.DemandId, _ => new List<string>());
        foreach (var (factoryId, entries) in _rows)
        {
            for (var at = 0; at < entries.Length;)
            {
                at = FactoryUnits.Read(entries, at, out var e);
                // A plan has one row per factory: the factory is new for the demand unless its last entry was in this row.
                if (Counts(e) && factories.TryGetValue(e.DemandId, out var of) && (of.Count == 0 || of[^1] != factoryId))
                    of.Add(factoryId);
            }
        }
        var total = 0L;
        foreach (var s in _sums)
            total += s.Units;
        return new PlanCompetitors(
            [.. largest.Select(s => new CompetitorUnits(
                s.DemandId, FactoryUnits.Key(_rows[s.Row].Entries, s.First), s.Priority, s.Units, [.. factories[s.DemandId].Order(StringComparer.Ordinal)]))],
            _sums.Count,
            total);
    }

    /// <summary>Whether an entry is another demand's, of the demand's priority or higher, made by its due date.</summary>
    private bool Counts(in FactoryUnits.Entry e) => e.ProductionDate <= dueDate && e.Priority <= _priority && e.DemandId != demandId;
}
