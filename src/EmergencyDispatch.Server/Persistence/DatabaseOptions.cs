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

    /// <summary>
    /// Largest the database file may grow, in MB; 0 for no limit but the disk's. Past it, writes get RESOURCE_EXHAUSTED
    /// exactly as on a full disk, and reads go on.
    /// </summary>
    public long MaxSizeMb { get; set; }
}
