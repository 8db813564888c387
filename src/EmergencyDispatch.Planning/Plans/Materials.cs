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
/// stock today − stock yesterday + moved out − moved in + use = supply. Material is measured in
/// <see cref="Network.MaterialScale"/>. Moves go from each supplied region straight to each region that uses the
/// material, taking the shortest way's lead time: lanes have no capacity and moves no cost, and material may wait
/// anywhere, so every way from a supply to a use can be replaced by the direct move arriving on the same day or
/// earlier. Both give the same uses; the direct one has far fewer columns and no material in transit through other
/// regions, and each of its moves is the legs of its way along the real lanes (<see cref="SolvedLegs"/>). Only regions
/// that matter get rows: those where production uses the material and those supplied with it that reach one.
/// Callers add the use (<see cref="Use"/>) or fix it (<see cref="FixUse"/>).
/// </summary>
internal sealed class MaterialBalance
{
    private readonly Dictionary<string, (Constraint Row, Variable Stock)[]> _rows;
    private readonly List<(Way Way, int Day, Variable Var)> _moves = [];
    private readonly Solver _solver;
    private readonly Action<Variable>? _created;

    /// <summary>The shortest way from a supplied region to a using region: its lanes in order and their lead days in all.</summary>
    private sealed record Way(string From, string To, int Lead, IReadOnlyList<Lane> Lanes);

