using EmergencyDispatch.Planning.Model;
using Google.OrTools.LinearSolver;

namespace EmergencyDispatch.Planning.Plans;

/// <summary>
/// Makes sure a rounded plan is within MODEL.md's tolerance of the continuous optimum where whole units allow it.
/// Rounding an LP solution can lose a unit that a different integer plan keeps; on small problems, where a unit is a
/// large share of a step, that is the difference between a plan within the tolerance and one outside it. When the
/// rounded plan falls outside on some step and the problem is small, the steps of MODEL.md are solved in order as
/// MIPs (SCIP) over every possible x[f,d,t]: first each held at the value it reached, and if that plan still falls
/// outside, each held only as tightly as the tolerance demands, so that later steps can use the slack.
/// Deterministic: SCIP runs single-threaded with a node limit; the time limit only guards the planner's budget.
/// </summary>
internal static class IntegerPolish
{
    /// <summary>Problems with more candidate x[f,d,t] than this keep the rounded LP plan.</summary>
    public const int MaxColumns = 1500;

    /// <summary>Lexicographic MIP runs per plan at most: each solves every step once.</summary>
    private const int MaxAttempts = 60;

    /// <summary>Branch-and-bound nodes per step before the polish gives up and the rounded plan stands.</summary>
    private const int NodeLimit = 20_000;

    /// <summary>
    /// One candidate x[s,d,t] and what a unit of it scores: a factory's capacity, (<see cref="Option"/> ≥ 0) the line
    /// of an option the rounded plan takes, or (<see cref="Lot"/> ≥ 0) a stock lot at its site.
    /// </summary>
    private sealed record Column(int Factory, int Demand, int Day, int Lead, double Load, bool OnTime, int DaysLate, double UnitCost, double LaneCost, int Lot = -1, int Option = -1);

    /// <summary>
    /// The rounded plan if it is within tolerance of the continuous optimum on every step. Otherwise the strict integer
    /// plan; while the plan in hand still falls outside at some step k, plans that also loosen the steps just before k,
    /// one more step at a time walking back from k (so that the steps ranked highest give up slack last), until one
    /// gets past k; then each loosened step held strictly again, highest-ranked first, where the plan stays within
    /// tolerance. Of all plans tried, the one that stays within tolerance longest, then preferring one the greedy
    /// baseline does not beat lexicographically, the earliest tried on a tie.
    /// </summary>
    public static List<Assignment> Polish(PlanContext context, List<Assignment> rounded, IReadOnlyList<StepValue> optimum, TimeSpan budget, CancellationToken cancellationToken)
    {
        var input = context.Network.Input;
        var tolerance = optimum.Select(v => Tolerance(context, v)).ToArray();
        var best = rounded;
        // The options stay as the rounded plan decided them: the polish re-divides whole units, it takes no new line.
        var taken = PlanEvaluator.Decisions(context.Network, rounded).Where(d => d.Taken).Select(d => context.OptionIndex.GetValueOrDefault(d.OptionId, -1)).Where(oi => oi >= 0).ToList();
        if (Reach(PlanEvaluator.Evaluate(input, rounded), optimum, tolerance) == optimum.Count || Columns(context, taken) is not { Count: > 0 } columns)
            return best;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var attempts = 0;
        List<Assignment>? Attempt(bool[] loosened)
        {
            attempts++;
            return Solve(context, columns, optimum, tolerance, loosened, budget - clock.Elapsed, cancellationToken);
        }
        // A loosened plan may give up a little on a high-ranking step; of two plans that reach equally far, the one the
        // greedy baseline does not beat lexicographically is preferred. Score = 2 × reach + (1 if greedy does not win).
        var greedy = PlanEvaluator.Evaluate(input, GreedyPlanner.Plan(context));
        int Score(List<Assignment> plan)
        {
            var values = PlanEvaluator.Evaluate(input, plan);
            return 2 * Reach(values, optimum, tolerance) + (IsBetter(greedy, values) ? 0 : 1);
        }
        var full = 2 * optimum.Count;
        var bestScore = Score(rounded);

        var loosened = new bool[optimum.Count];
        if (Attempt(loosened) is not { } strict)
            return best;
        var score = Score(strict);
        if (score > bestScore)
            (best, bestScore) = (strict, score);
        while (score / 2 < optimum.Count && attempts < MaxAttempts)
        {
            var advanced = false;
            var reach = score / 2;
            for (var from = reach - 1; from >= 0 && attempts < MaxAttempts; from--)
            {
                var trial = (bool[])loosened.Clone();
                Array.Fill(trial, true, from, reach - from);
                if (Attempt(trial) is not { } plan)
                    return best;
                var trialScore = Score(plan);
                if (trialScore / 2 <= reach)
                    continue;
                (loosened, score, advanced) = (trial, trialScore, true);
                if (trialScore > bestScore)
                    (best, bestScore) = (plan, trialScore);
                break;
            }
            if (!advanced)
                break;
        }

        // Loosened as little as needed: hold each loosened step strictly again, highest-ranked first, where the plan
        // still scores as well.
        for (var k = 0; k < loosened.Length && bestScore >= full && attempts < MaxAttempts; k++)
        {
            if (!loosened[k])
                continue;
            var trial = (bool[])loosened.Clone();
            trial[k] = false;
            if (Attempt(trial) is not { } plan)
                break;
            if (Score(plan) >= bestScore)
                (loosened, best, bestScore) = (trial, plan, Score(plan));
        }
        return best;
    }

