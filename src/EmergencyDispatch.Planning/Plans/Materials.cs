using EmergencyDispatch.Planning.Model;
using Google.OrTools.LinearSolver;

namespace EmergencyDispatch.Planning.Plans;

/// <summary>
/// Material moved along a lane (MODEL.md m[k,l,t]): it leaves <see cref="FromRegion"/> on <see cref="ShipDate"/> and
/// arrives in <see cref="ToRegion"/> on <see cref="ArrivalDate"/>; a row of <c>material_flows.csv</c>.
/// </summary>
public sealed record MaterialFlow(string MaterialId, string FromRegion, string ToRegion, DateOnly ShipDate, DateOnly ArrivalDate, double Quantity);

/// <summary>A move of material in a model: along a lane, leaving on a day.</summary>
internal sealed record MaterialMove(string Material, string From, string To, int Day, int Lead, double Quantity);

/// <summary>
/// MODEL.md constraint 8 for one material, added to an OR-Tools model: per region and day a stock variable and the row
/// stock today − stock yesterday + moved out − moved in + use = supply, with moves along the lanes between regions.
/// Material is measured in <see cref="Network.MaterialScale"/>. Only regions that matter get rows: those where
/// production uses the material, and those on a way from a supply to a use; moves leave only regions material can reach.
/// Callers add the use (<see cref="Use"/>) or fix it (<see cref="FixUse"/>).
/// </summary>
internal sealed class MaterialBalance
{
    private readonly Dictionary<string, (Constraint Row, Variable Stock)[]> _rows;
    private readonly List<(Lane Lane, int Day, Variable Var)> _moves = [];
    private readonly Solver _solver;

    /// <summary>
    /// The balance along the given lanes, or, when <paramref name="direct"/>, along one move from each supplied region
    /// straight to each region that uses the material, taking the shortest way's lead time. Lanes have no capacity and
    /// moves no cost, and material may wait anywhere, so every way from a supply to a use can be replaced by the direct
    /// move arriving on the same day or earlier: both give the same uses, and the direct one has far fewer columns and
    /// no material in transit through other regions. The plan's flows are then found along the real lanes
    /// (<see cref="MaterialFlows"/>).
    /// </summary>
    public MaterialBalance(Network network, string material, IEnumerable<string> useRegions, Solver solver, Func<double, double, Constraint> row, bool direct = false)
    {
        Material = material;
        Scale = network.MaterialScale(material);
        _solver = solver;
        var uses = useRegions.ToHashSet(StringComparer.Ordinal);
        var supplied = network.SupplyRegions(material).ToHashSet(StringComparer.Ordinal);
        var reached = Reach(supplied, network.MovingLanes, l => l.FromRegion, l => l.ToRegion);
        var reaching = Reach(uses, network.MovingLanes, l => l.ToRegion, l => l.FromRegion);
        Regions = direct
            ? [.. uses.Union(supplied.Intersect(reaching)).Order(StringComparer.Ordinal)]
            : [.. uses.Union(reached.Intersect(reaching)).Order(StringComparer.Ordinal)];
        var lanes = direct
            ? DirectLanes(network, supplied.Intersect(reaching).Order(StringComparer.Ordinal), uses)
            : network.MovingLanes.Where(l => reached.Contains(l.FromRegion)).ToList();

        var horizon = network.Horizon;
        _rows = new Dictionary<string, (Constraint, Variable)[]>(StringComparer.Ordinal);
        foreach (var region in Regions)
        {
            var supply = network.Supply(material, region);
            var days = new (Constraint Row, Variable Stock)[horizon];
            for (var t = 0; t < horizon; t++)
            {
                var rhs = (supply?[t] ?? 0) / Scale;
                var r = row(rhs, rhs);
                var stock = solver.MakeNumVar(0, double.PositiveInfinity, "");
                r.SetCoefficient(stock, 1);
                if (t > 0)
                    r.SetCoefficient(days[t - 1].Stock, -1);
                days[t] = (r, stock);
            }
            _rows[region] = days;
        }
        foreach (var lane in lanes)
        {
            if (!_rows.TryGetValue(lane.FromRegion, out var from) || !_rows.TryGetValue(lane.ToRegion, out var to))
                continue;
            for (var t = 0; t + lane.LeadDays < horizon; t++)
            {
                var move = solver.MakeNumVar(0, double.PositiveInfinity, "");
                from[t].Row.SetCoefficient(move, 1);
                to[t + lane.LeadDays].Row.SetCoefficient(move, -1);
                _moves.Add((lane, t, move));
            }
        }
    }

