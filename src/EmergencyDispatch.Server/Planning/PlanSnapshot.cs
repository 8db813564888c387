using EmergencyDispatch.Server.Persistence;

namespace EmergencyDispatch.Server.Planning;

/// <summary>Units of a live assignment still to produce: what a re-plan is compared with.</summary>
public sealed class BaselineUnits
{
    public long DemandId { get; init; }
    public string FactoryId { get; init; } = "";
    public string ProductionDate { get; init; } = "";
    public long Units { get; init; }
}

/// <summary>
/// What a plan is made from, read in one transaction: its inputs, the plan active at that moment (null: none), the
/// last assignment change seen, the accepted assignments kept as commitments (with the units still to produce) and the
/// active plan's units still to produce.
/// </summary>
public sealed record PlanSnapshot(
    PlanInputs Inputs,
    long? BaselinePlanId,
    long LoopVersion,
    IReadOnlyList<(long AssignmentId, long Quantity)> Commitments,
    IReadOnlyList<BaselineUnits> Baseline);

/// <summary>How a new plan's units compare with the plan that was active when it was made (see ReplanChanges in planning.proto).</summary>
public static class ReplanDiff
{
    public static (long Kept, long Moved, long Dropped, long Added) Compute(IEnumerable<BaselineUnits> baseline, IEnumerable<PlanAssignmentRow> plan)
    {
        var before = baseline.GroupBy(b => b.DemandId)
            .ToDictionary(g => g.Key, g => g.GroupBy(b => (b.FactoryId, b.ProductionDate)).ToDictionary(x => x.Key, x => x.Sum(b => b.Units)));
        var after = plan.GroupBy(a => a.DemandId)
            .ToDictionary(g => g.Key, g => g.GroupBy(a => (a.FactoryId, a.ProductionDate)).ToDictionary(x => x.Key, x => x.Sum(a => a.Quantity)));
        long kept = 0, moved = 0, dropped = 0, added = 0;
        foreach (var demand in before.Keys.Union(after.Keys))
        {
            var old = before.GetValueOrDefault(demand) ?? [];
            var now = after.GetValueOrDefault(demand) ?? [];
            long removedHere = 0, addedHere = 0;
            foreach (var place in old.Keys.Union(now.Keys))
            {
                var (o, n) = (old.GetValueOrDefault(place), now.GetValueOrDefault(place));
                kept += Math.Min(o, n);
                removedHere += Math.Max(0, o - n);
                addedHere += Math.Max(0, n - o);
            }
            var movedHere = Math.Min(removedHere, addedHere);
            moved += movedHere;
            dropped += removedHere - movedHere;
            added += addedHere - movedHere;
        }
        return (kept, moved, dropped, added);
    }
}
