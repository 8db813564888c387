using EmergencyDispatch.Planning.Model;
using Google.OrTools.LinearSolver;

namespace EmergencyDispatch.Planning.Plans;

/// <summary>
/// The compact LP of MODEL.md. Instead of x[f,d,t] (millions of columns at national size) it has production per
/// factory, sku and day, an inventory per region, sku and day, and shipments from a region to a demand: one on time,
/// on the latest day that still arrives on time (earlier production waits in the region's inventory), and one per
/// late day. Every solution maps back to x[f,d,t] with step values at least as good (see <see cref="Rounding"/>).
/// Quantities are scaled so that every row's coefficients are near 1: production in days of a factory's capacity,
/// shipments as fractions of the demand, inventory in days of a typical factory of the sku.
/// Earlier steps are held on their optimal face, not by a slack: see <see cref="HoldOptimalFace"/>.
/// </summary>
internal sealed class LpModel : IDisposable
{
    /// <summary>Reduced costs and duals smaller than this are zero (the simplex tolerances of GLOP and CLP).</summary>
    private const double ZeroTolerance = 1e-7;

    /// <summary>Production of one sku by one factory on one day, in days of the factory's full capacity.</summary>
    public sealed record Production(int Factory, string Sku, int Day, double UnitsPerDay, double UnitCost, Variable Var);

    /// <summary>Units a stock lot puts into its site's inventory on its first day, in units of the inventory's scale.</summary>
    public sealed record Draw(int Lot, int Day, double Scale, double UnitCost, Variable Var);

    /// <summary>A fraction of a demand shipped from a region on a day; late by <see cref="DaysLate"/> (0 = on time).</summary>
    public sealed record Shipment(int Demand, Origin Origin, int Day, int Lead, double LaneCost, int DaysLate, Variable Var);

    // Data.
    private readonly List<Production> _productions = [];
    private readonly List<Shipment> _shipments = [];
    private readonly List<Draw> _draws = [];
    /// <summary>Each demand's shipments, by the demand's index in <see cref="PlanContext.Demands"/>.</summary>
    private readonly List<List<Shipment>> _shipmentsOf = [];
    /// <summary>Each origin and sku's inventory rows (one per day), their indices and the inventory's scale.</summary>
    private readonly Dictionary<(Origin Origin, string Sku), (Constraint[] Rows, int[] Index, double Scale)> _balances = [];
    /// <summary>Each demand's row (its open quantity) and the row's index; null for a demand with nothing open here.</summary>
    private readonly List<(Constraint Row, int Index)?> _demandRows = [];
    /// <summary>Each tier's fair-share ratio.</summary>
    private readonly Dictionary<Priority, Variable> _ratios = [];
    private readonly List<Constraint> _rows = [];
    /// <summary>The balance of each material this part's production consumes.</summary>
    private readonly List<MaterialBalance> _materials = [];

    /// <summary>Every step held so far: its objective's scale and its row duals, for checking columns added later.</summary>
    private readonly List<(Step Step, double Scale, double[] Duals)> _held = [];

    /// <summary>Whether the solver is GLOP, whose presolve may need a second try (see <see cref="Optimise"/>).</summary>
    private readonly bool _glop;

    private Step? _current;
    private double _currentScale = 1;

    public LpModel(PlanContext context, PlanComponent component, string solverId)
    {
        Context = context;
        Component = component;
        Solver = Solver.CreateSolver(solverId) ?? throw new InvalidOperationException($"OR-Tools has no {solverId} solver");
        _glop = string.Equals(solverId, "GLOP", StringComparison.OrdinalIgnoreCase);
        Solver.SuppressOutput();

        // Variables and constraints; shipments enter with the step that first needs them (see Activate).
        var byOrigin = AddProduction();
        AddSharedCapacity();
        AddMaterialBalances();
        AddInventoryBalances(byOrigin, LotsByOrigin());
        AddDemandRows();
        foreach (var tier in Priorities.InOrder)
            _ratios[tier] = Solver.MakeNumVar(0, 1, "");
    }