    /// <remarks><paramref name="created"/>, when given, hears of every column the balance adds, in order.</remarks>
    public MaterialBalance(Network network, string material, IEnumerable<string> useRegions, Solver solver, Func<double, double, Constraint> row, Action<Variable>? created = null)
    {
        Material = material;
        Scale = network.MaterialScale(material);
        _solver = solver;
        _created = created;
        var uses = useRegions.ToHashSet(StringComparer.Ordinal);
        var reaching = Reach(uses, network.MovingLanes, l => l.ToRegion, l => l.FromRegion);
        var supplied = network.SupplyRegions(material).Where(reaching.Contains).ToList();
        Regions = [.. uses.Union(supplied).Order(StringComparer.Ordinal)];

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
                created?.Invoke(stock);
                r.SetCoefficient(stock, 1);
                if (t > 0)
                    r.SetCoefficient(days[t - 1].Stock, -1);
                days[t] = (r, stock);
            }
            _rows[region] = days;
        }
        foreach (var way in Ways(network, supplied, uses))
        {
            var (from, to) = (_rows[way.From], _rows[way.To]);
            for (var t = 0; t + way.Lead < horizon; t++)
            {
                var move = solver.MakeNumVar(0, double.PositiveInfinity, "");
                created?.Invoke(move);
                from[t].Row.SetCoefficient(move, 1);
                to[t + way.Lead].Row.SetCoefficient(move, -1);
                _moves.Add((way, t, move));
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
                _created?.Invoke(deficit);
                _rows[region][t].Row.SetCoefficient(deficit, -1);
                deficits.Add((region, t, deficit));
            }
        }
        return deficits;
    }

    /// <summary>The solved moves straight from supply to use, in the material's unit, leaving out those below 1e-9 of the scale.</summary>
    /// <remarks><paramref name="valueOf"/> reads a column's value in the solution (the LP's, or a mixed-integer one).</remarks>
    public IEnumerable<MaterialMove> SolvedMoves(Func<Variable, double> valueOf) => _moves
        .Select(m => new MaterialMove(Material, m.Way.From, m.Way.To, m.Day, m.Way.Lead, valueOf(m.Var) * Scale))
        .Where(m => m.Quantity > 1e-9 * Scale);

    /// <summary>
    /// The solved moves along the real lanes: each move's legs in turn (a leg leaves the day the one before arrives),
    /// summed per lane and day, in lane and day order.
    /// </summary>
    public IEnumerable<MaterialMove> SolvedLegs()
    {
        var legs = new SortedDictionary<(string From, string To, int Day), (int Lead, double Quantity)>(
            Comparer<(string From, string To, int Day)>.Create((a, b) =>
            {
                var c = string.CompareOrdinal(a.From, b.From);
                if (c == 0)
                    c = string.CompareOrdinal(a.To, b.To);
                return c != 0 ? c : a.Day.CompareTo(b.Day);
            }));
        foreach (var (way, day, variable) in _moves)
        {
            var quantity = variable.SolutionValue() * Scale;
            if (quantity <= 1e-9 * Scale)
                continue;
            var leaves = day;
            foreach (var lane in way.Lanes)
            {
                var key = (lane.FromRegion, lane.ToRegion, leaves);
                legs[key] = (lane.LeadDays, legs.GetValueOrDefault(key).Quantity + quantity);
                leaves += lane.LeadDays;
            }
        }
        return legs.Select(l => new MaterialMove(Material, l.Key.From, l.Key.To, l.Key.Day, l.Value.Lead, l.Value.Quantity));
    }

    /// <summary>The longest way a move takes, in lanes plus lead days (0 without moves).</summary>
    public int LongestWay => _moves.Select(m => m.Way.Lanes.Count + m.Way.Lead).DefaultIfEmpty(0).Max();

    /// <summary>The moves' columns with the weight of their way: each lane counts 1 plus its lead days.</summary>
    public IEnumerable<(Variable Var, int Weight)> MoveWeights => _moves.Select(m => (m.Var, m.Way.Lanes.Count + m.Way.Lead));

    /// <summary>
    /// From each region of <paramref name="from"/> to each other region of <paramref name="to"/> it reaches inside the
    /// horizon: the way of least lead time along the lanes (<see cref="Network.WaysFrom"/>).
    /// </summary>
    private static List<Way> Ways(Network network, IEnumerable<string> from, IReadOnlySet<string> to)
    {
        var ways = new List<Way>();
        foreach (var origin in from)
        {
            var reached = network.WaysFrom(origin);
            foreach (var region in to.Where(r => r != origin && reached.ContainsKey(r)).Order(StringComparer.Ordinal))
            {
                var lanes = new List<Lane>();
                for (var at = region; reached[at].Via is { } lane; at = lane.FromRegion)
                    lanes.Add(lane);
                lanes.Reverse();
                ways.Add(new Way(origin, region, reached[region].Lead, lanes));
            }
        }
        return ways;
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

    /// <summary>What is left under <paramref name="moves"/> once the plan's production took its material (<see cref="MaterialFlows.Use"/>).</summary>
    public static MaterialStock After(Network network, IEnumerable<MaterialMove> moves, IReadOnlyList<Assignment> assignments)
    {
        var stock = new MaterialStock(network, moves);
        foreach (var ((material, region, day), quantity) in MaterialFlows.Use(network, assignments))
            Add(stock.Days(material, region), day, -quantity);
        return stock;
    }

    /// <summary>The material of <paramref name="units"/> of a sku made in a region on a day is used.</summary>
    public void Use(string sku, string region, int day, double units)
    {
        foreach (var line in _network.BomOf(sku))
            Add(Days(line.MaterialId, region), day, -line.PerUnit * units);
    }

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
/// plan's use with the least material in transit (a unit moved weighs 1 + its lead days per lane it takes), found by an
/// LP over the balance of constraint 8 and given along the real lanes. Use a plan cannot cover shows as a deficit, which the LP keeps as small as it can first.
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
            // A deficit weighs more than any rerouting of moves could cost to cover it, so the LP covers what it can first.
            var deficitWeight = (double)balance.Regions.Count * (network.Horizon + 1) * (1 + balance.LongestWay) + 1;
            var objective = solver.Objective();
            foreach (var (variable, weight) in balance.MoveWeights)
                objective.SetCoefficient(variable, weight);
            foreach (var (_, _, variable) in deficitColumns)
                objective.SetCoefficient(variable, deficitWeight);
            objective.SetMinimization();
            if (solver.Solve() != Solver.ResultStatus.OPTIMAL)
                throw new InvalidOperationException($"material {material}: the flow LP did not solve");
            moves.AddRange(balance.SolvedLegs());
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
            if (!Sources.Produces(a.Source) || !network.FactoryById.TryGetValue(a.FactoryId, out var factory))
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
