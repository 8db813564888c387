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
/// Earlier steps are held on their optimal face, not by a slack: see <see cref="HoldOptimalFace"/>. Option lines have
/// production columns of their own and a decision y relaxed to [0, 1]; where the decisions matter to a step they are
/// made whole (<see cref="BranchOnDecisions"/>) and the step is held on the face of its LP with them fixed (<see cref="Hold"/>).
/// </summary>
internal sealed class LpModel : IDisposable
{
    /// <summary>Reduced costs and duals smaller than this are zero (the simplex tolerances of GLOP and CLP).</summary>
    private const double ZeroTolerance = 1e-7;

    /// <summary>
    /// Production of one sku by one factory on one day, in days of the factory's full capacity; or, when
    /// <see cref="Option"/> is not negative, on that option's line, in days of the line's full rate.
    /// </summary>
    public sealed record Production(int Factory, string Sku, int Day, double UnitsPerDay, double UnitCost, Variable Var, int Option = -1);

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

    /// <summary>Each option's decision y[o] (MODEL.md), relaxed to [0, 1] in the LP; fixed at 1 for a committed option.</summary>
    private readonly Dictionary<int, Variable> _taken = [];

    /// <summary>The decisions that cost the plan (not committed, with a fixed cost), in option order: the ones made whole.</summary>
    private readonly List<(int Option, Variable Taken, double FixedCost)> _priced = [];

    /// <summary>Whether the budget row (MODEL.md constraint 7) is in this model.</summary>
    private bool _budgetRow;

    /// <summary>Steps held by a row on their value (after a mixed-integer solve) rather than on their optimal face; shipments added later enter these rows.</summary>
    private readonly List<(Step Step, Constraint Row, double Scale)> _valueHolds = [];

    /// <summary>The mixed-integer solution of the last step, by variable index, when the LP's was fractional in the decisions; null when the LP's stands.</summary>
    private double[]? _integer;

    /// <summary>Each column's index in the solver, where a step may need a mixed-integer solve (a priced option is in this part); else null.</summary>
    private readonly Dictionary<Variable, int>? _index;

    private Step? _current;
    private double _currentScale = 1;

    public LpModel(PlanContext context, PlanComponent component, string solverId)
    {
        Context = context;
        Component = component;
        Solver = Solver.CreateSolver(solverId) ?? throw new InvalidOperationException($"OR-Tools has no {solverId} solver");
        _glop = string.Equals(solverId, "GLOP", StringComparison.OrdinalIgnoreCase);
        Solver.SuppressOutput();
        if (component.Options.Any(context.IsPriced))
            _index = new Dictionary<Variable, int>(ReferenceEqualityComparer.Instance);

        // Variables and constraints; shipments enter with the step that first needs them (see Activate).
        var byOrigin = AddProduction();
        AddSharedCapacity();
        AddOptionLines();
        AddMaterialBalances();
        AddInventoryBalances(byOrigin, LotsByOrigin());
        AddDemandRows();
        foreach (var tier in Priorities.InOrder)
            _ratios[tier] = Column(0, 1);
    }

    /// <summary>
    /// Production per capability and open day from the first day the sku's materials can be in the factory's region, in
    /// days of the factory's full capacity; grouped by where it waits to ship.
    /// </summary>
    private Dictionary<(Origin Origin, string Sku), List<Production>> AddProduction()
    {
        var byOrigin = new Dictionary<(Origin Origin, string Sku), List<Production>>();
        void Add(Production p)
        {
            _productions.Add(p);
            var key = (Context.OriginOf(p.Factory), p.Sku);
            if (!byOrigin.TryGetValue(key, out var list))
                byOrigin[key] = list = [];
            list.Add(p);
        }
        foreach (var fi in Component.Factories)
        {
            foreach (var capability in Context.CapabilitiesOf(fi))
            {
                // No production before the sku's materials can be there.
                for (var t = Context.Network.FirstMaterialDay(capability.Sku, Context.Factories[fi].Region); t < Context.Network.Horizon; t++)
                {
                    if (Context.Capacity[fi][t] > 0)
                        Add(new Production(fi, capability.Sku, t, capability.UnitsPerDay, capability.UnitCost, Column(0, double.PositiveInfinity)));
                }
            }
        }
        // Option lines (MODEL.md constraint 6): from the ready day, where the ramp and the factory's factor leave capacity.
        foreach (var oi in Component.Options)
        {
            var option = Context.Options[oi];
            var fi = Context.FactoryIndex[option.FactoryId];
            for (var t = Context.Network.FirstMaterialDay(option.Sku, Context.Factories[fi].Region); t < Context.Network.Horizon; t++)
            {
                if (Context.OptionCapacity[oi][t] > 0)
                    Add(new Production(fi, option.Sku, t, option.UnitsPerDay, option.UnitCost, Column(0, double.PositiveInfinity), oi));
            }
        }
        return byOrigin;
    }