    /// <summary>
    /// MODEL.md's tolerance around a step's continuous optimum: 0.5% of it or one unit of the step's measure, whichever
    /// is larger; for a fair share the unit is one item of the tier's smallest servable demand.
    /// </summary>
    public static double Tolerance(PlanContext context, StepValue optimum)
    {
        var unit = optimum.Step.Kind == StepKind.FairShare
            ? context.ServableOf(optimum.Step.Tier!.Value).Select(d => 1.0 / context.Demands[d].Quantity).DefaultIfEmpty(0).Max()
            : 1;
        return Math.Max(0.005 * Math.Abs(optimum.Value), unit);
    }

    /// <summary>Whether the first plan is lexicographically better than the second, beyond rounding noise.</summary>
    private static bool IsBetter(IReadOnlyList<StepValue> first, IReadOnlyList<StepValue> second)
    {
        foreach (var (a, b) in first.Zip(second))
        {
            if (Math.Abs(a.Value - b.Value) > 1e-9 * Math.Max(1, Math.Abs(b.Value)))
                return a.Step.Maximise ? a.Value > b.Value : a.Value < b.Value;
        }
        return false;
    }

    /// <summary>How many steps, from the first, a plan's values stay within tolerance of the continuous optimum.</summary>
    private static int Reach(IReadOnlyList<StepValue> values, IReadOnlyList<StepValue> optimum, double[] tolerance)
    {
        var k = 0;
        while (k < optimum.Count && !Outside(values[k].Value, optimum[k], tolerance[k]))
            k++;
        return k;
    }

    private static bool Outside(double value, StepValue optimum, double tolerance)
    {
        var margin = tolerance + 1e-9 * Math.Max(1, Math.Abs(optimum.Value));
        return optimum.Step.Maximise ? value < optimum.Value - margin : value > optimum.Value + margin;
    }

