using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace EmergencyDispatch.Server.Security;

/// <summary>
/// What a caller may hold at once, from System.Threading.RateLimiting: a token bucket per key (or token subject) of
/// requests and one of rows written, a token bucket per peer address for calls without valid credentials (open methods such as health, and failed
/// authentications), and a count of open streams per caller. Each is partitioned; a partition idle for ten seconds
/// (a full bucket, no stream open) is evicted, so keys and addresses seen once hold no memory.
/// </summary>
public sealed class CallLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string> _keys;
    private readonly PartitionedRateLimiter<string> _rows;
    private readonly PartitionedRateLimiter<string> _anonymous;
    private readonly PartitionedRateLimiter<string> _streams;

    public CallLimits(IOptions<SecurityOptions> options)
    {
        var o = options.Value;
        StreamsPerCaller = o.StreamsPerCaller;
        _keys = Buckets(o.RequestsPerSecond, o.Burst);
        RowsBurst = Math.Max(Planning.Model.Rules.MaxBatch, o.RowsBurst);
        _rows = Buckets(o.RowsPerSecond, RowsBurst);
        _anonymous = Buckets(o.AnonymousPerSecond, o.AnonymousBurst);
        var streams = new ConcurrencyLimiterOptions { PermitLimit = o.StreamsPerCaller, QueueLimit = 0 };
        _streams = PartitionedRateLimiter.Create<string, string>(p => RateLimitPartition.GetConcurrencyLimiter(p, _ => streams));
    }

    /// <summary>The most streams one caller may hold open.</summary>
    public int StreamsPerCaller { get; }

    /// <summary>Takes one request from a key's bucket; false, with the wait until the next one, when it is empty.</summary>
    public bool TryTake(string partition, out TimeSpan retryAfter) => Take(_keys, partition, out retryAfter);

    /// <summary>The most rows a key's row bucket holds.</summary>
    public int RowsBurst { get; }

    /// <summary>Takes <paramref name="rows"/> from a key's bucket of rows written; false, with the wait, when it holds fewer.</summary>
    public bool TryTakeRows(string partition, int rows, out TimeSpan retryAfter) =>
        Take(_rows, partition, out retryAfter, Math.Clamp(rows, 1, RowsBurst));

    /// <summary>Takes one call without valid credentials from an address's bucket; false, with the wait, when it is empty.</summary>
    public bool TryTakeAnonymous(string address, out TimeSpan retryAfter) => Take(_anonymous, address, out retryAfter);

    /// <summary>Whether an address has used up its calls without valid credentials for now (nothing is taken).</summary>
    public bool AnonymousExhausted(string address) => _anonymous.GetStatistics(address) is { CurrentAvailablePermits: < 1 };

    /// <summary>A place for one open stream of a caller, given back when disposed; null when the caller holds them all.</summary>
    public IDisposable? TryOpenStream(string partition)
    {
        var lease = _streams.AttemptAcquire(partition);
        if (lease.IsAcquired)
            return lease;
        lease.Dispose();
        return null;
    }

    /// <summary>
    /// The partition of a peer: its IPv4 address, or the /64 network of an IPv6 one (a host is given a whole /64, so a
    /// single address would be free to change); "local" for an in-process caller.
    /// </summary>
    public static string AddressPartition(IPAddress? address)
    {
        if (address is null)
            return "local";
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6 || IPAddress.IsLoopback(address))
            return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    public void Dispose()
    {
        _keys.Dispose();
        _rows.Dispose();
        _anonymous.Dispose();
        _streams.Dispose();
    }

    private static bool Take(PartitionedRateLimiter<string> limiter, string partition, out TimeSpan retryAfter, int permits = 1)
    {
        using var lease = limiter.AttemptAcquire(partition, permits);
        retryAfter = TimeSpan.Zero;
        if (lease.IsAcquired)
            return true;
        if (!lease.TryGetMetadata(MetadataName.RetryAfter, out retryAfter))
            retryAfter = TimeSpan.FromSeconds(1);
        return false;
    }

    /// <summary>Token buckets refilled every 100 ms (or one token a period below 10 a second), <paramref name="burst"/> deep.</summary>
    private static PartitionedRateLimiter<string> Buckets(double perSecond, int burst)
    {
        var (tokens, period) = perSecond >= 10
            ? ((int)Math.Min(int.MaxValue, Math.Round(perSecond / 10)), TimeSpan.FromMilliseconds(100))
            : (1, TimeSpan.FromSeconds(1 / perSecond));
        var options = new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        return PartitionedRateLimiter.Create<string, string>(p => RateLimitPartition.GetTokenBucketLimiter(p, _ => options));
    }
}
