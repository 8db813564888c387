using Microsoft.Data.Sqlite;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>
/// Copies the WAL back into the database file on its own thread, so that the writer never pays for it on a commit
/// (connections open with <c>wal_autocheckpoint = 0</c>). Passive: it never blocks readers or the writer.
/// </summary>
public sealed class Checkpointer(Database database, ILogger<Checkpointer> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                Checkpoint("PASSIVE");
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        Checkpoint("TRUNCATE");
    }

    private void Checkpoint(string mode)
    {
        try
        {
            using var connection = database.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA wal_checkpoint({mode})";
            command.ExecuteNonQuery();
        }
        catch (SqliteException e)
        {
            // The next tick tries again; the WAL only grows meanwhile, nothing is lost.
            logger.LogWarning(e, "WAL checkpoint ({Mode}) failed with SQLite error {Code}", mode, e.SqliteErrorCode);
        }
    }
}