    public string Material { get; }

    /// <summary>The unit of the model's material quantities, in the material's own unit.</summary>
    public double Scale { get; }

    /// <summary>The balance's columns: a stock per region and day, and the moves.</summary>
    public int Columns => _rows.Values.Sum(days => days.Length) + _moves.Count;

    /// <summary>The regions with a row per day, in order.</summary>
    public IReadOnlyList<string> Regions { get; }

    /// <summary>The model's moves, in lane and day order; their variables are in <see cref="Scale"/>.</summary>
    public IEnumerable<(Lane Lane, int Day, Variable Var)> Moves => _moves;

    /// <summary>Production that consumes <paramref name="perUnitOfVariable"/> of the material per unit of the variable, in a region on a day.</summary>
    public void Use(Variable variable, string region, int day, double perUnitOfVariable) =>
        _rows[region][day].Row.SetCoefficient(variable, perUnitOfVariable / Scale);

    /// <summary>Use that is given, not decided: it lowers the row's right-hand side.</summary>
    public void FixUse(string region, int day, double quantity)
    {
        var row = _rows[region][day].Row;
        row.SetBounds(row.Lb() - quantity / Scale, row.Ub() - quantity / Scale);
    }

    /// <summary>Adds to every row a column that brings material from nowhere; returns the columns (in <see cref="Scale"/>) by region and day.</summary>
    public IEnumerable<(string Region, int Day, Variable Var)> AddDeficits()
    {
        var deficits = new List<(string, int, Variable)>();
        foreach (var region in Regions)
        {
            for (var t = 0; t < _rows[region].Length; t++)
            {
                var deficit = _solver.MakeNumVar(0, double.PositiveInfinity, "");
                _rows[region][t].Row.SetCoefficient(deficit, -1);
                deficits.Add((region, t, deficit));
            }
        }
        return deficits;
    }

    /// <summary>The solved moves in the material's unit, leaving out those below 1e-9 of the scale.</summary>
    public IEnumerable<MaterialMove> SolvedMoves() => _moves
        .Select(m => new MaterialMove(Material, m.Lane.FromRegion, m.Lane.ToRegion, m.Day, m.Lane.LeadDays, m.Var.SolutionValue() * Scale))
        .Where(m => m.Quantity > 1e-9 * Scale);

    /// <summary>From each region of <paramref name="from"/> to each other region of <paramref name="to"/> it reaches: the least lead time along the lanes.</summary>
    private static List<Lane> DirectLanes(Network network, IEnumerable<string> from, IReadOnlySet<string> to)
    {
        var next = network.MovingLanes.ToLookup(l => l.FromRegion, StringComparer.Ordinal);
        var direct = new List<Lane>();
        foreach (var origin in from)
        {
            // Dijkstra over whole lead days.
            var lead = new Dictionary<string, int>(StringComparer.Ordinal) { [origin] = 0 };
            var queue = new PriorityQueue<string, int>();
            queue.Enqueue(origin, 0);
            while (queue.TryDequeue(out var region, out var days))
            {
                if (days > lead[region])
                    continue;
                foreach (var lane in next[region])
                {
                    var arrival = days + lane.LeadDays;
                    if (arrival < network.Horizon && (!lead.TryGetValue(lane.ToRegion, out var known) || arrival < known))
                    {
                        lead[lane.ToRegion] = arrival;
                        queue.Enqueue(lane.ToRegion, arrival);
                    }
                }
            }
            direct.AddRange(to.Where(r => r != origin && lead.ContainsKey(r)).Order(StringComparer.Ordinal).Select(r => new Lane(origin, r, lead[r], 0)));
        }
        return direct;
    }

    /// <summary>The regions reachable from <paramref name="start"/> (itself included) along the edges.</summary>
    private static HashSet<string> Reach(IEnumerable<string> start, IReadOnlyList<Lane> edges, Func<Lane, string> tail, Func<Lane, string> head)
    {
        var seen = start.ToHashSet(StringComparer.Ordinal);
        var frontier = new Queue<string>(seen);
        var next = edges.ToLookup(tail, head, StringComparer.Ordinal);
        while (frontier.TryDequeue(out var region))
        {
            foreach (var to in next[region])
            {
                if (seen.Add(to))
                    frontier.Enqueue(to);
            }
        }
        return seen;
    }
}