    /// <summary>
    /// Production per capability and open day from the first day the sku's materials can be in the factory's region, in
    /// days of the factory's full capacity; grouped by where it waits to ship.
    /// </summary>
    private Dictionary<(Origin Origin, string Sku), List<Production>> AddProduction()
    {
        var byOrigin = new Dictionary<(Origin Origin, string Sku), List<Production>>();
        foreach (var fi in Component.Factories)
        {
            foreach (var capability in Context.CapabilitiesOf(fi))
            {
                // No production before the sku's materials can be there.
                for (var t = Context.Network.FirstMaterialDay(capability.Sku, Context.Factories[fi].Region); t < Context.Network.Horizon; t++)
                {
                    if (Context.Capacity[fi][t] <= 0)
                        continue;
                    var p = new Production(fi, capability.Sku, t, capability.UnitsPerDay, capability.UnitCost, Solver.MakeNumVar(0, double.PositiveInfinity, ""));
                    _productions.Add(p);
                    var key = (Context.OriginOf(fi), capability.Sku);
                    if (!byOrigin.TryGetValue(key, out var list))
                        byOrigin[key] = list = [];
                    list.Add(p);
                }
            }
        }
        return byOrigin;
    }

    /// <summary>MODEL.md constraint 1: a factory's lines share its capacity within a day, Σ production / units_per_day ≤ factor (after commitments).</summary>
    private void AddSharedCapacity()
    {
        foreach (var group in _productions.GroupBy(p => (p.Factory, p.Day)))
        {
            var row = Row(double.NegativeInfinity, Context.Capacity[group.Key.Factory][group.Key.Day]);
            foreach (var p in group)
                row.SetCoefficient(p.Var, 1);
        }
    }

    /// <summary>
    /// MODEL.md constraint 8: per material, region and day, the material's stock carries over, moves along lanes and is
    /// used by production in the producing factory's region (per_unit × units_per_day per day of capacity).
    /// </summary>
    private void AddMaterialBalances()
    {
        var network = Context.Network;
        var users = _productions
            .SelectMany(p => network.BomOf(p.Sku).Select(line => (line, p)))
            .GroupBy(u => u.line.MaterialId, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var group in users)
        {
            var balance = new MaterialBalance(network, group.Key, group.Select(u => Context.Factories[u.p.Factory].Region).Distinct(), Solver, Row);
            foreach (var (line, p) in group)
                balance.Use(p.Var, Context.Factories[p.Factory].Region, p.Day, line.PerUnit * p.UnitsPerDay);
            _materials.Add(balance);
        }
    }

    /// <summary>The lots of this part that can ship inside the horizon, by where they wait to ship.</summary>
    private Dictionary<(Origin Origin, string Sku), List<int>> LotsByOrigin()
    {
        var byOrigin = new Dictionary<(Origin Origin, string Sku), List<int>>();
        foreach (var li in Component.Lots)
        {
            var lot = Context.Lots[li];
            if (Context.LotOpen[li] <= 0 || Context.Network.FirstDay(lot) >= Context.Network.Horizon)
                continue;
            var key = (Context.OriginOf(Context.FactoryIndex[lot.FactoryId]), lot.Sku);
            if (!byOrigin.TryGetValue(key, out var list))
                byOrigin[key] = list = [];
            list.Add(li);
        }
        return byOrigin;
    }

    /// <summary>
    /// Production waits in its origin's inventory until shipped: stock today = stock yesterday + production + what lots
    /// release − shipments, never negative (shipments add their terms as they enter). MODEL.md constraint 5: a lot puts
    /// at most its open quantity into the inventory, on its first day (units wait there as long as they need, so a lot
    /// ships on any day from it). Inventory is in days of the origin's average factory, or, where only lots stock it,
    /// in units of their average quantity.
    /// </summary>
    private void AddInventoryBalances(Dictionary<(Origin Origin, string Sku), List<Production>> byOrigin, Dictionary<(Origin Origin, string Sku), List<int>> lotsByOrigin)
    {
        var horizon = Context.Network.Horizon;
        foreach (var (origin, sku) in byOrigin.Keys.Union(lotsByOrigin.Keys).OrderBy(k => k.Origin).ThenBy(k => k.Sku, StringComparer.Ordinal))
        {
            var productions = byOrigin.GetValueOrDefault((origin, sku)) ?? [];
            var lots = lotsByOrigin.GetValueOrDefault((origin, sku)) ?? [];
            var scale = productions.Count > 0 ? productions.Average(p => p.UnitsPerDay) : lots.Average(li => (double)Context.Lots[li].Quantity);
            var balances = new Constraint[horizon];
            var index = new int[horizon];
            Variable? previous = null;
            for (var t = 0; t < horizon; t++)
            {
                var stock = Solver.MakeNumVar(0, double.PositiveInfinity, "");
                (balances[t], index[t]) = RowWithIndex(0, 0);
                balances[t].SetCoefficient(stock, 1);
                if (previous is not null)
                    balances[t].SetCoefficient(previous, -1);
                previous = stock;
            }
            foreach (var p in productions)
                balances[p.Day].SetCoefficient(p.Var, -p.UnitsPerDay / scale);
            foreach (var li in lots)
            {
                var lot = Context.Lots[li];
                var draw = new Draw(li, Context.Network.FirstDay(lot), scale, lot.UnitCost, Solver.MakeNumVar(0, Context.LotOpen[li] / scale, ""));
                _draws.Add(draw);
                balances[draw.Day].SetCoefficient(draw.Var, -1);
            }
            _balances[(origin, sku)] = (balances, index, scale);
        }
    }

