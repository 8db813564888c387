using EmergencyDispatch.Planning.Model;

namespace EmergencyDispatch.Planning.Plans;

/// <summary>What a plan gives one priority tier: its demands, units on time, late and unmet, and the smallest on-time fill ratio over its servable demands (1 when none is servable).</summary>
public sealed record TierMetrics(Priority Priority, int Demands, int ServableDemands, long Quantity, long OnTime, long Late, long Unmet, double SmallestFillRatio);

/// <summary>The per-tier metrics of a plan, from its outcomes: the one definition the server stores and the CLI prints.</summary>
public static class PlanMetrics
{
    /// <summary>One line per tier, CRITICAL first; a servable demand is one MODEL.md's fair share counts.</summary>
    public static IReadOnlyList<TierMetrics> Tiers(PlanningInput input, IReadOnlyList<Outcome> outcomes)
    {
        var network = new Network(input);
        var demands = input.Demands.ToDictionary(d => d.RequestId, StringComparer.Ordinal);
        var tiers = new List<TierMetrics>(Priorities.InOrder.Length);
        foreach (var tier in Priorities.InOrder)
        {
            var ofTier = outcomes.Where(o => demands[o.DemandKey].Priority == tier).ToList();
            var servable = ofTier.Where(o => network.IsServable(demands[o.DemandKey])).ToList();
            tiers.Add(new TierMetrics(
                tier, ofTier.Count, servable.Count,
                ofTier.Sum(o => o.Quantity), ofTier.Sum(o => o.OnTime), ofTier.Sum(o => o.Late), ofTier.Sum(o => o.Unmet),
                servable.Count == 0 ? 1 : servable.Min(o => o.FillRatio)));
        }
        return tiers;
    }
}