/// <summary>
/// What is left of each material per region and day under given moves and use: the stock S[k,r,t] of MODEL.md
/// constraint 8, kept in exact step with every use added. A unit made in a region on day t needs its material left on
/// every day from t on, since using it then lowers the stock of every later day.
/// </summary>
internal sealed class MaterialStock
{
    private readonly Network _network;
    private readonly Dictionary<(string Material, string Region), double[]> _stock = [];

    public MaterialStock(Network network, IEnumerable<MaterialMove> moves)
    {
        _network = network;
        foreach (var material in network.MaterialIds)
        {
            foreach (var region in network.SupplyRegions(material))
            {
                var supply = network.Supply(material, region)!;
                var days = Days(material, region);
                for (var t = 0; t < days.Length; t++)
                    Add(days, t, supply[t]);
            }
        }
        foreach (var move in moves)
        {
            Add(Days(move.Material, move.From), move.Day, -move.Quantity);
            if (move.Day + move.Lead < network.Horizon)
                Add(Days(move.Material, move.To), move.Day + move.Lead, move.Quantity);
        }
    }

    /// <summary>The material of <paramref name="units"/> of a sku made in a region on a day is used.</summary>
    public void Use(string sku, string region, int day, double units)
    {
        foreach (var line in _network.BomOf(sku))
            Add(Days(line.MaterialId, region), day, -line.PerUnit * units);
    }

    /// <summary>A quantity of a material used in a region on a day.</summary>
    public void UseMaterial(string material, string region, int day, double quantity) => Add(Days(material, region), day, -quantity);

    /// <summary>The material left for a use on a day: the least stock of that day and every later one.</summary>
    public double Available(string material, string region, int day)
    {
        if (!_stock.TryGetValue((material, region), out var days))
            return 0;
        var least = double.PositiveInfinity;
        for (var t = day; t < days.Length; t++)
            least = Math.Min(least, days[t]);
        return least;
    }

    /// <summary>Whole units of a sku the materials left allow in a region on a day (long.MaxValue for a sku that needs none).</summary>
    public long Fits(string sku, string region, int day)
    {
        var fits = long.MaxValue;
        foreach (var line in _network.BomOf(sku))
            fits = Math.Min(fits, (long)Math.Max(0, Math.Floor(Available(line.MaterialId, region, day) / line.PerUnit + 1e-9)));
        return fits;
    }

    /// <summary>The materials of a sku of which less than one unit's need is left in a region for a day, in id order.</summary>
    public IEnumerable<string> Short(string sku, string region, int day) =>
        _network.BomOf(sku).Where(l => Available(l.MaterialId, region, day) < l.PerUnit * (1 - 1e-9)).Select(l => l.MaterialId);

    /// <summary>Each material and region whose stock falls below zero by more than the tolerance: the first such day and the stock then.</summary>
    public IEnumerable<(string Material, string Region, int Day, double Stock)> Negative() =>
        _stock.OrderBy(s => s.Key.Material, StringComparer.Ordinal).ThenBy(s => s.Key.Region, StringComparer.Ordinal)
            .Select(s => (s.Key, Day: Array.FindIndex(s.Value, v => v < -_network.MaterialTolerance(s.Key.Material)), s.Value))
            .Where(s => s.Day >= 0)
            .Select(s => (s.Key.Material, s.Key.Region, s.Day, s.Value[s.Day]));

    private double[] Days(string material, string region)
    {
        if (!_stock.TryGetValue((material, region), out var days))
            _stock[(material, region)] = days = new double[_network.Horizon];
        return days;
    }

    /// <summary>Adds to the stock of a day and of every later day (what arrives carries over).</summary>
    private static void Add(double[] days, int day, double quantity)
    {
        for (var t = Math.Max(0, day); t < days.Length; t++)
            days[t] += quantity;
    }
}

