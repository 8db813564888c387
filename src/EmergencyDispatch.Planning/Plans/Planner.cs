using ResultStatus = Google.OrTools.LinearSolver.Solver.ResultStatus;

namespace EmergencyDispatch.Planning.Plans;

/// <summary>Which planner makes the plan.</summary>
public enum PlannerKind
{
    /// <summary>The lexicographic LP of MODEL.md, solved with OR-Tools.</summary>
    Lp = 0,
    /// <summary>The APS-style baseline: demand by priority then due date, earliest free capacity on time, then late.</summary>
    Greedy = 1,
}

/// <summary>Planner options.</summary>
public sealed record PlannerOptions
{
    public PlannerKind Planner { get; init; } = PlannerKind.Lp;

    /// <summary>Wall-clock budget for the whole plan; when it runs out the plan of the last completed step is returned.</summary>
    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Independent parts of the problem solved at once; the plan does not depend on it.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Where the parts run (a host can give threads of lower priority than its own); null: the shared thread pool.</summary>
    public TaskScheduler? Scheduler { get; init; }

    /// <summary>The OR-Tools linear solver: GLOP (default) or CLP; it must report duals and reduced costs.</summary>
    public string LpSolver { get; init; } = "GLOP";

    /// <summary>
    /// Demands of the part a binding budget couples from which the plan chooses its options first and keeps its parts
    /// apart (<see cref="OptionChoice"/>); below it the part is planned coupled, every step's mixed-integer optimum
    /// searched for.
    /// </summary>
    public int CoupledDemandsLimit { get; init; } = 200;
}

/// <summary>How far a plan got.</summary>
public enum PlanCompletion
{
    /// <summary>Every objective step was optimised.</summary>
    Complete,
    /// <summary>The time limit ran out; the plan holds what the completed steps decided.</summary>
    TimeLimit,
    /// <summary>The solver ended a step without an optimum while time was left (infeasible, unbounded, abnormal, invalid); the plan holds what the completed steps decided.</summary>
    SolverFailed,
}

/// <summary>The step a solver failed on and the status it ended with (an OR-Tools <c>ResultStatus</c> name).</summary>
public sealed record SolverFailure(Step Step, string Status);

/// <summary>Time spent on one objective step.</summary>
public sealed record StepTiming(Step Step, TimeSpan Elapsed);

/// <summary>A plan: integer assignments, each demand's outcome, and the value of every objective step.</summary>
public sealed record PlanResult(
    IReadOnlyList<Assignment> Assignments,
    IReadOnlyList<Outcome> Outcomes,
    IReadOnlyList<StepValue> StepValues,
    PlanCompletion Completion,
    Step? LastCompletedStep,
    IReadOnlyList<StepTiming> Timings,
    SolverFailure? Failure = null)
{
    /// <summary>The material moves the plan needs (MODEL.md material_flows.csv), in material, lane and day order; empty without materials.</summary>
    public IReadOnlyList<MaterialFlow> MaterialFlows { get; init; } = [];

    /// <summary>The size of the LP the plan was solved with, as of its last step; null for the greedy baseline.</summary>
    public ModelSize? Size { get; init; }

    /// <summary>Every option of the input at a factory that exists, in id order: whether the plan takes it and its units (MODEL.md decisions.csv).</summary>
    public IReadOnlyList<OptionDecision> Decisions { get; init; } = [];

    /// <summary>
    /// The LP relaxation's value of each completed step (decisions y relaxed, earlier steps held as the plan held
    /// them), commitments included: no plan does better there. Equal to the step's optimum where the LP's decisions
    /// were whole; empty for the greedy baseline.
    /// </summary>
    public IReadOnlyList<StepValue> Bounds { get; init; } = [];

    /// <summary>What choosing the options first did (a large part coupled by a binding budget); null when the plan was made without it.</summary>
    public OptionChoiceReport? Choice { get; init; }
}

/// <summary>Whether a plan takes an option, and the units it plans on the option's line.</summary>
public sealed record OptionDecision(string OptionId, bool Taken, long Units);

