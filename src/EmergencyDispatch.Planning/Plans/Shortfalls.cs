namespace EmergencyDispatch.Planning.Plans;

/// <summary>Each demand's outcome under a set of assignments, with the reason for every late or unmet unit.</summary>
internal static class Shortfalls
{
    public static List<Outcome> Explain(PlanContext context, IReadOnlyList<Assignment> assignments)
    {
        var network = context.Network;
        var onTime = new long[context.Demands.Count];
        var late = new long[context.Demands.Count];
        // Capacity left on each factory-day once the plan took its share.
        var left = context.Factories.Select(f => Enumerable.Range(0, network.Horizon).Select(t => network.Factor(f.FactoryId, t)).ToArray()).ToArray();
        foreach (var a in assignments)
        {
            var di = context.DemandIndex[a.RequestId];
            if (a.ArrivalDate <= context.Demands[di].DueDate)
                onTime[di] += a.Quantity;
            else
                late[di] += a.Quantity;
            var fi = context.FactoryIndex[a.FactoryId];
            left[fi][network.Day(a.ProductionDate)] -= a.Quantity / network.Capability[(a.FactoryId, a.Sku)].UnitsPerDay;
        }

        var outcomes = new List<Outcome>(context.Demands.Count);
        for (var di = 0; di < context.Demands.Count; di++)
        {
            var demand = context.Demands[di];
            var shortfall = demand.Quantity - onTime[di];
            if (shortfall <= 0)
            {
                outcomes.Add(new Outcome(demand.RequestId, demand.Quantity, onTime[di], late[di], ShortfallReason.None, []));
                continue;
            }
            if (!network.HasCapableFactory(demand))
            {
                outcomes.Add(new Outcome(demand.RequestId, demand.Quantity, onTime[di], late[di], ShortfallReason.NoCapableFactory, []));
                continue;
            }
            if (!network.IsServable(demand))
            {
                outcomes.Add(new Outcome(demand.RequestId, demand.Quantity, onTime[di], late[di], ShortfallReason.NoOnTimeRoute, []));
                continue;
            }
            // Binding: capable factories with an on-time route whose capacity on every such day is used up.
            var due = network.Day(demand.DueDate);
            var binding = new List<string>();
            foreach (var c in network.CapabilitiesBySku[demand.Sku])
            {
                if (network.Lane(network.FactoryById[c.FactoryId].Region, demand.Region) is not { } lane)
                    continue;
                var fi = context.FactoryIndex[c.FactoryId];
                var last = Math.Min(network.Horizon - 1, due - lane.Lead);
                var open = Enumerable.Range(0, Math.Max(0, last + 1)).Where(t => network.Factor(c.FactoryId, t) > 0).ToList();
                if (open.Count > 0 && open.All(t => left[fi][t] * c.UnitsPerDay < 1))
                    binding.Add(c.FactoryId);
            }
            outcomes.Add(new Outcome(demand.RequestId, demand.Quantity, onTime[di], late[di], ShortfallReason.CapacityShortage, binding));
        }
        return outcomes;
    }
}