    /// <summary>MODEL.md constraint 1: a factory's lines share its capacity within a day, Σ production / units_per_day ≤ factor (after commitments).</summary>
    private void AddSharedCapacity()
    {
        foreach (var group in _productions.Where(p => p.Option < 0).GroupBy(p => (p.Factory, p.Day)))
        {
            var row = Row(double.NegativeInfinity, Context.Capacity[group.Key.Factory][group.Key.Day]);
            foreach (var p in group)
                row.SetCoefficient(p.Var, 1);
        }
    }

    /// <summary>
    /// MODEL.md constraints 6 and 7: an option's line makes at most its capacity of the day times y[o], and the options
    /// taken that are not committed cost at most the budget (a row only where the budget can bind). A committed
    /// option has y = 1. Lines with no production column (no capacity in time) get no decision.
    /// </summary>
    private void AddOptionLines()
    {
        foreach (var group in _productions.Where(p => p.Option >= 0).GroupBy(p => p.Option))
        {
            var committed = Context.OptionCommitted[group.Key];
            var y = _taken[group.Key] = Column(committed ? 1 : 0, 1);
            foreach (var p in group)
            {
                var row = Row(double.NegativeInfinity, 0);
                row.SetCoefficient(p.Var, 1);
                row.SetCoefficient(y, -Context.OptionCapacity[p.Option][p.Day]);
            }
        }
        _priced.AddRange(_taken.Where(t => Context.IsPriced(t.Key)).OrderBy(t => t.Key).Select(t => (t.Key, t.Value, Context.Options[t.Key].FixedCost)));
        if (_priced.Count == 0 || !Context.BudgetCanBind)
            return;
        _budgetRow = true;
        var budget = Context.Network.Input.OptionBudget;
        var budgetRow = Row(double.NegativeInfinity, 1);
        foreach (var (_, y, cost) in _priced)
            budgetRow.SetCoefficient(y, cost / budget);
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
            var balance = new MaterialBalance(network, group.Key, group.Select(u => Context.Factories[u.p.Factory].Region).Distinct(), Solver, Row, Indexed);
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
                var stock = Column(0, double.PositiveInfinity);
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
                var draw = new Draw(li, Context.Network.FirstDay(lot), scale, lot.UnitCost, Column(0, Context.LotOpen[li] / scale));
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
    public double Ratio(Priority tier) => ValueOf(_ratios[tier]);

    /// <summary>
    /// Holds a tier's fair share at the value reached over all parts: every servable demand here keeps at least that
    /// share on time. A bound, not a face: a part whose own optimum is higher need not keep it.
    /// </summary>
    public void HoldRatio(Priority tier, double value) => _ratios[tier].SetLb(Math.Max(0, value - (_integer is null ? 1e-9 : IntegerHoldSlack)));

    public Solver Solver { get; }

    // Size, counted when the model is disposed of (the solver's own counts are gone then).
    public int Columns { get; private set; }

    public int Rows { get; private set; }

    public int MaterialColumns { get; private set; }

    public int MaterialRows { get; private set; }

    private Constraint Row(double lb, double ub) => RowWithIndex(lb, ub).Row;

    /// <summary>A new column, unnamed (names cost time); its index recorded where a mixed-integer solve may need it.</summary>
    private Variable Column(double lb, double ub)
    {
        var v = Solver.MakeNumVar(lb, ub, "");
        Indexed(v);
        return v;
    }

    private void Indexed(Variable v)
    {
        if (_index is not null)
            _index[v] = _index.Count;
    }

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
        var s = new Shipment(demand, origin, day, lane.Lead, lane.Cost, daysLate, Column(0, double.PositiveInfinity));
        _shipments.Add(s);
        _shipmentsOf[demand].Add(s);
        balances.Rows[day].SetCoefficient(s.Var, inventoryCoefficient);
        demandRow.Row.SetCoefficient(s.Var, 1);
        foreach (var (step, row, scale) in _valueHolds)
        {
            var c = ShipmentCoefficient(step, demand, daysLate, lane.Cost) / scale;
            if (c != 0)
                row.SetCoefficient(s.Var, c);
        }
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
        if (step.Kind == StepKind.OptionCost)
        {
            foreach (var (_, y, cost) in _priced)
                yield return (y, cost);
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
    public double Value(Step step) => Terms(step).Sum(t => t.Coefficient * ValueOf(t.Var));

    /// <summary>The LP relaxation's value of the last step solved (decisions y relaxed), in units of the step: a bound on what any plan reaches there.</summary>
    public double Bound { get; private set; }

    /// <summary>A variable's value in the last step's solution: the mixed-integer one where it was solved for, else the LP's.</summary>
    private double ValueOf(Variable v) => _integer is { } values ? values[_index![v]] : v.SolutionValue();

    /// <summary>
    /// Optimises one step (its objective scaled to coefficients of at most 1); returns the solver's status. Where the
    /// decisions y matter to the step (the budget row is in the model, or the step is option cost or after it) and the
    /// LP left a priced one fractional, the step's mixed-integer optimum (MODEL.md: every reference is mixed-integer,
    /// y binary) is found by branching on the fractional decisions (<see cref="BranchOnDecisions"/>);
    /// <see cref="Bound"/> keeps the LP's value.
    /// </summary>
    public Solver.ResultStatus Optimise(Step step, TimeSpan timeLimit)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        _integer = null;
        var terms = Terms(step).ToList();
        var objective = Solver.Objective();
        objective.Clear();
        var scale = terms.Count == 0 ? 1 : terms.Max(t => Math.Abs(t.Coefficient));
        _current = step;
        _currentScale = scale;
        foreach (var (v, c) in terms)
            objective.SetCoefficient(v, c / scale);
        objective.SetOptimizationDirection(step.Maximise);
        var status = SolveLp(timeLimit);
        if (status != Solver.ResultStatus.OPTIMAL)
            return status;
        Bound = step.Kind == StepKind.FairShare ? Ratio(step.Tier!.Value) : Value(step);
        if ((_budgetRow || step.Kind is StepKind.OptionCost or StepKind.Cost) && FirstFractional() is not null)
            status = BranchOnDecisions(step, timeLimit - clock.Elapsed);
        if (status is Solver.ResultStatus.OPTIMAL or Solver.ResultStatus.FEASIBLE && _index is not null)
            _lastDecisions = [.. _priced.Select(p => Math.Round(ValueOf(p.Taken)))];
        return status;
    }

    /// <summary>
    /// Solves the LP once for a weighted sum of steps' measures (each weight per unit of its step's measure, a
    /// minimised step counting against), no step held; the priced decisions' values (option index, y, and what the
    /// line's production is worth to the objective), in option order, or none when the solve did not reach an optimum. <see cref="OptionChoice"/> reads which lines the LP
    /// relaxation wants from it.
    /// </summary>
    public (Solver.ResultStatus Status, IReadOnlyList<(int Option, double Value, double Worth)> Decisions) OptimiseWeighted(
        IReadOnlyList<(Step Step, double Weight)> steps, TimeSpan timeLimit)
    {
        var coefficients = new Dictionary<Variable, double>(ReferenceEqualityComparer.Instance);
        foreach (var (step, weight) in steps)
        {
            foreach (var (v, c) in Terms(step))
                coefficients[v] = coefficients.GetValueOrDefault(v) + (step.Maximise ? weight : -weight) * c;
        }
        var objective = Solver.Objective();
        objective.Clear();
        foreach (var (v, c) in coefficients)
            objective.SetCoefficient(v, c);
        objective.SetMaximization();
        var status = SolveLp(timeLimit);
        if (status != Solver.ResultStatus.OPTIMAL)
            return (status, []);
        // What each line's production is worth to the objective: its share of the units made where it waits to ship,
        // times what the shipments from there earn in the objective (a line that alone serves critical demand is worth
        // it all, even when the LP opens it only as far as that demand needs).
        var earned = new Dictionary<(Origin, string), double>();
        foreach (var sh in _shipments)
        {
            var key = (sh.Origin, Context.Demands[sh.Demand].Sku);
            earned[key] = earned.GetValueOrDefault(key) + coefficients.GetValueOrDefault(sh.Var) * sh.Var.SolutionValue();
        }
        var made = new Dictionary<(Origin, string), double>();
        var madeOnLine = new Dictionary<(int Option, Origin Origin, string Sku), double>();
        foreach (var p in _productions)
        {
            var key = (Context.OriginOf(p.Factory), p.Sku);
            var units = p.Var.SolutionValue() * p.UnitsPerDay;
            made[key] = made.GetValueOrDefault(key) + units;
            if (p.Option >= 0)
                madeOnLine[(p.Option, key.Item1, p.Sku)] = madeOnLine.GetValueOrDefault((p.Option, key.Item1, p.Sku)) + units;
        }
        var worth = new Dictionary<int, double>();
        foreach (var ((option, origin, sku), units) in madeOnLine)
        {
            var total = made[(origin, sku)];
            if (total > 0)
                worth[option] = worth.GetValueOrDefault(option) + units / total * earned.GetValueOrDefault((origin, sku));
        }
        return (status, [.. _priced.Select(p => (p.Option, p.Taken.SolutionValue(), worth.GetValueOrDefault(p.Option)))]);
    }

    /// <summary>LPs solved by the branch and bound over decisions (rounded plans included), over all steps so far.</summary>
    public int Nodes { get; private set; }

    /// <summary>The priced decisions of the last step's plan, rounded (whole where they mattered), in option order; null before the first.</summary>
    private double[]? _lastDecisions;

    /// <summary>Solves the LP as it stands within the time limit.</summary>
    private Solver.ResultStatus SolveLp(TimeSpan timeLimit)
    {
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

    /// <summary>A decision within this of 0 or 1 is whole.</summary>
    private const double IntegralTolerance = 1e-6;

    /// <summary>Relative slack of a step held on the value a branch and bound reached: far below MODEL.md's tolerance.</summary>
    private const double IntegerHoldSlack = 1e-7;

    /// <summary>
    /// The relative gap (of the step's scaled objective) at which a whole plan is good enough: a node whose LP bound does
    /// not beat the best by more is not explored. Five times inside MODEL.md's 0.5%.
    /// </summary>
    private const double Gap = 1e-3;

    /// <summary>Nodes a step's branch and bound may solve before it keeps the best whole plan found (or fails without one).</summary>
    private const int NodeLimit = 2000;

    /// <summary>The priced decision of the current LP solution farthest from whole (the lowest option index on a tie), or null when all are whole.</summary>
    private Variable? FirstFractional()
    {
        Variable? chosen = null;
        var farthest = IntegralTolerance;
        foreach (var (_, y, _) in _priced)
        {
            var value = y.SolutionValue();
            var distance = Math.Abs(value - Math.Round(value));
            if (distance > farthest)
                (chosen, farthest) = (y, distance);
        }
        return chosen;
    }

    /// <summary>
    /// A rounded plan, then, unless it is within <see cref="Gap"/> of the LP bound, a depth-first branch and bound over
    /// the priced decisions, each node the same LP with some decisions fixed to 0 or 1; a node is pruned when it is
    /// infeasible or its LP bound does not beat the best whole plan found by more than <see cref="Gap"/>. The first branch is the one the step leans to: a
    /// line open for the service steps, closed for the cost steps. The LP relaxation leaves few decisions fractional
    /// (MODEL.md's performance notes), so the tree is small. The best whole plan is kept in <see cref="_integer"/>.
    /// Deterministic: the same model takes the same path.
    /// </summary>
    private Solver.ResultStatus BranchOnDecisions(Step step, TimeSpan timeLimit)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var variables = Solver.variables();
        var priced = _priced.Select(p => p.Taken).ToList();
        var bounds = priced.Select(y => (Lb: y.Lb(), Ub: y.Ub())).ToArray();
        var position = new Dictionary<Variable, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < priced.Count; i++)
            position[priced[i]] = i;
        var sign = step.Maximise ? 1.0 : -1.0;
        var open = step.Kind is StepKind.OptionCost or StepKind.Cost ? 0.0 : 1.0;
        double[]? best = null;
        var bestValue = double.NegativeInfinity;
        var complete = true;
        var stack = new Stack<(int Decision, double Value)[]>();
        stack.Push([]);
        var nodes = 0;
        var root = sign * Solver.Objective().Value();
        bool CloseEnough() => best is not null && root - bestValue <= Gap * Math.Max(1, Math.Abs(root));
        try
        {
            // First a rounded plan (MODEL.md's performance notes: rounding the few fractional decisions and solving the
            // LP again comes within a hair of the bound): whole decisions stay; the fractional ones open, most open
            // first, while the budget allows (for the cost steps, every one opens: the lines the LP uses stay usable).
            var rounded = new double[priced.Count];
            var budget = Context.Network.Input.OptionBudget;
            var spent = 0.0;
            var costs = _priced.Select(p => p.FixedCost).ToArray();
            var order = Enumerable.Range(0, priced.Count).OrderByDescending(i => priced[i].SolutionValue()).ThenBy(i => i).ToList();
            foreach (var i in order)
            {
                var value = priced[i].SolutionValue();
                var up = value >= 1 - IntegralTolerance || (value > IntegralTolerance && (open == 0 || !_budgetRow || spent + costs[i] <= budget * (1 + 1e-12)));
                rounded[i] = up ? 1 : 0;
                spent += up ? costs[i] : 0;
            }
            if (!_budgetRow || spent <= budget * (1 + 1e-12))
            {
                for (var i = 0; i < priced.Count; i++)
                    priced[i].SetBounds(rounded[i], rounded[i]);
                nodes++;
                if (SolveLp(timeLimit - clock.Elapsed) == Solver.ResultStatus.OPTIMAL)
                {
                    best = [.. variables.Select(v => v.SolutionValue())];
                    bestValue = sign * Solver.Objective().Value();
                }
            }
            // Then the decisions of the last step's plan, which meets every hold: the step always has a whole plan.
            if (!CloseEnough() && _lastDecisions is { } last)
            {
                for (var i = 0; i < priced.Count; i++)
                    priced[i].SetBounds(last[i], last[i]);
                nodes++;
                if (SolveLp(timeLimit - clock.Elapsed) == Solver.ResultStatus.OPTIMAL && (best is null || sign * Solver.Objective().Value() > bestValue))
                {
                    best = [.. variables.Select(v => v.SolutionValue())];
                    bestValue = sign * Solver.Objective().Value();
                }
            }
            if (CloseEnough())
                stack.Clear();

            while (stack.TryPop(out var fixings))
            {
                if (nodes++ >= NodeLimit || clock.Elapsed >= timeLimit)
                {
                    complete = false;
                    break;
                }
                for (var i = 0; i < priced.Count; i++)
                    priced[i].SetBounds(bounds[i].Lb, bounds[i].Ub);
                foreach (var (i, value) in fixings)
                    priced[i].SetBounds(value, value);
                var status = SolveLp(timeLimit - clock.Elapsed);
                if (status == Solver.ResultStatus.INFEASIBLE)
                    continue;
                if (status != Solver.ResultStatus.OPTIMAL)
                {
                    complete = false;
                    if (status != Solver.ResultStatus.NOT_SOLVED && status != Solver.ResultStatus.FEASIBLE)
                        return status;
                    break;
                }
                var objective = sign * Solver.Objective().Value();
                if (best is not null && objective <= bestValue + Gap * Math.Max(1, Math.Abs(bestValue)))
                    continue;
                if (FirstFractional() is not { } y)
                {
                    best = [.. variables.Select(v => v.SolutionValue())];
                    bestValue = objective;
                    if (CloseEnough())
                        break;
                    continue;
                }
                var decision = position[y];
                stack.Push([.. fixings, (decision, 1 - open)]);
                stack.Push([.. fixings, (decision, open)]);
            }
        }
        finally
        {
            for (var i = 0; i < priced.Count; i++)
                priced[i].SetBounds(bounds[i].Lb, bounds[i].Ub);
        }
        Nodes += nodes;
        if (best is null)
            return complete ? Solver.ResultStatus.INFEASIBLE : Solver.ResultStatus.NOT_SOLVED;
        _integer = best;
        // Out of nodes with a whole plan in hand: the step is done, its gap to the bound reported (Bound); out of time: the time limit's.
        return complete || clock.Elapsed < timeLimit ? Solver.ResultStatus.OPTIMAL : Solver.ResultStatus.FEASIBLE;
    }

