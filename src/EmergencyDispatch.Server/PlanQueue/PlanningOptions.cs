using EmergencyDispatch.Planning.Model;

namespace EmergencyDispatch.Server.PlanQueue;

/// <summary>The planning service's limits, bound to the <c>Dispatch:Planning</c> section.</summary>
public sealed class PlanningOptions
{
    /// <summary>Plan requests and replays that may wait behind the running solve; past it callers get RESOURCE_EXHAUSTED. 0 allows only the running one.</summary>
    public int QueueLength { get; set; } = 4;

    /// <summary>The solve's time limit when a request sets none, in seconds (at most <see cref="Rules.MaxTimeLimitSeconds"/>).</summary>
    public double DefaultTimeLimitSeconds { get; set; } = Rules.DefaultTimeLimitSeconds;
}