    /// <summary>
    /// The steps solved in order as MIPs, each held at its value, or the loosened ones only as tightly as the
    /// tolerance around the continuous optimum demands; null when a step does not solve to optimality within the
    /// node limit and the time left.
    /// </summary>
    private static List<Assignment>? Solve(PlanContext context, List<Column> columns, IReadOnlyList<StepValue> optimum, double[] tolerance, bool[] loosened, TimeSpan budget, CancellationToken cancellationToken)
    {
        if (budget <= TimeSpan.Zero)
            return null;

        using var solver = Solver.CreateSolver("SCIP");
        if (solver is null)
            return null;
        solver.SetNumThreads(1);
        solver.SetSolverSpecificParametersAsString($"limits/nodes = {NodeLimit}\nrandomization/randomseedshift = 0\n");
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var x = columns.Select(c => solver.MakeIntVar(0, context.OpenQuantity[c.Demand], "")).ToArray();

        // Shared capacity per factory-day; stock per lot; material per region and day; no over-delivery per demand.
        foreach (var group in columns.Select((c, n) => (c, n)).Where(p => p.c.Lot < 0 && p.c.Option < 0).GroupBy(p => (p.c.Factory, p.c.Day)))
        {
            var row = solver.MakeConstraint(double.NegativeInfinity, context.Capacity[group.Key.Factory][group.Key.Day], "");
            foreach (var (c, n) in group)
                row.SetCoefficient(x[n], c.Load);
        }
        // An option's line per day.
        foreach (var group in columns.Select((c, n) => (c, n)).Where(p => p.c.Option >= 0).GroupBy(p => (p.c.Option, p.c.Day)))
        {
            var row = solver.MakeConstraint(double.NegativeInfinity, context.OptionCapacity[group.Key.Option][group.Key.Day], "");
            foreach (var (c, n) in group)
                row.SetCoefficient(x[n], c.Load);
        }
        // A lot ships at most its open quantity.
        foreach (var group in columns.Select((c, n) => (c, n)).Where(p => p.c.Lot >= 0).GroupBy(p => p.c.Lot))
        {
            var row = solver.MakeConstraint(double.NegativeInfinity, context.LotOpen[group.Key], "");
            foreach (var (_, n) in group)
                row.SetCoefficient(x[n], 1);
        }
        // Material balance per material, region and day: the columns of factories' capacity consume material.
        var uses = columns.Select((c, n) => (c, n))
            .Where(p => p.c.Lot < 0)
            .SelectMany(p => context.Network.BomOf(context.Demands[p.c.Demand].Sku).Select(line => (line, Region: context.Factories[p.c.Factory].Region, p.c.Day, p.n)))
            .GroupBy(u => u.line.MaterialId, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var group in uses)
        {
            var balance = new MaterialBalance(context.Network, group.Key, group.Select(u => u.Region).Distinct(), solver, (lb, ub) => solver.MakeConstraint(lb, ub, ""));
            foreach (var (line, region, day, n) in group)
                balance.Use(x[n], region, day, line.PerUnit);
        }
        foreach (var group in columns.Select((c, n) => (c, n)).GroupBy(p => p.c.Demand))
        {
            var row = solver.MakeConstraint(double.NegativeInfinity, context.OpenQuantity[group.Key], "");
            foreach (var (_, n) in group)
                row.SetCoefficient(x[n], 1);
        }

        // Fair share per tier: every servable demand's on-time units (committed ones included) ≥ z · quantity.
        var share = new Dictionary<Priority, Variable>();
        foreach (var tier in Priorities.InOrder)
        {
            var servable = context.ServableOf(tier);
            if (servable.Count == 0)
                continue;
            var z = share[tier] = solver.MakeNumVar(0, 1, "");
            foreach (var d in servable)
            {
                var row = solver.MakeConstraint(-context.CommittedOnTime[d], double.PositiveInfinity, "");
                row.SetCoefficient(z, -context.Demands[d].Quantity);
                for (var n = 0; n < columns.Count; n++)
                {
                    if (columns[n].Demand == d && columns[n].OnTime)
                        row.SetCoefficient(x[n], 1);
                }
            }
        }

        // Committed units count in a step's value but are not columns: the objective leaves them out.
        var committed = PlanEvaluator.Evaluate(context.Network.Input, context.Committed);

        for (var k = 0; k < optimum.Count; k++)
        {
            var step = optimum[k].Step;
            if (cancellationToken.IsCancellationRequested)
                return null;
            var objective = solver.Objective();
            objective.Clear();
            var terms = 0;
            if (step.Kind == StepKind.FairShare)
            {
                if (!share.TryGetValue(step.Tier!.Value, out var z))
                    continue;
                objective.SetCoefficient(z, 1);
                terms++;
            }
            else
            {
                for (var n = 0; n < columns.Count; n++)
                {
                    var coefficient = Coefficient(context, step, columns[n]);
                    if (coefficient != 0)
                    {
                        objective.SetCoefficient(x[n], coefficient);
                        terms++;
                    }
                }
            }
            if (terms == 0)
                continue;
            objective.SetOptimizationDirection(step.Maximise);

            var remaining = budget - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
                return null;
            solver.SetTimeLimit((long)Math.Max(1, remaining.TotalMilliseconds));
            var status = solver.Solve();
            if (status != Solver.ResultStatus.OPTIMAL)
                return null;
            var value = objective.Value();
            if (step.Kind == StepKind.Cost)
                break;

            // Hold the step: integer-valued steps exactly (half a unit of slack), the fair share up to 1e-9; loosened,
            // no tighter than the tolerance around the continuous optimum demands.
            var slack = step.Kind == StepKind.FairShare ? 1e-9 : 0.5;
            var constant = step.Kind == StepKind.FairShare ? 0 : committed[k].Value;
            var held = value + constant;
            if (loosened[k])
            {
                // A fair share keeps a tenth of its tolerance in reserve against solver noise; whole-unit steps take the
                // whole unit the tolerance allows, since half a unit of slack cannot reach past it.
                var bound = step.Kind == StepKind.FairShare
                    ? step.Maximise ? optimum[k].Value - 0.9 * tolerance[k] : optimum[k].Value + 0.9 * tolerance[k]
                    : step.Maximise ? Math.Ceiling(optimum[k].Value - tolerance[k] - 1e-7) : Math.Floor(optimum[k].Value + tolerance[k] + 1e-7);
                held = step.Maximise ? Math.Min(held, bound) : Math.Max(held, bound);
            }
            var hold = step.Maximise
                ? solver.MakeConstraint(held - constant - slack, double.PositiveInfinity, "")
                : solver.MakeConstraint(double.NegativeInfinity, held - constant + slack, "");
            if (step.Kind == StepKind.FairShare)
            {
                hold.SetCoefficient(share[step.Tier!.Value], 1);
            }
            else
            {
                for (var n = 0; n < columns.Count; n++)
                    hold.SetCoefficient(x[n], Coefficient(context, step, columns[n]));
            }
        }

        var assignments = columns.Select((c, n) => (c, Units: (long)Math.Round(x[n].SolutionValue())))
            .Where(p => p.Units > 0)
            .Select(p => new Assignment(
                context.Factories[p.c.Factory].FactoryId, context.Demands[p.c.Demand].RequestId, context.Demands[p.c.Demand].Sku,
                context.Network.Date(p.c.Day), context.Network.Date(p.c.Day + p.c.Lead), p.Units,
                p.c.Lot >= 0 ? Sources.Stock(context.Lots[p.c.Lot].StockId)
                    : p.c.Option >= 0 ? Sources.Option(context.Options[p.c.Option].OptionId)
                    : Sources.Capacity));
        var plan = Rounding.Merge(context, assignments.Concat(context.Committed));
        // The MIP's tolerances admit tiny violations; a plan that breaks a constraint by exact arithmetic is not taken.
        return PlanEvaluator.Check(context.Network.Input, plan).Count == 0 ? plan : null;
    }