/// <summary>
/// The material moves a plan needs (MODEL.md <c>material_flows.csv</c>): for each material, the moves that cover the
/// plan's use with the least material in transit (each unit moved weighs 1 + its lead days), found by an LP over the
/// balance of constraint 8. Use a plan cannot cover shows as a deficit, which the LP keeps as small as it can first.
/// Committed units need no material (MODEL.md constraint 4).
/// </summary>
internal static class MaterialFlows
{
    /// <summary>The plan's moves, in material, lane and day order, and the material it uses but no move can bring, per material, region and day.</summary>
    public static (IReadOnlyList<MaterialMove> Moves, IReadOnlyList<(string Material, string Region, int Day, double Quantity)> Deficits) Solve(
        Network network, IReadOnlyList<Assignment> assignments)
    {
        var moves = new List<MaterialMove>();
        var deficits = new List<(string, string, int, double)>();
        var use = Use(network, assignments);
        foreach (var material in network.MaterialIds)
        {
            var used = use.Where(u => u.Key.Material == material && u.Value > 0).ToList();
            if (used.Count == 0)
                continue;
            using var solver = Solver.CreateSolver("GLOP") ?? throw new InvalidOperationException("OR-Tools has no GLOP solver");
            var balance = new MaterialBalance(network, material, used.Select(u => u.Key.Region).Distinct(), solver, (lb, ub) => solver.MakeConstraint(lb, ub, ""));
            foreach (var ((_, region, day), quantity) in used.OrderBy(u => u.Key.Region, StringComparer.Ordinal).ThenBy(u => u.Key.Day))
                balance.FixUse(region, day, quantity);
            var deficitColumns = balance.AddDeficits().ToList();
            // A deficit weighs more than moving its material along any way the network has, so the LP covers what it can first.
            var deficitWeight = (double)balance.Regions.Count * (network.Horizon + 1) * (1 + network.MovingLanes.Select(l => l.LeadDays).DefaultIfEmpty(0).Max()) + 1;
            var objective = solver.Objective();
            foreach (var (lane, _, variable) in balance.Moves)
                objective.SetCoefficient(variable, 1 + lane.LeadDays);
            foreach (var (_, _, variable) in deficitColumns)
                objective.SetCoefficient(variable, deficitWeight);
            objective.SetMinimization();
            if (solver.Solve() != Solver.ResultStatus.OPTIMAL)
                throw new InvalidOperationException($"material {material}: the flow LP did not solve");
            moves.AddRange(balance.SolvedMoves());
            deficits.AddRange(deficitColumns
                .Select(d => (material, d.Region, d.Day, d.Var.SolutionValue() * balance.Scale))
                .Where(d => d.Item4 > network.MaterialTolerance(material)));
        }
        return (moves, deficits);
    }

    /// <summary>
    /// Material used per material, region and day by the assignments from a factory's capacity, less what commitments
    /// cover (committed units need none).
    /// </summary>
    public static Dictionary<(string Material, string Region, int Day), double> Use(Network network, IReadOnlyList<Assignment> assignments)
    {
        var use = new Dictionary<(string, string, int), double>();
        if (network.MaterialIds.Count == 0)
            return use;
        var committed = network.Input.Commitments
            .GroupBy(c => (c.FactoryId, c.DemandKey, c.ProductionDate, c.Source))
            .ToDictionary(g => g.Key, g => g.Sum(c => c.Quantity));
        foreach (var a in assignments)
        {
            if (a.Source != Sources.Capacity || !network.FactoryById.TryGetValue(a.FactoryId, out var factory))
                continue;
            var key = (a.FactoryId, a.DemandKey, a.ProductionDate, a.Source);
            var covered = Math.Min(a.Quantity, committed.GetValueOrDefault(key));
            if (covered > 0)
                committed[key] -= covered;
            var units = a.Quantity - covered;
            var day = network.Day(a.ProductionDate);
            if (units <= 0 || day < 0 || day >= network.Horizon)
                continue;
            foreach (var line in network.BomOf(a.Sku))
                use[(line.MaterialId, factory.Region, day)] = use.GetValueOrDefault((line.MaterialId, factory.Region, day)) + line.PerUnit * units;
        }
        return use;
    }

    /// <summary>Moves as material_flows.csv rows, in the file's order.</summary>
    public static List<MaterialFlow> ToFlows(Network network, IEnumerable<MaterialMove> moves) => moves
        .Select(m => new MaterialFlow(m.Material, m.From, m.To, network.Date(m.Day), network.Date(m.Day + m.Lead), m.Quantity))
        .ToList();

    /// <summary>Rows of material_flows.csv as moves of the plan's horizon.</summary>
    public static IEnumerable<MaterialMove> ToMoves(Network network, IEnumerable<MaterialFlow> flows) => flows
        .Select(f => new MaterialMove(f.MaterialId, f.FromRegion, f.ToRegion, network.Day(f.ShipDate), f.ArrivalDate.DayNumber - f.ShipDate.DayNumber, f.Quantity));
}
