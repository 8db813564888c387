namespace EmergencyDispatch.Planning.Plans;

/// <summary>Each demand's outcome under a set of assignments, with the reason for every late or unmet unit.</summary>
internal static class Shortfalls
{
    /// <summary>Outcomes in request id order; <see cref="PlanEvaluator.Outcomes"/> counts the units, this gives the reasons.</summary>
    public static List<Outcome> Explain(PlanContext context, IReadOnlyList<Assignment> assignments, IEnumerable<MaterialMove> moves)
    {
        var network = context.Network;
        // Capacity left on each factory-day once the plan took its share.
        var left = context.Factories.Select(f => Enumerable.Range(0, network.Horizon).Select(t => network.Factor(f.FactoryId, t)).ToArray()).ToArray();
        var lotLeft = context.Lots.Select(l => l.Quantity).ToArray();
        // An option's line has capacity only where the plan takes the option.
        var taken = PlanEvaluator.Decisions(network, assignments).Where(d => d.Taken).Select(d => d.OptionId).ToHashSet(StringComparer.Ordinal);
        var lineLeft = context.Options.Select(o => Enumerable.Range(0, network.Horizon).Select(t => taken.Contains(o.OptionId) ? network.OptionFactor(o, t) : 0).ToArray()).ToArray();
        foreach (var a in assignments)
        {
            if (Sources.StockId(a.Source) is { } stockId)
                lotLeft[context.LotIndex[stockId]] -= a.Quantity;
            else if (Sources.OptionId(a.Source) is { } optionId && context.OptionIndex.TryGetValue(optionId, out var oi))
                lineLeft[oi][network.Day(a.ProductionDate)] -= a.Quantity / context.Options[oi].UnitsPerDay;
            else
                left[context.FactoryIndex[a.FactoryId]][network.Day(a.ProductionDate)] -= a.Quantity / network.Capability[(a.FactoryId, a.Sku)].UnitsPerDay;
        }

        // Material left once the plan took its share, under the moves it needs.
        var materials = MaterialStock.After(network, moves, assignments);

        var binding = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var outcomes = PlanEvaluator.Outcomes(network.Input, assignments, demand =>
            {
                if (!network.HasCapableFactory(demand))
                    return (ShortfallReason.NoCapableFactory, []);
                if (!network.IsServable(demand))
                    return (ShortfallReason.NoOnTimeRoute, []);
                if (MaterialsShort(context, left, lineLeft, lotLeft, materials, demand) is { Count: > 0 } shortOf)
                {
                    binding[demand.RequestId] = shortOf;
                    return (ShortfallReason.MaterialShortage, []);
                }
                return (ShortfallReason.CapacityShortage, Binding(context, left, lineLeft, lotLeft, demand));
            });
        return outcomes
            .Select(o => binding.TryGetValue(o.DemandKey, out var shortOf) ? o with { BindingMaterials = shortOf } : o)
            .OrderBy(o => o.DemandKey, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// MODEL.md's MATERIAL_SHORTAGE: the materials the demand's sku needs that had run out where a source could still
    /// have served it on time. Empty unless every factory-day with an on-time route and a unit of capacity left lacks
    /// some material (and at least one such day exists, and no lot in time has units left): then material, not
    /// capacity, is what the demand waited for.
    /// </summary>
    private static List<string> MaterialsShort(PlanContext context, double[][] left, double[][] lineLeft, long[] lotLeft, MaterialStock materials, EmergencyDispatch.Planning.Model.DemandLine demand)
    {
        var network = context.Network;
        if (network.BomOf(demand.Sku).Count == 0)
            return [];
        // A lot with units left that could still arrive on time: stock, not material, was there to take.
        if ((network.LotsBySku.GetValueOrDefault(demand.Sku) ?? []).Any(l => lotLeft[context.LotIndex[l.StockId]] >= 1
                && network.ArrivesInTime(l, demand)))
            return [];
        var shortOf = new SortedSet<string>(StringComparer.Ordinal);
        // Each producing source of the sku with a route: its factory, its capacity left per day in units.
        var sources = (network.CapabilitiesBySku.GetValueOrDefault(demand.Sku) ?? [])
            .Select(c => (c.FactoryId, Left: (Func<int, double>)(t => network.Factor(c.FactoryId, t) <= 0 ? 0 : left[context.FactoryIndex[c.FactoryId]][t] * c.UnitsPerDay)))
            .Concat((network.OptionsBySku.GetValueOrDefault(demand.Sku) ?? [])
                .Select(o => (o.FactoryId, Left: (Func<int, double>)(t => lineLeft[context.OptionIndex[o.OptionId]][t] * o.UnitsPerDay))));
        foreach (var (factoryId, unitsLeft) in sources)
        {
            if (network.Route(factoryId, demand) is not { } lane)
                continue;
            var region = network.FactoryById[factoryId].Region;
            for (var t = 0; t <= network.LastOnTimeDay(demand, lane.Lead); t++)
            {
                if (unitsLeft(t) < 1)
                    continue;
                var missing = materials.Short(demand.Sku, region, t).ToList();
                if (missing.Count == 0)
                    return [];
                shortOf.UnionWith(missing);
            }
        }
        return [.. shortOf];
    }

    /// <summary>
    /// Sites with an on-time route to the demand whose capacity on every such day is used up, whose options' lines of
    /// the sku (not taken: no capacity at all) are, or whose lots of the sku available in time are used up; in id order.
    /// </summary>
    private static List<string> Binding(PlanContext context, double[][] left, double[][] lineLeft, long[] lotLeft, EmergencyDispatch.Planning.Model.DemandLine demand)
    {
        var network = context.Network;
        var binding = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var siteLots in (network.LotsBySku.GetValueOrDefault(demand.Sku) ?? []).GroupBy(l => l.FactoryId))
        {
            var inTime = siteLots.Where(l => network.ArrivesInTime(l, demand)).ToList();
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
        foreach (var o in network.OptionsBySku.GetValueOrDefault(demand.Sku) ?? [])
        {
            if (network.Route(o.FactoryId, demand) is not { } lane)
                continue;
            var oi = context.OptionIndex[o.OptionId];
            var open = Enumerable.Range(0, Math.Max(0, network.LastOnTimeDay(demand, lane.Lead) + 1)).Where(t => network.OptionFactor(o, t) > 0).ToList();
            if (open.Count > 0 && open.All(t => lineLeft[oi][t] * o.UnitsPerDay < 1))
                binding.Add(o.FactoryId);
        }
        return [.. binding];
    }
}
