namespace EmergencyDispatch.Planning.Plans;

/// <summary>Each demand's outcome under a set of assignments, with the reason for every late or unmet unit.</summary>
internal static class Shortfalls
{
    /// <summary>Outcomes in request id order; <see cref="PlanEvaluator.Outcomes"/> counts the units, this gives the reasons.</summary>
    public static List<Outcome> Explain(PlanContext context, IReadOnlyList<Assignment> assignments)
    {
        var network = context.Network;
        // Capacity left on each factory-day once the plan took its share.
        var left = context.Factories.Select(f => Enumerable.Range(0, network.Horizon).Select(t => network.Factor(f.FactoryId, t)).ToArray()).ToArray();
        var lotLeft = context.Lots.Select(l => l.Quantity).ToArray();
        foreach (var a in assignments)
        {
            if (Sources.StockId(a.Source) is { } stockId)
                lotLeft[context.LotIndex[stockId]] -= a.Quantity;
            else
                left[context.FactoryIndex[a.FactoryId]][network.Day(a.ProductionDate)] -= a.Quantity / network.Capability[(a.FactoryId, a.Sku)].UnitsPerDay;
        }

        return PlanEvaluator.Outcomes(network.Input, assignments, demand =>
            {
                if (!network.HasCapableFactory(demand))
                    return (ShortfallReason.NoCapableFactory, []);
                if (!network.IsServable(demand))
                    return (ShortfallReason.NoOnTimeRoute, []);
                return (ShortfallReason.CapacityShortage, Binding(context, left, lotLeft, demand));
            })
            .OrderBy(o => o.DemandKey, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Sites with an on-time route to the demand whose capacity on every such day is used up, or whose lots of the sku
    /// available in time are used up; in id order.
    /// </summary>
    private static List<string> Binding(PlanContext context, double[][] left, long[] lotLeft, EmergencyDispatch.Planning.Model.DemandLine demand)
    {
        var network = context.Network;
        var binding = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var siteLots in (network.LotsBySku.GetValueOrDefault(demand.Sku) ?? []).GroupBy(l => l.FactoryId))
        {
            if (network.Route(siteLots.Key, demand) is not { } route)
                continue;
            var inTime = siteLots.Where(l => network.FirstDay(l) <= network.LastOnTimeDay(demand, route.Lead)).ToList();
            if (inTime.Count > 0 && inTime.All(l => lotLeft[context.LotIndex[l.StockId]] < 1))
                binding.Add(siteLots.Key);
        }
        foreach (var c in network.CapabilitiesBySku.GetValueOrDefault(demand.Sku) ?? [])
        {
            if (network.Route(c.FactoryId, demand) is not { } lane)
                continue;
            var fi = context.FactoryIndex[c.FactoryId];
            var last = network.LastOnTimeDay(demand, lane.Lead);
            var open = Enumerable.Range(0, Math.Max(0, last + 1)).Where(t => network.Factor(c.FactoryId, t) > 0).ToList();
            if (open.Count > 0 && open.All(t => left[fi][t] * c.UnitsPerDay < 1))
                binding.Add(c.FactoryId);
        }
        return [.. binding];
    }
}