    /// <summary>
    /// Holds the step just solved: on its optimal face (<see cref="HoldOptimalFace"/>) when the LP's solution stands,
    /// or, after a mixed-integer solve, by a row keeping its measure at the value reached, up to
    /// <see cref="IntegerHoldSlack"/> (MODEL.md reference (b): later steps see this step at the plan's own value).
    /// </summary>
    /// <remarks>The LP solved again with the decisions fixed gets at most <paramref name="timeLimit"/>; past it, the row.</remarks>
    public void Hold(TimeSpan timeLimit)
    {
        if (_integer is not { } values)
        {
            HoldOptimalFace();
            return;
        }
        var step = _current!;
        // The whole plan's decisions fixed, its LP is solved again and held on its optimal face; then every decision
        // whose reduced cost there is zero is free again (moving it keeps the step's value), the others stay fixed.
        var priced = _priced.Select(p => p.Taken).ToList();
        var bounds = priced.Select(y => (Lb: y.Lb(), Ub: y.Ub())).ToArray();
        foreach (var y in priced)
        {
            var whole = Math.Round(values[_index![y]]);
            y.SetBounds(whole, whole);
        }
        if (timeLimit > TimeSpan.Zero && SolveLp(timeLimit) == Solver.ResultStatus.OPTIMAL)
        {
            var free = priced.Select(y => Math.Abs(y.ReducedCost()) <= ZeroTolerance).ToArray();
            HoldOptimalFace();
            for (var i = 0; i < priced.Count; i++)
            {
                if (free[i])
                    priced[i].SetBounds(bounds[i].Lb, bounds[i].Ub);
            }
            return;
        }
        for (var i = 0; i < priced.Count; i++)
            priced[i].SetBounds(bounds[i].Lb, bounds[i].Ub);
        var terms = Terms(step).ToList();
        var value = terms.Sum(t => t.Coefficient / _currentScale * values[_index![t.Var]]);
        var slack = IntegerHoldSlack * Math.Max(1, Math.Abs(value));
        var row = step.Maximise ? Row(value - slack, double.PositiveInfinity) : Row(double.NegativeInfinity, value + slack);
        foreach (var (v, c) in terms)
            row.SetCoefficient(v, c / _currentScale);
        _valueHolds.Add((step, row, _currentScale));
    }

