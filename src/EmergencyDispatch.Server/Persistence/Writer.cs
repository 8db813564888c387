using System.Threading.Channels;
using EmergencyDispatch.Server.Observability;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>
/// The single writer: every write of the service runs here, one at a time, and writes that arrive together
/// commit together (group commit). A write that fails does not undo the others of its group (see <see cref="Commit"/>);
/// a write's caller hears back only after the group's commit is on disk. A write must only change the database:
/// it may run more than once before its group commits.
/// Writes are light or heavy by the rows they may write (their weight; heavy above <see cref="HeavyWeight"/>). Light
/// writes commit in groups, taken in turn from each caller (actor) that has any waiting; a heavy write commits on its
/// own, and light groups and heavy writes alternate while both wait. So a caller's short write waits behind at most one
/// heavy write, however many heavy ones other callers queue.
/// </summary>
public sealed class Writer : BackgroundService
{
    private readonly Database _database;
    private readonly ILogger<Writer> _logger;
    private readonly int _maxGroup;
    private readonly Channel<WriteItem> _queue;
    private readonly TimeProvider _clock;
    private readonly DispatchMetrics _metrics;

    public Writer(Database database, IOptions<DatabaseOptions> options, ILogger<Writer> logger, TimeProvider clock, DispatchMetrics metrics)
    {
        _database = database;
        _metrics = metrics;
        _clock = clock;
        _logger = logger;
        _maxGroup = Math.Max(1, options.Value.MaxGroupSize);
        _queue = Channel.CreateBounded<WriteItem>(new BoundedChannelOptions(Math.Max(1, options.Value.QueueCapacity))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>
    /// Runs <paramref name="work"/> for <paramref name="call"/> in the writer's transaction and returns its result once
    /// committed. The same transaction appends the write to the event log and the ledger, in the call's name, with the
    /// objects <paramref name="objects"/> names from the result (null: the result refused the write, nothing to log).
    /// </summary>
    /// <param name="weight">The rows the write may create or change, at least 1 (see <see cref="HeavyWeight"/>).</param>
    public async Task<T> WriteAsync<T>(
        CallInfo call, Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken, Func<T, string?> objects, int weight = 1)
    {
        ArgumentNullException.ThrowIfNull(call);
        var item = new WriteItem<T>((connection, transaction) =>
        {
            var result = work(connection, transaction);
            if (objects(result) is { } written)
                Ledger.AppendEvent(connection, transaction, call, written, _clock.GetUtcNow().ToUnixTimeMilliseconds());
            return result;
        }, cancellationToken, call.Actor, Math.Max(1, weight));
        await _queue.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        return await item.Task.ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A dedicated thread: SQLite calls block, and the writer must not starve the request thread pool.
        await Task.Factory.StartNew(() => Loop(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>A write of more rows than this commits on its own (a light group holds at most this many rows in all).</summary>
    public const int HeavyWeight = 1000;

    private async Task Loop(CancellationToken stoppingToken)
    {
        var waiting = new WaitingWrites();
        var group = new List<WriteItem>(_maxGroup);
        try
        {
            while (waiting.Count > 0 || await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                while (_queue.Reader.TryRead(out var item))
                {
                    if (item.CancellationToken.IsCancellationRequested)
                        item.Cancel();
                    else
                        waiting.Add(item);
                }
                group.Clear();
                waiting.Next(group, _maxGroup);
                group.RemoveAll(item =>
                {
                    if (!item.CancellationToken.IsCancellationRequested)
                        return false;
                    item.Cancel();
                    return true;
                });
                if (group.Count > 0)
                    Commit(group);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // Writes still queued at shutdown are refused rather than left waiting.
        _queue.Writer.TryComplete();
        foreach (var left in waiting.Drain())
            left.Fail(new OperationCanceledException("the service is stopping"));
        while (_queue.Reader.TryRead(out var left))
            left.Fail(new OperationCanceledException("the service is stopping"));
    }

    /// <summary>
    /// The writes read from the queue and not yet committed: light ones per caller in arrival order, heavy ones in
    /// arrival order, and which of the two went last.
    /// </summary>
    private sealed class WaitingWrites
    {
        private readonly Dictionary<string, Queue<WriteItem>> _light = new(StringComparer.Ordinal);
        private readonly List<string> _callers = [];
        private readonly Queue<WriteItem> _heavy = new();
        private bool _heavyLast;
        private int _turn;
        private Queue<WriteItem>? _skipped;

        public int Count { get; private set; }

        public void Add(WriteItem item)
        {
            Count++;
            if (item.Weight > HeavyWeight)
            {
                _heavy.Enqueue(item);
                return;
            }
            if (!_light.TryGetValue(item.Actor, out var queue))
            {
                _light[item.Actor] = queue = new Queue<WriteItem>();
                _callers.Add(item.Actor);
            }
            queue.Enqueue(item);
        }

        /// <summary>
        /// The next group: one heavy write when one waits and the last group was light (or no light write waits);
        /// else light writes, one per caller in turn (the smallest first), up to <paramref name="maxCount"/> writes and
        /// <see cref="HeavyWeight"/> rows.
        /// </summary>
        public void Next(List<WriteItem> group, int maxCount)
        {
            if (_heavy.Count > 0 && (!_heavyLast || _callers.Count == 0))
            {
                group.Add(_heavy.Dequeue());
                Count--;
                _heavyLast = true;
                return;
            }
            _heavyLast = false;
            var rows = 0;
            var added = true;
            // A write a full group left out last time goes first now: smaller writes cannot hold it back for ever.
            if (_skipped is { Count: > 0 } skipped)
            {
                var first = skipped.Dequeue();
                rows += first.Weight;
                group.Add(first);
                Count--;
            }
            _skipped = null;
            while (added && group.Count < maxCount && _callers.Count > 0)
            {
                added = false;
                // Each round takes one write of each caller in turn, the smallest first, so that short writes are
                // not held back by a larger one that fills the group.
                var round = Enumerable.Range(0, _callers.Count)
                    .Select(n => _light[_callers[(_turn + n) % _callers.Count]])
                    .Where(q => q.Count > 0)
                    .OrderBy(q => q.Peek().Weight)
                    .ToList();
                foreach (var queue in round)
                {
                    if (group.Count >= maxCount || (group.Count > 0 && rows + queue.Peek().Weight > HeavyWeight))
                    {
                        _skipped ??= queue;
                        continue;
                    }
                    var item = queue.Dequeue();
                    rows += item.Weight;
                    group.Add(item);
                    Count--;
                    added = true;
                }
            }
            // The next group starts with the caller after this group's first, and callers with nothing left go.
            _turn = _callers.Count == 0 ? 0 : (_turn + 1) % _callers.Count;
            for (var i = _callers.Count - 1; i >= 0; i--)
            {
                if (_light[_callers[i]].Count == 0)
                {
                    _light.Remove(_callers[i]);
                    _callers.RemoveAt(i);
                    if (i < _turn)
                        _turn--;
                }
            }
            if (_turn >= _callers.Count)
                _turn = 0;
        }

        public IEnumerable<WriteItem> Drain()
        {
            var all = _heavy.Concat(_callers.SelectMany(c => _light[c])).ToList();
            _heavy.Clear();
            _light.Clear();
            _callers.Clear();
            Count = 0;
            return all;
        }
    }

    /// <summary>
    /// Runs the group in one transaction. A write that throws is taken out and the others run again from a clean
    /// transaction: cheaper than a savepoint per write, whose statement journal slows large batches several-fold.
    /// </summary>
    private void Commit(List<WriteItem> group)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var pending = group;
        while (pending.Count > 0)
        {
            WriteItem? failed = null;
            try
            {
                using var connection = _database.Open();
                LimitSize(connection);
                using var transaction = connection.BeginTransaction(deferred: false);
                foreach (var item in pending)
                {
                    try
                    {
                        item.Run(connection, transaction);
                    }
                    catch (Exception e) when (pending.Count > 1)
                    {
                        _logger.LogError(e, "A write failed; retrying the other {Count} writes of its group", pending.Count - 1);
                        item.Fail(e);
                        failed = item;
                        break;
                    }
                }
                if (failed is null)
                {
                    transaction.Commit();
                    _metrics.Committed(pending.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started));
                }
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Commit of {Count} writes failed", pending.Count);
                foreach (var item in pending)
                    item.Fail(e);
                return;
            }
            if (failed is null)
            {
                foreach (var item in pending)
                    item.Complete();
                return;
            }
            pending = pending.Where(i => i != failed).ToList();
        }
    }

    /// <summary>Holds the file to the configured size: past it SQLite answers SQLITE_FULL, as it does on a full disk.</summary>
    private void LimitSize(SqliteConnection connection)
    {
        var limit = _database.MaxSizeBytes;
        // Once limited, every commit sets it: pooled connections each keep the value they were given.
        if (limit == 0 && !_limited)
            return;
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA page_size";
        var pageSize = (long)command.ExecuteScalar()!;
        // SQLite's own ceiling when there is no limit.
        command.CommandText = $"PRAGMA max_page_count = {(limit == 0 ? 4294967294 : Math.Max(1, limit / pageSize))}";
        command.ExecuteNonQuery();
        _limited |= limit != 0;
    }

    private bool _limited;

    private abstract class WriteItem(CancellationToken cancellationToken, string actor, int weight)
    {
        public CancellationToken CancellationToken { get; } = cancellationToken;
        public string Actor { get; } = actor;
        public int Weight { get; } = weight;
        public abstract void Run(SqliteConnection connection, SqliteTransaction transaction);
        public abstract void Complete();
        public abstract void Fail(Exception exception);
        public abstract void Cancel();
    }

    private sealed class WriteItem<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken, string actor, int weight)
        : WriteItem(cancellationToken, actor, weight)
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;
        private bool _failed;

        public Task<T> Task => _completion.Task;

        public override void Run(SqliteConnection connection, SqliteTransaction transaction) => _result = work(connection, transaction);

        public override void Complete()
        {
            if (!_failed)
                _completion.TrySetResult(_result!);
        }

        public override void Fail(Exception exception)
        {
            _failed = true;
            _completion.TrySetException(exception);
        }

        public override void Cancel() => _completion.TrySetCanceled(CancellationToken);
    }
}
