using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>
/// The single writer: every write of the service runs here, one at a time, and writes that arrive together
/// commit together (group commit). A write that fails does not undo the others of its group (see <see cref="Commit"/>);
/// a write's caller hears back only after the group's commit is on disk. A write must only change the database:
/// it may run more than once before its group commits.
/// </summary>
public sealed class Writer : BackgroundService
{
    private readonly Database _database;
    private readonly ILogger<Writer> _logger;
    private readonly int _maxGroup;
    private readonly Channel<WriteItem> _queue;
    private readonly TimeProvider _clock;

    public Writer(Database database, IOptions<DatabaseOptions> options, ILogger<Writer> logger, TimeProvider clock)
    {
        _database = database;
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
    public async Task<T> WriteAsync<T>(CallInfo call, Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken, Func<T, string?> objects)
    {
        ArgumentNullException.ThrowIfNull(call);
        var item = new WriteItem<T>((connection, transaction) =>
        {
            var result = work(connection, transaction);
            if (objects(result) is { } written)
                Ledger.AppendEvent(connection, transaction, call, written, _clock.GetUtcNow().ToUnixTimeMilliseconds());
            return result;
        }, cancellationToken);
        await _queue.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        return await item.Task.ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A dedicated thread: SQLite calls block, and the writer must not starve the request thread pool.
        await Task.Factory.StartNew(() => Loop(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    private async Task Loop(CancellationToken stoppingToken)
    {
        var group = new List<WriteItem>(_maxGroup);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                group.Clear();
                while (group.Count < _maxGroup && _queue.Reader.TryRead(out var item))
                {
                    if (item.CancellationToken.IsCancellationRequested)
                        item.Cancel();
                    else
                        group.Add(item);
                }
                if (group.Count > 0)
                    Commit(group);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // Writes still queued at shutdown are refused rather than left waiting.
        _queue.Writer.TryComplete();
        while (_queue.Reader.TryRead(out var left))
            left.Fail(new OperationCanceledException("the service is stopping"));
    }

    /// <summary>
    /// Runs the group in one transaction. A write that throws is taken out and the others run again from a clean
    /// transaction: cheaper than a savepoint per write, whose statement journal slows large batches several-fold.
    /// </summary>
    private void Commit(List<WriteItem> group)
    {
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
                    transaction.Commit();
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

    private abstract class WriteItem(CancellationToken cancellationToken)
    {
        public CancellationToken CancellationToken { get; } = cancellationToken;
        public abstract void Run(SqliteConnection connection, SqliteTransaction transaction);
        public abstract void Complete();
        public abstract void Fail(Exception exception);
        public abstract void Cancel();
    }

    private sealed class WriteItem<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken)
        : WriteItem(cancellationToken)
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
