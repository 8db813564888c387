using EmergencyDispatch.Planning.Model;

namespace EmergencyDispatch.Planning.Plans;

/// <summary>What a plan gives one priority tier: its demands, units on time, late and unmet, and the smallest on-time fill ratio over its servable demands (1 when none is servable).</summary>
public sealed record TierMetrics(Priority Priority, int Demands, int ServableDemands, long Quantity, long OnTime, long Late, long Unmet, double SmallestFillRatio);

/// <summary>What a plan does with one material: what arrives inside the horizon (supply dated before the start included), what its production uses, and what it moves between regions.</summary>
public sealed record MaterialMetrics(string MaterialId, double Supplied, double Used, double Moved);

/// <summary>The per-tier and per-material metrics of a plan: the one definition the server stores and the CLI prints.</summary>
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

    /// <summary>One line per material some sku consumes, in id order; none without materials.</summary>
    public static IReadOnlyList<MaterialMetrics> Materials(PlanningInput input, IReadOnlyList<Assignment> assignments, IReadOnlyList<MaterialFlow> flows)
    {
        var network = new Network(input);
        var use = MaterialFlows.Use(network, assignments);
        return network.MaterialIds
            .Select(k => new MaterialMetrics(
                k,
                network.SupplyRegions(k).Sum(r => network.Supply(k, r)!.Sum()),
                use.Where(u => u.Key.Material == k).Sum(u => u.Value),
                flows.Where(f => f.MaterialId == k).Sum(f => f.Quantity)))
            .ToList();
    }
}