    private static double Coefficient(PlanContext context, Step step, Column c)
    {
        return Objective.PerUnit(step, context.Demands[c.Demand].Priority, c.DaysLate, c.UnitCost, c.LaneCost);
    }

    /// <summary>
    /// Every x[s,d,t] a plan could use (capable factory, lane, capacity left that day; the line of a taken option with
    /// capacity that day; a lot with units left, on its first day, since shipping later can only arrive later), or
    /// null past the limit.
    /// </summary>
    private static List<Column>? Columns(PlanContext context, IReadOnlyList<int> taken)
    {
        var columns = new List<Column>();
        var network = context.Network;
        for (var d = 0; d < context.Demands.Count; d++)
        {
            var demand = context.Demands[d];
            if (context.OpenQuantity[d] <= 0)
                continue;
            var due = network.Day(demand.DueDate);
            foreach (var lot in network.LotsBySku.GetValueOrDefault(demand.Sku) ?? [])
            {
                var li = context.LotIndex[lot.StockId];
                var t = network.FirstDay(lot);
                if (context.LotOpen[li] <= 0 || t >= network.Horizon || network.Route(lot.FactoryId, demand) is not { } route)
                    continue;
                if (columns.Count == MaxColumns)
                    return null;
                columns.Add(new Column(context.FactoryIndex[lot.FactoryId], d, t, route.Lead, 0, t + route.Lead <= due,
                    Math.Max(0, t + route.Lead - due), lot.UnitCost, route.Cost, li));
            }
            foreach (var oi in taken.Where(oi => context.Options[oi].Sku == demand.Sku))
            {
                var option = context.Options[oi];
                if (network.Route(option.FactoryId, demand) is not { } route)
                    continue;
                for (var t = 0; t < network.Horizon; t++)
                {
                    if (context.OptionCapacity[oi][t] <= 0)
                        continue;
                    if (columns.Count == MaxColumns)
                        return null;
                    columns.Add(new Column(context.FactoryIndex[option.FactoryId], d, t, route.Lead, 1 / option.UnitsPerDay, t + route.Lead <= due,
                        Math.Max(0, t + route.Lead - due), option.UnitCost, route.Cost, Option: oi));
                }
            }
            if (!network.CapabilitiesBySku.TryGetValue(demand.Sku, out var capabilities))
                continue;
            foreach (var capability in capabilities.OrderBy(c => c.FactoryId, StringComparer.Ordinal))
            {
                var f = context.FactoryIndex[capability.FactoryId];
                if (network.Route(capability.FactoryId, demand) is not { } lane)
                    continue;
                for (var t = 0; t < network.Horizon; t++)
                {
                    if (context.Capacity[f][t] <= 0)
                        continue;
                    if (columns.Count == MaxColumns)
                        return null;
                    columns.Add(new Column(f, d, t, lane.Lead, 1 / capability.UnitsPerDay, t + lane.Lead <= due,
                        Math.Max(0, t + lane.Lead - due), capability.UnitCost, lane.Cost));
                }
            }
        }
        return columns;
    }
}
