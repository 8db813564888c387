using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace EmergencyDispatch.Server.Security;

/// <summary>A token bucket per key: <see cref="SecurityOptions.RequestsPerSecond"/> on average, bursts up to <see cref="SecurityOptions.Burst"/>.</summary>
public sealed class RateLimiter(IOptions<SecurityOptions> options)
{
    private readonly double _rate = options.Value.RequestsPerSecond;
    private readonly double _burst = Math.Max(1, options.Value.Burst);
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>Takes one request from the partition's bucket; false, with the wait until the next one, when it is empty.</summary>
    public bool TryTake(string partition, out TimeSpan retryAfter)
    {
        var bucket = _buckets.GetOrAdd(partition, static (_, burst) => new Bucket(burst), _burst);
        return bucket.TryTake(_rate, _burst, Stopwatch.GetTimestamp(), out retryAfter);
    }

    private sealed class Bucket(double tokens)
    {
        private double _tokens = tokens;
        private long _at = Stopwatch.GetTimestamp();

        public bool TryTake(double rate, double burst, long now, out TimeSpan retryAfter)
        {
            lock (this)
            {
                _tokens = Math.Min(burst, _tokens + (now - _at) * rate / Stopwatch.Frequency);
                _at = now;
                if (_tokens >= 1)
                {
                    _tokens -= 1;
                    retryAfter = TimeSpan.Zero;
                    return true;
                }
                retryAfter = TimeSpan.FromSeconds((1 - _tokens) / rate);
                return false;
            }
        }
    }
}
