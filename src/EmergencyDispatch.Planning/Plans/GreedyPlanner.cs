namespace EmergencyDispatch.Planning.Plans;

/// <summary>
/// The baseline of APS heuristics: demand sorted by priority, then due date, each served in turn from the earliest
/// free capacity or stock that arrives on time, then from the earliest free capacity or stock at all (late); production
/// takes only the material already in its region. It takes no option: only work committed on an option's line stays.
/// </summary>
internal static class GreedyPlanner
{
    public static List<Assignment> Plan(PlanContext context)
    {
        var network = context.Network;
        var residual = context.Capacity.Select(days => (double[])days.Clone()).ToArray();
        var lotLeft = (long[])context.LotOpen.Clone();
        // Material is used where it arrives; the baseline moves none between regions.
        var materials = new MaterialStock(network, []);
        var order = Rounding.DemandOrder(context);
        var assignments = new List<Assignment>(context.Committed);
        foreach (var di in Enumerable.Range(0, context.Demands.Count).OrderBy(i => order[i]))
        {
            var demand = context.Demands[di];
            var open = context.OpenQuantity[di];
            var due = network.Day(demand.DueDate);
            if (open <= 0)
                continue;
            var lots = (network.LotsBySku.GetValueOrDefault(demand.Sku) ?? [])
                .Select(l => (Lot: context.LotIndex[l.StockId], Day: network.FirstDay(l), Lane: network.Route(l.FactoryId, demand)))
                .Where(l => l.Lane is not null)
                .Select(l => (l.Lot, l.Day, Lane: l.Lane!.Value))
                .ToList();
            var sources = (network.CapabilitiesBySku.GetValueOrDefault(demand.Sku) ?? [])
                .Select(c => (Capability: c, Factory: context.FactoryIndex[c.FactoryId], Lane: network.Route(c.FactoryId, demand)))
                .Where(s => s.Lane is not null)
                .Select(s => (s.Capability, s.Factory, Lane: s.Lane!.Value))
                .ToList();
            foreach (var onTimePass in new[] { true, false })
            {
                for (var t = 0; t < network.Horizon && open > 0; t++)
                {
                    foreach (var (li, day, lane) in lots)
                    {
                        if (open <= 0 || day != t || (t + lane.Lead <= due) != onTimePass)
                            continue;
                        var units = Math.Min(open, lotLeft[li]);
                        if (units <= 0)
                            continue;
                        lotLeft[li] -= units;
                        open -= units;
                        var lot = context.Lots[li];
                        assignments.Add(new Assignment(lot.FactoryId, demand.RequestId, demand.Sku, network.Date(t), network.Date(t + lane.Lead), units, Sources.Stock(lot.StockId)));
                    }
                    foreach (var (capability, fi, lane) in sources)
                    {
                        if (open <= 0)
                            break;
                        if ((t + lane.Lead <= due) != onTimePass)
                            continue;
                        var region = context.Factories[fi].Region;
                        var units = Math.Min(open, (long)Math.Floor(residual[fi][t] * capability.UnitsPerDay + 1e-9));
                        if (units > 0)
                            units = Math.Min(units, materials.Fits(demand.Sku, region, t));
                        if (units <= 0)
                            continue;
                        residual[fi][t] = Math.Max(0, residual[fi][t] - units / capability.UnitsPerDay);
                        materials.Use(demand.Sku, region, t, units);
                        open -= units;
                        assignments.Add(new Assignment(capability.FactoryId, demand.RequestId, demand.Sku, network.Date(t), network.Date(t + lane.Lead), units));
                    }
                }
            }
        }
        return Rounding.Merge(context, assignments);
    }
}
