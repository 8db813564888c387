using EmergencyDispatch.Planning.Model;

namespace EmergencyDispatch.Server.PlanQueue;

/// <summary>The planning service's limits, bound to the <c>Dispatch:Planning</c> section.</summary>
public sealed class PlanningOptions
{
    /// <summary>Plan requests and replays that may wait behind the running solve; past it callers get RESOURCE_EXHAUSTED. 0 allows only the running one.</summary>
    public int QueueLength { get; set; } = 4;

    /// <summary>
    /// Plan requests and replays one caller (key or token subject) may have running or waiting at once, so that one
    /// caller cannot take every place; past it that caller gets RESOURCE_EXHAUSTED while others are still accepted.
    /// </summary>
    public int PerCaller { get; set; } = 2;

    /// <summary>
    /// The nice value (0 to 19) of the thread a solve or replay runs on, on Linux: with the cores contended, short calls
    /// go first and the solve gets what is left. 0 runs it at the service's own priority.
    /// </summary>
    public int SolverNice { get; set; } = 10;

    /// <summary>The solve's time limit when a request sets none, in seconds (at most <see cref="Rules.MaxTimeLimitSeconds"/>).</summary>
    public double DefaultTimeLimitSeconds { get; set; } = Rules.DefaultTimeLimitSeconds;
}
