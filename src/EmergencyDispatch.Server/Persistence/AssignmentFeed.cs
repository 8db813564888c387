using System.Collections.Concurrent;
using System.Threading.Channels;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>
/// Wakes the WatchAssignments streams of factories whose assignments changed. A wake-up carries no data: the stream
/// reads the factory's change log after the last version it sent, so it can neither miss a change nor send one twice,
/// whatever order commits and wake-ups happen in. One pending wake-up per stream is enough: later ones coalesce.
/// </summary>
public sealed class AssignmentFeed(AssignmentCache cache)
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Subscription, byte>> _byFactory = new(StringComparer.Ordinal);

    /// <summary>Streams watching now.</summary>
    public int Count => _byFactory.Values.Sum(s => s.Count);

    /// <summary>Starts listening for a factory's changes; dispose to stop. Subscribe before reading what is stored.</summary>
    public Subscription Subscribe(string factoryId)
    {
        var subscription = new Subscription(this, factoryId);
        _byFactory.GetOrAdd(factoryId, _ => new ConcurrentDictionary<Subscription, byte>()).TryAdd(subscription, 0);
        return subscription;
    }

    /// <summary>Called after a commit that changed these factories' assignments, before the writing call returns.</summary>
    public void Notify(IReadOnlyCollection<string> factoryIds)
    {
        cache.Invalidate(factoryIds);
        foreach (var factoryId in factoryIds)
        {
            if (_byFactory.TryGetValue(factoryId, out var subscriptions))
            {
                foreach (var subscription in subscriptions.Keys)
                    subscription.Wake();
            }
        }
    }

    /// <summary>One stream's wake-ups.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly AssignmentFeed _feed;
        private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

        internal Subscription(AssignmentFeed feed, string factoryId)
        {
            _feed = feed;
            FactoryId = factoryId;
        }

        public string FactoryId { get; }

        /// <summary>Waits until the factory's assignments may have changed since the last wait returned.</summary>
        public ValueTask<bool> WaitAsync(CancellationToken cancellationToken) => _signal.Reader.ReadAsync(cancellationToken);

        internal void Wake() => _signal.Writer.TryWrite(true);

        public void Dispose()
        {
            if (_feed._byFactory.TryGetValue(FactoryId, out var subscriptions))
                subscriptions.TryRemove(this, out _);
        }
    }
}
