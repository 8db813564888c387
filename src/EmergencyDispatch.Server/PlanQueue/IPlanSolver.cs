using EmergencyDispatch.Planning.Plans;

namespace EmergencyDispatch.Server.PlanQueue;

/// <summary>Makes a plan from its input: the planner library behind a seam, so that tests can hold a solve while they look at the queue.</summary>
public interface IPlanSolver
{
    PlanResult Solve(PlanningInput input, PlannerOptions options, IProgress<PlanProgress> progress, CancellationToken cancellationToken);
}

/// <summary>The real planner (<see cref="Planner.Plan"/>).</summary>
public sealed class PlanSolver : IPlanSolver
{
    public PlanResult Solve(PlanningInput input, PlannerOptions options, IProgress<PlanProgress> progress, CancellationToken cancellationToken) =>
        Planner.Plan(input, options, progress, cancellationToken);
}
