using EmergencyDispatch.Planning.Model;

namespace EmergencyDispatch.Planning.Plans;

/// <summary>Turns an LP solution into whole-unit assignments that never exceed capacity, stock, material nor any demand's quantity.</summary>
internal static class Rounding
{
    private const double CapacityEpsilon = 1e-12;

    /// <summary>
    /// One continuous allocation: units of a factory's production on a day for a demand (on an option's line when
    /// <see cref="Option"/> is not negative), or, when <see cref="Lot"/> is not negative, units of that stock lot at
    /// the factory's site shipped on the lot's first day.
    /// </summary>
    private sealed class Piece(int factory, int demand, int day, int lead, double units, int lot = -1, int option = -1)
    {
        public int Factory { get; } = factory;
        public int Lot { get; } = lot;
        public int Option { get; } = option;
        public int Demand { get; } = demand;
        public int Day { get; } = day;
        public int Lead { get; } = lead;
        public double Units { get; } = units;
        public long Whole { get; set; } = (long)Math.Floor(units + 1e-6);
    }

    /// <summary>Maps region shipments back to factory production and lots (earliest first), then rounds.</summary>
    public static List<Assignment> ToAssignments(PlanContext context, LpSolution solution)
    {
        var pieces = Disaggregate(context, solution);
        var residual = context.Capacity.Select(days => (double[])days.Clone()).ToArray();
        // An option's line has capacity only where the solution takes the option (MODEL.md constraint 6, y = 1).
        var lineResidual = context.OptionCapacity.Select(days => new double[days.Length]).ToArray();
        foreach (var oi in solution.Taken)
            lineResidual[oi] = (double[])context.OptionCapacity[oi].Clone();
        var lotLeft = (long[])context.LotOpen.Clone();
        var open = (long[])context.OpenQuantity.Clone();
        var order = DemandOrder(context);

        // Floor every piece, then take units back where flooring still left a factory-day or a demand over its limit.
        foreach (var piece in pieces)
            piece.Whole = Math.Min(piece.Whole, open[piece.Demand]);
        foreach (var group in pieces.GroupBy(p => p.Demand))
        {
            var excess = group.Sum(p => p.Whole) - context.OpenQuantity[group.Key];
            foreach (var p in group.OrderBy(p => p.Units - Math.Floor(p.Units)))
            {
                if (excess <= 0)
                    break;
                var take = Math.Min(excess, p.Whole);
                p.Whole -= take;
                excess -= take;
            }
        }
        foreach (var group in pieces.Where(p => p.Lot >= 0).GroupBy(p => p.Lot))
        {
            var excess = group.Sum(p => p.Whole) - context.LotOpen[group.Key];
            foreach (var p in group.OrderByDescending(p => order[p.Demand]))
            {
                var take = Math.Min(Math.Max(0, excess), p.Whole);
                p.Whole -= take;
                excess -= take;
            }
            lotLeft[group.Key] -= group.Sum(p => p.Whole);
        }
        foreach (var group in pieces.Where(p => p.Lot < 0).GroupBy(p => (p.Factory, p.Option, p.Day)))
        {
            var rates = group.ToDictionary(p => p, p => 1 / UnitsPerDay(context, p));
            var used = group.Sum(p => p.Whole * rates[p]);
            var days = group.Key.Option < 0 ? residual[group.Key.Factory] : lineResidual[group.Key.Option];
            foreach (var p in group.OrderByDescending(p => order[p.Demand]))
            {
                while (used > days[group.Key.Day] + CapacityEpsilon && p.Whole > 0)
                {
                    p.Whole--;
                    used -= rates[p];
                }
            }
            days[group.Key.Day] -= used;
        }
        foreach (var p in pieces)
            open[p.Demand] -= p.Whole;
        // Material left under the LP's moves once the floored units took theirs (MODEL.md constraint 8).
        var materials = new MaterialStock(context.Network, solution.Moves);
        foreach (var p in pieces.Where(p => p.Lot < 0 && p.Whole > 0))
            materials.Use(context.Demands[p.Demand].Sku, context.Factories[p.Factory].Region, p.Day, p.Whole);

        // Top up the units flooring cut where a whole unit still fits, in the objective's order: on-time units before late
        // ones (every tier's on-time steps come before any delivered step), then by tier, then the demand with the
        // smallest share on time first, so that rounding costs the fair share as little as it can.
        // Each demand gets back at most the LP's on-time units rounded up and its late units rounded to the nearest: a
        // late unit more than the LP planned would win a delivered unit at a cost in lateness the LP did not weigh.
        var onTime = new long[context.Demands.Count];
        var late = new long[context.Demands.Count];
        var onTimeTarget = new double[context.Demands.Count];
        var lateTarget = new double[context.Demands.Count];
        foreach (var p in pieces)
        {
            if (OnTime(context, p))
            {
                onTime[p.Demand] += p.Whole;
                onTimeTarget[p.Demand] += p.Units;
            }
            else
            {
                late[p.Demand] += p.Whole;
                lateTarget[p.Demand] += p.Units;
            }
        }
        foreach (var p in pieces
            .OrderBy(p => OnTime(context, p) ? 0 : 1)
            .ThenBy(p => context.Demands[p.Demand].Priority)
            .ThenBy(p => (double)(onTime[p.Demand] + context.CommittedOnTime[p.Demand]) / context.Demands[p.Demand].Quantity)
            .ThenBy(p => order[p.Demand])
            .ThenByDescending(p => p.Units - p.Whole)
            .ThenBy(p => p.Factory)
            .ThenBy(p => p.Day)
            .ThenBy(p => p.Lot)
            .ThenBy(p => p.Option))
        {
            if (p.Units - p.Whole < 1e-6 || open[p.Demand] <= 0)
                continue;
            var isOnTime = OnTime(context, p);
            if (isOnTime ? onTime[p.Demand] >= Math.Ceiling(onTimeTarget[p.Demand] - 1e-6) : late[p.Demand] >= Math.Round(lateTarget[p.Demand]))
                continue;
            if (p.Lot >= 0)
            {
                if (lotLeft[p.Lot] < 1)
                    continue;
                lotLeft[p.Lot]--;
            }
            else
            {
                var rate = 1 / UnitsPerDay(context, p);
                var (sku, region) = (context.Demands[p.Demand].Sku, context.Factories[p.Factory].Region);
                var days = p.Option < 0 ? residual[p.Factory] : lineResidual[p.Option];
                if (days[p.Day] + CapacityEpsilon < rate || materials.Fits(sku, region, p.Day) < 1)
                    continue;
                days[p.Day] -= rate;
                materials.Use(sku, region, p.Day, 1);
            }
            p.Whole++;
            open[p.Demand]--;
            if (isOnTime)
                onTime[p.Demand]++;
            else
                late[p.Demand]++;
        }

        return Merge(context, pieces.Where(p => p.Whole > 0)
            .Select(p => new Assignment(
                context.Factories[p.Factory].FactoryId, context.Demands[p.Demand].RequestId, context.Demands[p.Demand].Sku,
                context.Network.Date(p.Day), context.Network.Date(p.Day + p.Lead), p.Whole,
                p.Lot >= 0 ? Sources.Stock(context.Lots[p.Lot].StockId)
                    : p.Option >= 0 ? Sources.Option(context.Options[p.Option].OptionId)
                    : Sources.Capacity))
            .Concat(context.Committed));
    }

