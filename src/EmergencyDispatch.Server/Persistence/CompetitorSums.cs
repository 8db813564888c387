using System.Runtime.InteropServices;
using System.Text;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>
/// Sums, in a run of plans, what a demand's binding factories gave the other demands of its priority or higher on
/// production days up to its due date, from the factories' rows of <c>plan_factory_units</c> in any order; then names
/// the largest per plan. Nothing read is kept but the sums: a row's bytes can go as soon as it is added.
/// </summary>
public sealed class CompetitorSums
{
    /// <summary>A demand in one plan: its units so far, its request key (in <c>_keys</c>) and its last factory (in <c>_links</c>).</summary>
    private struct Sum
    {
        public long PlanId;
        public long DemandId;
        public long Priority;
        public long Units;
        public int KeyStart;
        public int KeyLength;
        public int LastLink;
    }

    /// <summary>One of a sum's factories, and the one before it (-1: none).</summary>
    private readonly record struct Link(int Factory, int Previous);

    private readonly Dictionary<long, (HashSet<string> Binding, long Priority)> _plans = [];
    private readonly Dictionary<string, int> _factoryIndex = new(StringComparer.Ordinal);
    private readonly List<string> _factories = [];
    private readonly Dictionary<(long PlanId, long DemandId), int> _slot = [];
    private readonly List<Sum> _sums = [];
    private readonly List<Link> _links = [];
    private byte[] _keys = new byte[1 << 14];
    private int _keysLength;
    private long _demandId;
    private int _dueDate;

    /// <summary>
    /// Starts over for another run: what was summed is cleared, the room it took is kept (a run of national plans sums
    /// tens of thousands of demands; growing all that again each call cost more than the summing).
    /// </summary>
    /// <param name="demandId">The demand whose competitors these are.</param>
    /// <param name="dueDate">Its due date as yyyymmdd.</param>
    /// <param name="plans">The plans of the run, with the demand's binding factories and priority in each.</param>
    public void Start(long demandId, int dueDate, IEnumerable<(long PlanId, IReadOnlyList<string> Factories, long Priority)> plans)
    {
        _demandId = demandId;
        _dueDate = dueDate;
        _plans.Clear();
        foreach (var (planId, factories, priority) in plans)
            _plans[planId] = (factories.ToHashSet(StringComparer.Ordinal), priority);
        _factoryIndex.Clear();
        _factories.Clear();
        _slot.Clear();
        _sums.Clear();
        _links.Clear();
        _keysLength = 0;
    }

    /// <summary>Adds a factory's row of a plan; a plan not of the run, or a factory that does not bind in it, is left out.</summary>
    public void Add(string factoryId, long planId, ReadOnlySpan<byte> entries)
    {
        if (!_plans.TryGetValue(planId, out var plan) || !plan.Binding.Contains(factoryId))
            return;
        ref var factory = ref CollectionsMarshal.GetValueRefOrAddDefault(_factoryIndex, factoryId, out var known);
        if (!known)
        {
            factory = _factories.Count;
            _factories.Add(factoryId);
        }
        for (var at = 0; at < entries.Length;)
        {
            at = FactoryUnits.Read(entries, at, out var e);
            if (e.ProductionDate > _dueDate || e.Priority > plan.Priority || e.DemandId == _demandId)
                continue;
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_slot, (planId, e.DemandId), out var seen);
            if (!seen)
            {
                slot = _sums.Count;
                _sums.Add(new Sum { PlanId = planId, DemandId = e.DemandId, Priority = e.Priority, KeyStart = Keep(entries.Slice(e.KeyStart, e.KeyLength)), KeyLength = e.KeyLength, LastLink = -1 });
            }
            ref var sum = ref CollectionsMarshal.AsSpan(_sums)[slot];
            sum.Units += e.Quantity;
            // A plan has one row per factory: the factory is new for the demand unless its last entry was in this row.
            if (sum.LastLink < 0 || _links[sum.LastLink].Factory != factory)
            {
                _links.Add(new Link(factory, sum.LastLink));
                sum.LastLink = _links.Count - 1;
            }
        }
    }

    /// <summary>
    /// Per plan of the run: its <paramref name="top"/> demands with the most units (ties by demand id), each with the
    /// factories it got them from in ordinal order, and how many demands there are and their units in all.
    /// </summary>
    public List<(long PlanId, PlanCompetitors Competitors)> Largest(int top)
    {
        var byPlan = _plans.Keys.ToDictionary(id => id, _ => (Largest: new List<int>(top + 1), Count: 0L, Units: 0L));
        var sums = CollectionsMarshal.AsSpan(_sums);
        for (var i = 0; i < sums.Length; i++)
        {
            ref var plan = ref CollectionsMarshal.GetValueRefOrNullRef(byPlan, sums[i].PlanId);
            plan.Count++;
            plan.Units += sums[i].Units;
            // Kept in order, largest first, ties by demand id; past top, the smallest drops out.
            var at = plan.Largest.Count;
            while (at > 0 && Before(sums[i], sums[plan.Largest[at - 1]]))
                at--;
            if (at < top)
            {
                plan.Largest.Insert(at, i);
                if (plan.Largest.Count > top)
                    plan.Largest.RemoveAt(top);
            }
        }
        return byPlan.Select(p => (p.Key, new PlanCompetitors(
            [.. p.Value.Largest.Select(i => new CompetitorUnits(_sums[i].DemandId, Key(_sums[i]), _sums[i].Priority, _sums[i].Units, Factories(_sums[i])))],
            p.Value.Count,
            p.Value.Units))).ToList();
    }

    private static bool Before(in Sum a, in Sum b) => a.Units > b.Units || (a.Units == b.Units && a.DemandId < b.DemandId);

    /// <summary>Copies a request key's bytes into <c>_keys</c>; returns where they start.</summary>
    private int Keep(ReadOnlySpan<byte> key)
    {
        if (_keysLength + key.Length > _keys.Length)
            Array.Resize(ref _keys, Math.Max(_keys.Length * 2, _keysLength + key.Length));
        key.CopyTo(_keys.AsSpan(_keysLength));
        _keysLength += key.Length;
        return _keysLength - key.Length;
    }

    private string Key(in Sum sum) => Encoding.UTF8.GetString(_keys, sum.KeyStart, sum.KeyLength);

    private List<string> Factories(in Sum sum)
    {
        var factories = new List<string>();
        for (var link = sum.LastLink; link >= 0; link = _links[link].Previous)
            factories.Add(_factories[_links[link].Factory]);
        factories.Sort(StringComparer.Ordinal);
        return factories;
    }
}
