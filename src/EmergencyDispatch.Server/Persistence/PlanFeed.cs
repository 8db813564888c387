using System.Collections.Concurrent;
using System.Threading.Channels;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>
/// Tells the WatchPlans streams which plans were stored or changed status (a publication makes one plan active and
/// the one before it superseded), after the commit and before the writing call returns. A stream reads each plan as
/// stored when it sends it, so what it sends is never older than the notice.
/// </summary>
public sealed class PlanFeed
{
    /// <summary>Notices one stream may have waiting; past it the oldest go (the stream then sends the plans it still has).</summary>
    private const int Pending = 64;

    private readonly ConcurrentDictionary<Subscription, byte> _subscriptions = new();

    /// <summary>Starts listening; dispose to stop. Subscribe before reading what is stored.</summary>
    public Subscription Subscribe()
    {
        var subscription = new Subscription(this);
        _subscriptions.TryAdd(subscription, 0);
        return subscription;
    }

    /// <summary>Called after a commit that stored these plans or changed their status, in id order.</summary>
    public void Notify(IEnumerable<long> planIds)
    {
        var ids = planIds.Distinct().Order().ToList();
        foreach (var subscription in _subscriptions.Keys)
        {
            foreach (var id in ids)
                subscription.Channel.Writer.TryWrite(id);
        }
    }

    /// <summary>One stream's notices: the ids of the plans to send again.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly PlanFeed _feed;

        internal Subscription(PlanFeed feed) => _feed = feed;

        internal Channel<long> Channel { get; } = System.Threading.Channels.Channel.CreateBounded<long>(
            new BoundedChannelOptions(Pending) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

        /// <summary>The next plan stored or changed.</summary>
        public ValueTask<long> NextAsync(CancellationToken cancellationToken) => Channel.Reader.ReadAsync(cancellationToken);

        public void Dispose() => _feed._subscriptions.TryRemove(this, out _);
    }
}
