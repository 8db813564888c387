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
    public static PlanResult Plan(PlanningInput input, PlannerOptions options, IProgress<PlanProgress>? progress = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("the planner is being written");
}
