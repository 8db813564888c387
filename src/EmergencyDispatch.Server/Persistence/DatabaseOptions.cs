namespace EmergencyDispatch.Server.Persistence;

/// <summary>Write-path tuning, bound to the <c>Dispatch:Database</c> section.</summary>
public sealed class DatabaseOptions
{
    /// <summary>Most writes committed together in one transaction (group commit).</summary>
    public int MaxGroupSize { get; set; } = 512;

    /// <summary>Most writes waiting for the writer; past it callers wait for room.</summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>How long a connection waits on a lock held by another process before failing.</summary>
    public int BusyTimeoutMs { get; set; } = 5_000;
}