/// <summary>
/// How large a plan's LP was: its independent parts, and over all parts the columns and rows, of which
/// <see cref="MaterialRows"/> rows and <see cref="MaterialColumns"/> columns (stocks and moves) balance materials.
/// </summary>
/// <see cref="DecisionNodes"/> counts the LPs solved to make the option decisions whole (rounded plans and branch and bound nodes).
public sealed record ModelSize(int Parts, int LargestPartDemands, long Columns, long Rows, long MaterialColumns, long MaterialRows, long DecisionNodes = 0);

/// <summary>Progress reported while planning: the step reached and the time since the start.</summary>
public sealed record PlanProgress(Step Step, int StepIndex, int StepCount, TimeSpan Elapsed);

/// <summary>Makes plans.</summary>
public static class Planner
{
    /// <summary>Plans all demand of the input with the chosen planner.</summary>
    public static PlanResult Plan(PlanningInput input, PlannerOptions options, IProgress<PlanProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var context = new PlanContext(input);
        if (options.Planner == PlannerKind.Greedy)
            return Result(context, GreedyPlanner.Plan(context), PlanCompletion.Complete, Plans.Step.All[^1], []);

        // A large part coupled by a binding budget: its options are chosen first, and the plan takes its decisions
        // among them with its parts apart (of two candidate sets, the better plan). Outcomes and step values are those
        // of the input as given.
        if (OptionChoice.Choose(context, options, options.TimeLimit) is { Count: > 0 } candidates)
        {
            // The candidates' plans side by side, the threads shared out; each plan does not depend on its threads.
            var plans = new PlanResult[candidates.Count];
            var each = options with { Threads = Math.Max(1, options.Threads / candidates.Count) };
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Threads), TaskScheduler = options.Scheduler ?? TaskScheduler.Default };
            Parallel.For(0, candidates.Count, parallel, i =>
            {
                var planned = new PlanContext(input with { RejectedOptions = [.. input.RejectedOptions, .. candidates[i].Left.Order(StringComparer.Ordinal)] });
                plans[i] = PlanLp(input, context, planned, each, i == 0 ? progress : null, clock, cancellationToken) with { Choice = candidates[i].Report };
            });
            var best = plans[0];
            foreach (var plan in plans.Skip(1))
            {
                if (Better(plan, best))
                    best = plan;
            }
            return best;
        }
        return PlanLp(input, context, context, options, progress, clock, cancellationToken);
    }

    /// <summary>Whether a plan is better than another: complete before not, then by MODEL.md's steps in order.</summary>
    private static bool Better(PlanResult a, PlanResult b)
    {
        if ((a.Completion == PlanCompletion.Complete) != (b.Completion == PlanCompletion.Complete))
            return a.Completion == PlanCompletion.Complete;
        foreach (var (x, y) in a.StepValues.Zip(b.StepValues))
        {
            if (Math.Abs(x.Value - y.Value) <= 1e-9 * Math.Max(1, Math.Abs(y.Value)))
                continue;
            return x.Step.Maximise ? x.Value > y.Value : x.Value < y.Value;
        }
        return false;
    }

    /// <summary>
    /// The lexicographic LP plan of <paramref name="planned"/> (the input's context, or one with the options chosen
    /// first), its outcomes and values measured on <paramref name="context"/>, the input as given.
    /// </summary>
    private static PlanResult PlanLp(
        PlanningInput input, PlanContext context, PlanContext planned, PlannerOptions options, IProgress<PlanProgress>? progress,
        System.Diagnostics.Stopwatch clock, CancellationToken cancellationToken)
    {
        var steps = Plans.Step.All;
        var timings = new List<StepTiming>();
        var completed = -1;
        SolverFailure? failure = null;
        var models = planned.Components().Select(c => new LpModel(planned, c, options.LpSolver)).ToList();
        // Each part's solution as of the last step that every part completed.
        var solutions = new LpSolution?[models.Count];
        // The continuous optimum of each completed step, commitments included: MODEL.md's reference (a).
        var committed = PlanEvaluator.Evaluate(input, context.Committed);
        var optimum = new List<StepValue>();
        var bounds = new List<StepValue>();
        try
        {
            using var interrupt = cancellationToken.Register(() => models.ForEach(m => m.Solver.InterruptSolve()));
            for (var k = 0; k < steps.Count; k++)
            {
                progress?.Report(new PlanProgress(steps[k], k, steps.Count, clock.Elapsed));
                var started = clock.Elapsed;
                var (reached, failedWith) = Optimise(models, steps[k], last: k == steps.Count - 1, options, options.TimeLimit - clock.Elapsed, cancellationToken);
                if (failedWith is not null)
                    failure = new SolverFailure(steps[k], failedWith);
                if (reached is null)
                    break;
                for (var i = 0; i < solutions.Length; i++)
                    solutions[i] = reached[i].Solution ?? solutions[i];
                optimum.Add(new StepValue(steps[k], steps[k].Kind == StepKind.FairShare
                    ? reached.Where(r => r.Measured).Select(r => r.Value).DefaultIfEmpty(1.0).Min()
                    : committed[k].Value + reached.Where(r => r.Measured).Sum(r => r.Value)));
                bounds.Add(new StepValue(steps[k], steps[k].Kind == StepKind.FairShare
                    ? reached.Where(r => r.Measured).Select(r => r.Bound).DefaultIfEmpty(1.0).Min()
                    : committed[k].Value + reached.Where(r => r.Measured).Sum(r => r.Bound)));
                completed = k;
                timings.Add(new StepTiming(steps[k], clock.Elapsed - started));
            }
        }
        finally
        {
            models.ForEach(m => m.Dispose());
        }
        cancellationToken.ThrowIfCancellationRequested();

        // Not even the first step finished in time: the greedy plan is still a plan.
        var assignments = completed < 0
            ? GreedyPlanner.Plan(context)
            : Rounding.ToAssignments(planned, new LpSolution(
                [.. solutions.SelectMany(s => s?.Production ?? [])],
                [.. solutions.SelectMany(s => s?.Shipments ?? [])])
            {
                Draws = [.. solutions.SelectMany(s => s?.Draws ?? [])],
                Moves = [.. solutions.SelectMany(s => s?.Moves ?? [])],
                Taken = [.. solutions.SelectMany(s => s?.Taken ?? []).Order()],
            });
        var size = new ModelSize(models.Count, models.Select(m => m.Component.Demands.Count).DefaultIfEmpty(0).Max(),
            models.Sum(m => (long)m.Columns), models.Sum(m => (long)m.Rows), models.Sum(m => (long)m.MaterialColumns), models.Sum(m => (long)m.MaterialRows), models.Sum(m => (long)m.Nodes));
        var completion = completed == steps.Count - 1 ? PlanCompletion.Complete
            : failure is not null ? PlanCompletion.SolverFailed
            : PlanCompletion.TimeLimit;
        if (completion == PlanCompletion.Complete)
            assignments = IntegerPolish.Polish(planned, assignments, optimum, options.TimeLimit - clock.Elapsed, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        return Result(context, assignments, completion, completed >= 0 ? steps[completed] : null, timings) with { Failure = failure, Size = size, Bounds = bounds };
    }

    /// <summary>
    /// Optimises one step in every part and holds it there; the new solution and step value of each part the step
    /// measures (no solution for the others, whose last solution still stands), or null when the time ran out or a
    /// solve failed; a failure that was not the time running out also names the solver's status. A sum over independent parts is at its optimum exactly when every part is at its own, so each part
    /// holds its own optimal face. A fair share is the smallest over all parts: each part holds that smallest value.
    /// A fair share that is 0 whatever the plan (<see cref="PlanContext.FairShareIsZero"/>) is not solved for: every
    /// part holds 0, which bounds nothing, and keeps its last solution.
    /// </summary>
    private static ((LpSolution? Solution, double Value, double Bound, bool Measured)[]? Solved, string? FailedWith) Optimise(
        List<LpModel> models, Step step, bool last, PlannerOptions options, TimeSpan budget, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (budget <= TimeSpan.Zero || cancellationToken.IsCancellationRequested)
            return (null, null);
        var solved = new (LpSolution? Solution, double Value, double Bound, bool Measured)[models.Count];
        var zero = step.Kind == StepKind.FairShare && models.Count > 0 && models[0].Context.FairShareIsZero(step.Tier!.Value);
        var measured = new bool[models.Count];
        var failed = false;
        string? failedWith = null;
        // Parts are independent LPs: solve them side by side, the largest first. Each part's result does not depend on
        // the order, so the plan stays deterministic.
        var largestFirst = Enumerable.Range(0, models.Count).OrderByDescending(i => models[i].Component.Demands.Count).ThenBy(i => i);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Threads, TaskScheduler = options.Scheduler ?? TaskScheduler.Default };
        Parallel.ForEach(largestFirst, parallel, (i, state) =>
        {
            var model = models[i];
            model.Activate(step);
            measured[i] = model.Measures(step);
            if (!measured[i])
                return;
            if (zero)
            {
                solved[i] = (null, 0, 0, true);
                return;
            }
            var remaining = budget - clock.Elapsed;
            if (remaining <= TimeSpan.Zero || cancellationToken.IsCancellationRequested)
            {
                Volatile.Write(ref failed, true);
                state.Stop();
                return;
            }
            var started = clock.Elapsed;
            var status = model.Optimise(step, remaining);
            if (status != ResultStatus.OPTIMAL)
            {
                if (StepStop.Failure(status, clock.Elapsed - started, remaining, cancellationToken.IsCancellationRequested) is { } failure)
                    Interlocked.CompareExchange(ref failedWith, failure, null);
                Volatile.Write(ref failed, true);
                state.Stop();
                return;
            }
            solved[i] = (model.Solution(), step.Kind == StepKind.FairShare ? model.Ratio(step.Tier!.Value) : model.Value(step), model.Bound, true);
            if (step.Kind != StepKind.FairShare && !last)
                model.Hold(budget - clock.Elapsed);
        });
        if (failed)
            return (null, failedWith);
        if (step.Kind == StepKind.FairShare && !zero)
        {
            var holding = Enumerable.Range(0, models.Count).Where(i => measured[i]).ToList();
            if (holding.Count > 0)
            {
                var share = holding.Min(i => models[i].Ratio(step.Tier!.Value));
                foreach (var i in holding)
                    models[i].HoldRatio(step.Tier!.Value, share);
            }
        }
        return (solved, null);
    }

    private static PlanResult Result(PlanContext context, List<Assignment> assignments, PlanCompletion completion, Step? last, IReadOnlyList<StepTiming> timings)
    {
        var moves = MaterialFlows.Solve(context.Network, assignments).Moves;
        return new(assignments, Shortfalls.Explain(context, assignments, moves), PlanEvaluator.Evaluate(context.Network.Input, assignments), completion, last, timings)
        {
            MaterialFlows = MaterialFlows.ToFlows(context.Network, moves),
            Decisions = PlanEvaluator.Decisions(context.Network, assignments),
        };
    }
}

/// <summary>Why a step's solve ended without an optimum: the time running out, or the solver failing.</summary>
public static class StepStop
{
    /// <summary>
    /// The solver's status when a non-optimal end was a failure of the solver, or null when it was the time running
    /// out (or the call stopping). INFEASIBLE, UNBOUNDED, ABNORMAL and MODEL_INVALID are failures whatever the clock
    /// says: every step's model is feasible and bounded by construction. FEASIBLE and NOT_SOLVED are what a solver
    /// ends with when it is interrupted, so they count as the time running out when the solve used (nearly) all of its
    /// time, and as a failure when it stopped early.
    /// </summary>
    public static string? Failure(ResultStatus status, TimeSpan used, TimeSpan limit, bool cancelled)
    {
        switch (status)
        {
            case ResultStatus.OPTIMAL:
                return null;
            case ResultStatus.FEASIBLE or ResultStatus.NOT_SOLVED:
                // A solver checks its clock between iterations: allow it to stop a little early.
                return cancelled || used >= limit * 0.9 - TimeSpan.FromMilliseconds(5) ? null : status.ToString();
            default:
                return status.ToString();
        }
    }
}