    /// <summary>Assignments merged per factory, demand, day and source, in factory, day, demand, source order.</summary>
    public static List<Assignment> Merge(PlanContext context, IEnumerable<Assignment> assignments) =>
        assignments
            .GroupBy(a => (a.FactoryId, a.DemandKey, a.ProductionDate, a.Source))
            .Select(g => g.First() with { Quantity = g.Sum(a => a.Quantity) })
            .OrderBy(a => a.FactoryId, StringComparer.Ordinal)
            .ThenBy(a => a.ProductionDate)
            .ThenBy(a => a.DemandKey, StringComparer.Ordinal)
            .ThenBy(a => a.Source, StringComparer.Ordinal)
            .ToList();

    /// <summary>The rank of each demand in the objective's order: tier, then due date, then request id.</summary>
    public static int[] DemandOrder(PlanContext context)
    {
        var ranked = Enumerable.Range(0, context.Demands.Count)
            .OrderBy(i => context.Demands[i].Priority)
            .ThenBy(i => context.Demands[i].DueDate)
            .ThenBy(i => context.Demands[i].RequestId, StringComparer.Ordinal)
            .ToArray();
        var order = new int[ranked.Length];
        for (var r = 0; r < ranked.Length; r++)
            order[ranked[r]] = r;
        return order;
    }

