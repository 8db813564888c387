namespace EmergencyDispatch.Planning.Plans;

/// <summary>What one budget buys: the plan's options taken, what they cost, and the service it reaches per priority.</summary>
public sealed record FrontierPoint(
    double Budget,
    PlanCompletion Completion,
    double Spent,
    IReadOnlyList<string> OptionsTaken,
    IReadOnlyList<TierMetrics> Tiers,
    IReadOnlyList<StepValue> StepValues);

/// <summary>
/// The budget sweep of the capacity-decisions issue: the same input planned once per budget, so that a coordinator sees
/// what each yuan buys (options taken, fair share, on-time and delivered units per priority).
/// </summary>
public static class OptionFrontier
{
    /// <summary>
    /// One plan per budget, in the order given; committed options are taken at every budget and cost nothing. The
    /// budgets' plans run side by side (<see cref="PlannerOptions.Threads"/> at once, one thread each: a budget that
    /// binds plans its options' parts as one LP), and a plan does not depend on its threads.
    /// </summary>
    public static IReadOnlyList<FrontierPoint> Sweep(
        PlanningInput input, IReadOnlyList<double> budgets, PlannerOptions options, CancellationToken cancellationToken = default,
        Func<PlanningInput, PlannerOptions, PlanResult>? planner = null)
    {
        planner ??= (i, o) => Planner.Plan(i, o, cancellationToken: cancellationToken);
        var points = new FrontierPoint[budgets.Count];
        var each = options with { Threads = 1 };
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Threads), CancellationToken = cancellationToken, TaskScheduler = options.Scheduler ?? TaskScheduler.Default };
        Parallel.For(0, budgets.Count, parallel, i =>
        {
            var atBudget = input with { OptionBudget = budgets[i] };
            var plan = planner(atBudget, each);
            points[i] = new FrontierPoint(
                budgets[i],
                plan.Completion,
                plan.StepValues.Single(v => v.Step.Kind == StepKind.OptionCost).Value,
                [.. plan.Decisions.Where(d => d.Taken).Select(d => d.OptionId)],
                PlanMetrics.Tiers(atBudget, plan.Outcomes),
                plan.StepValues);
        });
        return points;
    }
}
