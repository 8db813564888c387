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

    /// <summary>The OR-Tools linear solver: GLOP (default) or CLP; it must report duals and reduced costs.</summary>
    public string LpSolver { get; init; } = "GLOP";
}

/// <summary>How far a plan got.</summary>
public enum PlanCompletion
{
    /// <summary>Every objective step was optimised.</summary>
    Complete,
    /// <summary>The time limit ran out; the plan holds what the completed steps decided.</summary>
    TimeLimit,
}

/// <summary>Time spent on one objective step.</summary>
public sealed record StepTiming(Step Step, TimeSpan Elapsed);

/// <summary>A plan: integer assignments, each demand's outcome, and the value of every objective step.</summary>
public sealed record PlanResult(
    IReadOnlyList<Assignment> Assignments,
    IReadOnlyList<Outcome> Outcomes,
    IReadOnlyList<StepValue> StepValues,
    PlanCompletion Completion,
    Step? LastCompletedStep,
    IReadOnlyList<StepTiming> Timings);

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

        var steps = Plans.Step.All;
        var timings = new List<StepTiming>();
        LpSolution? solution = null;
        var completed = -1;
        using var model = new LpModel(context, options.LpSolver);
        using var interrupt = cancellationToken.Register(() => model.Solver.InterruptSolve());
        for (var k = 0; k < steps.Count; k++)
        {
            var remaining = options.TimeLimit - clock.Elapsed;
            if (remaining <= TimeSpan.Zero || cancellationToken.IsCancellationRequested)
                break;
            progress?.Report(new PlanProgress(steps[k], k, steps.Count, clock.Elapsed));
            var started = clock.Elapsed;
            model.Activate(steps[k]);
            if (model.Optimise(steps[k], remaining) != Google.OrTools.LinearSolver.Solver.ResultStatus.OPTIMAL)
                break;
            solution = model.Solution();
            completed = k;
            if (k < steps.Count - 1)
                model.HoldOptimalFace();
            timings.Add(new StepTiming(steps[k], clock.Elapsed - started));
        }
        cancellationToken.ThrowIfCancellationRequested();

        // Not even the first step finished in time: the greedy plan is still a plan.
        var assignments = solution is null ? GreedyPlanner.Plan(context) : Rounding.ToAssignments(context, solution);
        var completion = completed == steps.Count - 1 ? PlanCompletion.Complete : PlanCompletion.TimeLimit;
        return Result(context, assignments, completion, completed >= 0 ? steps[completed] : null, timings);
    }

    private static PlanResult Result(PlanContext context, List<Assignment> assignments, PlanCompletion completion, Step? last, IReadOnlyList<StepTiming> timings) =>
        new(assignments, Shortfalls.Explain(context, assignments), PlanEvaluator.Evaluate(context.Network.Input, assignments), completion, last, timings);
}