    /// <summary>MODEL.md constraint 2: no demand gets more than its open quantity (its quantity less committed units), as a fraction of its quantity.</summary>
    private void AddDemandRows()
    {
        for (var di = 0; di < Context.Demands.Count; di++)
        {
            _shipmentsOf.Add([]);
            _demandRows.Add(Context.OpenQuantity[di] > 0 && Component.Demands.Contains(di)
                ? RowWithIndex(double.NegativeInfinity, (double)Context.OpenQuantity[di] / Context.Demands[di].Quantity)
                : null);
        }
    }

    /// <summary>
    /// Adds the columns a step needs before it is optimised: a tier's on-time shipments (and its fair-share rows) before
    /// its fair-share step; its late shipments on the horizon's last day (which can carry any late unit, since earlier
    /// production waits in inventory) before its delivered step; late shipments on every other day before the lateness
    /// step, which is the first to care when a late unit leaves. Each column is checked against the duals of every step
    /// already held: one with a nonzero reduced cost there is zero on that step's optimal face and is left out; one with
    /// none could not have changed that step's optimum, so leaving it out until now lost nothing.
    /// </summary>
    public void Activate(Step step)
    {
        if (step.Kind is StepKind.OnTime or StepKind.Cost)
            return;
        var network = Context.Network;
        var last = network.Horizon - 1;
        for (var di = 0; di < Context.Demands.Count; di++)
        {
            var demand = Context.Demands[di];
            if (_demandRows[di] is not { } demandRow || (step.Tier is { } tier && demand.Priority != tier))
                continue;
            var due = network.Day(demand.DueDate);
            foreach (var origin in Context.OriginsMaking(demand.Sku))
            {
                if (Context.Excludes(origin, di) || network.Lane(origin.Region, demand.Region) is not { } lane
                    || !_balances.TryGetValue((origin, demand.Sku), out var balances))
                    continue;
                var lastOnTime = due - lane.Lead;
                switch (step.Kind)
                {
                    case StepKind.FairShare when lastOnTime >= 0:
                        AddShipment(di, origin, Math.Min(lastOnTime, last), lane, 0, balances, demandRow);
                        break;
                    case StepKind.Delivered when lastOnTime < last:
                        AddShipment(di, origin, last, lane, last + lane.Lead - due, balances, demandRow);
                        break;
                    case StepKind.Lateness:
                        for (var t = Math.Max(lastOnTime + 1, 0); t < last; t++)
                            AddShipment(di, origin, t, lane, t + lane.Lead - due, balances, demandRow);
                        break;
                }
            }
        }
        if (step.Kind != StepKind.FairShare)
            return;
        // Fair share: every servable demand of the tier gets at least the tier's ratio on time (committed units count).
        foreach (var di in Context.ServableOf(step.Tier!.Value).Where(Component.Demands.Contains))
        {
            var row = Row(-(double)Context.CommittedOnTime[di] / Context.Demands[di].Quantity, double.PositiveInfinity);
            row.SetCoefficient(_ratios[step.Tier!.Value], -1);
            foreach (var s in _shipmentsOf[di])
            {
                if (s.DaysLate == 0)
                    row.SetCoefficient(s.Var, 1);
            }
        }
    }

    public PlanContext Context { get; }

    /// <summary>The factories and demands this model plans: one connected part of the whole (see <see cref="PlanComponent"/>).</summary>
    public PlanComponent Component { get; }

