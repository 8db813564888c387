
namespace EmergencyDispatch.Server.Persistence;

/// <summary>Units of a plan at one place: a demand, a factory and a production date.</summary>
public readonly record struct PlacedUnits(long DemandId, string FactoryId, string ProductionDate, long Units);

/// <summary>One demand's units in two plans: kept in place, moved to another factory or day, dropped and added.</summary>
public sealed record DemandChange(long DemandId, long UnitsA, long UnitsB, long Kept, long Moved, long Dropped, long Added);

/// <summary>One factory's units in two plans: kept at the same demand and day, added and removed.</summary>
public sealed record FactoryChange(string FactoryId, long UnitsA, long UnitsB, long Kept, long Added, long Removed);

/// <summary>How two plans' units compare, per demand and per factory (see ReplanChanges and DiffPlans in the protos).</summary>
public static class PlanDiff
{
    public static (IReadOnlyList<DemandChange> Demands, IReadOnlyList<FactoryChange> Factories) Compute(IEnumerable<PlacedUnits> a, IEnumerable<PlacedUnits> b)
    {
        var places = new Dictionary<(long Demand, string Factory, string Date), (long A, long B)>();
        void Add(PlacedUnits u, bool inA)
        {
            var key = (u.DemandId, u.FactoryId, u.ProductionDate);
            var (unitsA, unitsB) = places.GetValueOrDefault(key);
            places[key] = inA ? (unitsA + u.Units, unitsB) : (unitsA, unitsB + u.Units);
        }
        foreach (var u in a)
            Add(u, inA: true);
        foreach (var u in b)
            Add(u, inA: false);
        var demands = places.GroupBy(p => p.Key.Demand).OrderBy(g => g.Key).Select(g =>
        {
            long unitsA = 0, unitsB = 0, kept = 0, removed = 0, added = 0;
            foreach (var (_, (ua, ub)) in g)
            {
                unitsA += ua;
                unitsB += ub;
                kept += Math.Min(ua, ub);
                removed += Math.Max(0, ua - ub);
                added += Math.Max(0, ub - ua);
            }
            var moved = Math.Min(removed, added);
            return new DemandChange(g.Key, unitsA, unitsB, kept, moved, removed - moved, added - moved);
        }).ToList();
        var factories = places.GroupBy(p => p.Key.Factory).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new FactoryChange(
            g.Key,
            g.Sum(p => p.Value.A),
            g.Sum(p => p.Value.B),
            g.Sum(p => Math.Min(p.Value.A, p.Value.B)),
            g.Sum(p => Math.Max(0, p.Value.B - p.Value.A)),
            g.Sum(p => Math.Max(0, p.Value.A - p.Value.B)))).ToList();
        return (demands, factories);
    }
}

/// <summary>How a new plan's units compare with the plan that was active when it was made (see ReplanChanges in planning.proto).</summary>
public static class ReplanDiff
{
    public static (long Kept, long Moved, long Dropped, long Added) Compute(IEnumerable<BaselineUnits> baseline, IEnumerable<PlanAssignmentRow> plan)
    {
        var (demands, _) = PlanDiff.Compute(
            baseline.Select(u => new PlacedUnits(u.DemandId, u.FactoryId, u.ProductionDate, u.Units)),
            plan.Select(p => new PlacedUnits(p.DemandId, p.FactoryId, p.ProductionDate, p.Quantity)));
        return (demands.Sum(d => d.Kept), demands.Sum(d => d.Moved), demands.Sum(d => d.Dropped), demands.Sum(d => d.Added));
    }
}