    /// <summary>
    /// Restricts the model to the optimal face of the step just solved: columns with a nonzero reduced cost stay at
    /// their bound, rows with a nonzero dual stay tight. Every point left has the same objective value (complementary
    /// slackness), so later steps cannot worsen it, and no slack is needed.
    /// </summary>
    private void HoldOptimalFace()
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
    /// <remarks>Production on the line of an option the solution does not take is left out (a solver's tolerance may leave a trace of it).</remarks>
    public LpSolution Solution()
    {
        var taken = _taken.Keys.Where(oi => Context.OptionCommitted[oi] || (Context.IsPriced(oi) ? ValueOf(_taken[oi]) >= 0.5 : ValueOf(_taken[oi]) > 1e-9)).Order().ToList();
        var lines = taken.ToHashSet();
        return new(
            _productions.Where(p => p.Option < 0 || lines.Contains(p.Option))
                .Select(p => new ProductionUnits(p.Factory, p.Sku, p.Day, ValueOf(p.Var) * p.UnitsPerDay, p.Option)).Where(p => p.Units > 1e-9).ToList(),
            _shipments.Select(s => (s.Demand, s.Origin, s.Day, s.Lead, ValueOf(s.Var) * Context.Demands[s.Demand].Quantity)).Where(s => s.Item5 > 1e-9).ToList())
        {
            Draws = _draws.Select(d => (d.Lot, d.Day, ValueOf(d.Var) * d.Scale)).Where(d => d.Item3 > 1e-9).ToList(),
            Moves = _materials.SelectMany(m => m.SolvedMoves(ValueOf)).ToList(),
            Taken = taken,
        };
    }

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
    IReadOnlyList<ProductionUnits> Production,
    IReadOnlyList<(int Demand, Origin Origin, int Day, int Lead, double Units)> Shipments)
{
    /// <summary>The options the solution takes (committed ones included), by index in <see cref="PlanContext.Options"/>.</summary>
    public IReadOnlyList<int> Taken { get; init; } = [];

    /// <summary>Units each stock lot released into its site's inventory, on its first day.</summary>
    public IReadOnlyList<(int Lot, int Day, double Units)> Draws { get; init; } = [];

    /// <summary>Material moved between regions, in the material's unit.</summary>
    public IReadOnlyList<MaterialMove> Moves { get; init; } = [];
}

/// <summary>Units a factory produced of a sku on a day: with its own capacity, or (<see cref="Option"/> ≥ 0) on that option's line.</summary>
internal readonly record struct ProductionUnits(int Factory, string Sku, int Day, double Units, int Option = -1);