    /// <summary>Whether the tier has a servable demand here, so that its fair share is this model's to optimise.</summary>
    public bool HasServable(Priority tier) => Context.ServableOf(tier).Any(Component.Demands.Contains);

    /// <summary>Whether a step's measure has any term in this model; a step without one is constant here.</summary>
    public bool Measures(Step step) => step.Kind == StepKind.FairShare ? HasServable(step.Tier!.Value) : Terms(step).Any();

    /// <summary>The fair-share ratio the last solve reached for a tier.</summary>
    public double Ratio(Priority tier) => _ratios[tier].SolutionValue();

    /// <summary>
    /// Holds a tier's fair share at the value reached over all parts: every servable demand here keeps at least that
    /// share on time. A bound, not a face: a part whose own optimum is higher need not keep it.
    /// </summary>
    public void HoldRatio(Priority tier, double value) => _ratios[tier].SetLb(Math.Max(0, value - 1e-9));

    public Solver Solver { get; }

    // Size, counted when the model is disposed of (the solver's own counts are gone then).
    public int Columns { get; private set; }

    public int Rows { get; private set; }

    public int MaterialColumns { get; private set; }

    public int MaterialRows { get; private set; }

    private Constraint Row(double lb, double ub) => RowWithIndex(lb, ub).Row;

    private (Constraint Row, int Index) RowWithIndex(double lb, double ub)
    {
        var row = Solver.MakeConstraint(lb, ub, "");
        _rows.Add(row);
        return (row, _rows.Count - 1);
    }

    private void AddShipment(int demand, Origin origin, int day, (int Lead, double Cost) lane, int daysLate,
        (Constraint[] Rows, int[] Index, double Scale) balances, (Constraint Row, int Index) demandRow)
    {
        var inventoryCoefficient = Context.Demands[demand].Quantity / balances.Scale;
        foreach (var (step, scale, duals) in _held)
        {
            var cost = ShipmentCoefficient(step, demand, daysLate, lane.Cost) / scale;
            var reducedCost = cost - (Dual(duals, balances.Index[day]) * inventoryCoefficient + Dual(duals, demandRow.Index));
            if (Math.Abs(reducedCost) > ZeroTolerance)
                return;
        }
        var s = new Shipment(demand, origin, day, lane.Lead, lane.Cost, daysLate, Solver.MakeNumVar(0, double.PositiveInfinity, ""));
        _shipments.Add(s);
        _shipmentsOf[demand].Add(s);
        balances.Rows[day].SetCoefficient(s.Var, inventoryCoefficient);
        demandRow.Row.SetCoefficient(s.Var, 1);
    }

    private static double Dual(double[] duals, int row) => row < duals.Length ? duals[row] : 0;

    /// <summary>The coefficient of a shipment (per unit fraction of its demand) in a step's measure.</summary>
    private double ShipmentCoefficient(Step step, int demand, int daysLate, double laneCost)
    {
        var d = Context.Demands[demand];
        return Objective.Delivery(step, d.Priority, daysLate, laneCost) * d.Quantity;
    }

    /// <summary>The terms of one step's measure in units of the step (units, unit-days, cost).</summary>
    public IEnumerable<(Variable Var, double Coefficient)> Terms(Step step)
    {
        if (step.Kind == StepKind.FairShare)
        {
            yield return (_ratios[step.Tier!.Value], 1);
            yield break;
        }
        foreach (var p in _productions)
        {
            var c = Objective.Production(step, p.UnitCost);
            if (c != 0)
                yield return (p.Var, c * p.UnitsPerDay);
        }
        foreach (var d in _draws)
        {
            var c = Objective.Production(step, d.UnitCost);
            if (c != 0)
                yield return (d.Var, c * d.Scale);
        }
        foreach (var s in _shipments)
        {
            var c = ShipmentCoefficient(step, s.Demand, s.DaysLate, s.LaneCost);
            if (c != 0)
                yield return (s.Var, c);
        }
    }

    /// <summary>The value of a step's measure in the current solution, in units of the step (commitments not included).</summary>
    public double Value(Step step) => Terms(step).Sum(t => t.Coefficient * t.Var.SolutionValue());

