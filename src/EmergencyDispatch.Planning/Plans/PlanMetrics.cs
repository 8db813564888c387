using EmergencyDispatch.Planning.Model;

namespace EmergencyDispatch.Planning.Plans;

/// <summary>What a plan gives one priority tier: its demands, units on time, late and unmet, and the smallest on-time fill ratio over its servable demands (1 when none is servable).</summary>
public sealed record TierMetrics(Priority Priority, int Demands, int ServableDemands, long Quantity, long OnTime, long Late, long Unmet, double SmallestFillRatio);

/// <summary>What a plan does with one material: what arrives inside the horizon (supply dated before the start included), what its production uses, and what it moves between regions.</summary>
public sealed record MaterialMetrics(string MaterialId, double Supplied, double Used, double Moved);

/// <summary>Where an option stands in a plan.</summary>
public enum OptionState
{
    /// <summary>The plan uses its line and pays its fixed cost.</summary>
    Taken,

    /// <summary>Available to the plan (within the budget on its own, not rejected), but not used.</summary>
    NotTaken,

    /// <summary>Its factory accepted it before the plan (or accepted work on its line): taken, its cost sunk.</summary>
    Committed,

    /// <summary>Its factory rejected it and no coordinator cleared the rejection: not available.</summary>
    Rejected,

    /// <summary>Its fixed cost alone is more than the plan's budget: not available.</summary>
    OverBudget,
}

/// <summary>
/// What a plan does with one option: its state, the units on its line, the first day the line produces, how many
/// demands it serves and the units it gives each tier (CRITICAL first).
/// </summary>
public sealed record OptionMetrics(
    string OptionId, string FactoryId, string Sku, double FixedCost, DateOnly ReadyDate, OptionState State, long Units, DateOnly? FirstDate,
    int Demands, IReadOnlyList<long> UnitsByTier)
{
    public bool Taken => State is OptionState.Taken or OptionState.Committed;
}

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

    /// <summary>One line per option at a factory that exists, in id order; none without options.</summary>
    public static IReadOnlyList<OptionMetrics> Options(PlanningInput input, IReadOnlyList<Assignment> assignments)
    {
        if (input.Options.Count == 0)
            return [];
        var network = new Network(input);
        var rejected = input.RejectedOptions.ToHashSet(StringComparer.Ordinal);
        var priorityOf = input.Demands.ToDictionary(d => d.RequestId, d => d.Priority, StringComparer.Ordinal);
        var byOption = assignments.Where(a => Sources.OptionId(a.Source) is not null).ToLookup(a => Sources.OptionId(a.Source)!, StringComparer.Ordinal);
        return network.AllOptionsById.Values
            .OrderBy(o => o.OptionId, StringComparer.Ordinal)
            .Select(o =>
            {
                var line = byOption[o.OptionId].ToList();
                var units = line.Sum(a => a.Quantity);
                var state = network.CommittedOptions.Contains(o.OptionId) ? OptionState.Committed
                    : rejected.Contains(o.OptionId) ? OptionState.Rejected
                    : !network.OptionById.ContainsKey(o.OptionId) ? OptionState.OverBudget
                    : units > 0 ? OptionState.Taken
                    : OptionState.NotTaken;
                var tiers = new long[Priorities.InOrder.Length];
                foreach (var a in line)
                    tiers[Array.IndexOf(Priorities.InOrder, priorityOf[a.DemandKey])] += a.Quantity;
                return new OptionMetrics(o.OptionId, o.FactoryId, o.Sku, o.FixedCost, o.ReadyDate, state, units,
                    line.Count == 0 ? null : line.Min(a => a.ProductionDate), line.Select(a => a.DemandKey).Distinct(StringComparer.Ordinal).Count(), tiers);
            })
            .ToList();
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