    private static bool OnTime(PlanContext context, Piece p) =>
        p.Day + p.Lead <= context.Network.Day(context.Demands[p.Demand].DueDate);

    private static double UnitsPerDay(PlanContext context, Piece p) => p.Option >= 0
        ? context.Options[p.Option].UnitsPerDay
        : context.Network.Capability[(context.Factories[p.Factory].FactoryId, context.Demands[p.Demand].Sku)].UnitsPerDay;

    private static List<Piece> Disaggregate(PlanContext context, LpSolution solution)
    {
        var pieces = new List<Piece>();
        // Each pool's entries: factory, day, units left, lot (-1 for production), option (-1 for capacity); a day's
        // production before its lots, a factory's capacity before its options' lines.
        var pools = solution.Production
            .Select(p => (Key: (context.OriginOf(p.Factory), p.Sku), Entry: new double[] { p.Factory, p.Day, p.Units, -1, p.Option }))
            .Concat(solution.Draws.Select(d => (
                Key: (context.OriginOf(context.FactoryIndex[context.Lots[d.Lot].FactoryId]), context.Lots[d.Lot].Sku),
                Entry: new double[] { context.FactoryIndex[context.Lots[d.Lot].FactoryId], d.Day, d.Units, d.Lot, -1 })))
            .GroupBy(p => p.Key)
            .ToDictionary(g => g.Key, g => g.Select(p => p.Entry).OrderBy(e => e[1]).ThenBy(e => e[3]).ThenBy(e => e[0]).ThenBy(e => e[4]).ToList());
        var shipments = solution.Shipments
            .OrderBy(s => s.Origin)
            .ThenBy(s => context.Demands[s.Demand].Sku, StringComparer.Ordinal)
            .ThenBy(s => s.Day)
            .ThenBy(s => context.Demands[s.Demand].Priority)
            .ThenBy(s => s.Demand);
        foreach (var s in shipments)
        {
            if (!pools.TryGetValue((s.Origin, context.Demands[s.Demand].Sku), out var pool))
                continue;
            var need = s.Units;
            foreach (var entry in pool)
            {
                if (need <= 1e-9)
                    break;
                if (entry[1] > s.Day)
                    break;
                var take = Math.Min(need, entry[2]);
                if (take <= 1e-9)
                    continue;
                entry[2] -= take;
                need -= take;
                pieces.Add(new Piece((int)entry[0], s.Demand, (int)entry[1], s.Lead, take, (int)entry[3], (int)entry[4]));
            }
        }
        // Pieces of one source, demand and day are one allocation.
        return pieces
            .GroupBy(p => (p.Factory, p.Demand, p.Day, p.Lead, p.Lot, p.Option))
            .Select(g => new Piece(g.Key.Factory, g.Key.Demand, g.Key.Day, g.Key.Lead, g.Sum(p => p.Units), g.Key.Lot, g.Key.Option))
            .ToList();
    }
}