    /// <summary>Optimises one step (its objective scaled to coefficients of at most 1); returns the solver's status.</summary>
    public Solver.ResultStatus Optimise(Step step, TimeSpan timeLimit)
    {
        var terms = Terms(step).ToList();
        var objective = Solver.Objective();
        objective.Clear();
        var scale = terms.Count == 0 ? 1 : terms.Max(t => Math.Abs(t.Coefficient));
        _current = step;
        _currentScale = scale;
        foreach (var (v, c) in terms)
            objective.SetCoefficient(v, c / scale);
        objective.SetOptimizationDirection(step.Maximise);
        Solver.SetTimeLimit((long)Math.Max(1, timeLimit.TotalMilliseconds));
        var status = Solver.Solve();
        if (status == Solver.ResultStatus.INFEASIBLE && _glop)
        {
            // Every step's model is feasible by construction (the last solution satisfies every hold). GLOP's presolve
            // can still conclude otherwise on a model of many fixed rows and columns, within its tolerances; the same
            // model without presolve solves. Deterministic: the same model takes the same path.
            Solver.SetSolverSpecificParametersAsString("use_preprocessing: false");
            status = Solver.Solve();
            Solver.SetSolverSpecificParametersAsString("use_preprocessing: true");
        }
        return status;
    }

    /// <summary>
    /// Restricts the model to the optimal face of the step just solved: columns with a nonzero reduced cost stay at
    /// their bound, rows with a nonzero dual stay tight. Every point left has the same objective value (complementary
    /// slackness), so later steps cannot worsen it, and no slack is needed.
    /// </summary>
    public void HoldOptimalFace()
    {
        // Read the whole solution first: changing a bound invalidates the solver's solution.
        var variables = Solver.variables().ToList();
        var fixColumns = variables
            .Select(v => (Var: v, ReducedCost: v.ReducedCost(), Value: v.SolutionValue()))
            .Where(c => Math.Abs(c.ReducedCost) > ZeroTolerance)
            .ToList();
        var activities = Solver.ComputeConstraintActivities();
        var duals = _rows.Select(row => row.DualValue()).ToArray();
        _held.Add((_current!, _currentScale, duals));
        var fixRows = _rows
            .Select((row, i) => (Row: row, Dual: duals[i], Activity: activities[i]))
            .Where(r => Math.Abs(r.Dual) > ZeroTolerance)
            .ToList();
        foreach (var (v, _, value) in fixColumns)
        {
            var bound = Math.Abs(value - v.Lb()) <= Math.Abs(v.Ub() - value) ? v.Lb() : v.Ub();
            v.SetBounds(bound, bound);
        }
        foreach (var (row, _, activity) in fixRows)
        {
            var bound = Math.Abs(activity - row.Lb()) <= Math.Abs(row.Ub() - activity) ? row.Lb() : row.Ub();
            row.SetBounds(bound, bound);
        }
    }

    /// <summary>The current solution in units: what each factory produced, what each lot released, what each region shipped to each demand.</summary>
    public LpSolution Solution() => new(
        _productions.Select(p => (p.Factory, p.Sku, p.Day, p.Var.SolutionValue() * p.UnitsPerDay)).Where(p => p.Item4 > 1e-9).ToList(),
        _shipments.Select(s => (s.Demand, s.Origin, s.Day, s.Lead, s.Var.SolutionValue() * Context.Demands[s.Demand].Quantity)).Where(s => s.Item5 > 1e-9).ToList())
    {
        Draws = _draws.Select(d => (d.Lot, d.Day, d.Var.SolutionValue() * d.Scale)).Where(d => d.Item3 > 1e-9).ToList(),
        Moves = _materials.SelectMany(m => m.SolvedMoves()).ToList(),
    };

    public void Dispose()
    {
        Columns = Solver.NumVariables();
        Rows = Solver.NumConstraints();
        MaterialColumns = _materials.Sum(m => m.Columns);
        MaterialRows = _materials.Sum(m => m.Regions.Count * Context.Network.Horizon);
        Solver.Dispose();
    }
}

/// <summary>A solved LP: what each factory produced, and what each region shipped to each demand on which day.</summary>
internal sealed record LpSolution(
    IReadOnlyList<(int Factory, string Sku, int Day, double Units)> Production,
    IReadOnlyList<(int Demand, Origin Origin, int Day, int Lead, double Units)> Shipments)
{
    /// <summary>Units each stock lot released into its site's inventory, on its first day.</summary>
    public IReadOnlyList<(int Lot, int Day, double Units)> Draws { get; init; } = [];

    /// <summary>Material moved between regions, in the material's unit.</summary>
    public IReadOnlyList<MaterialMove> Moves { get; init; } = [];
}
