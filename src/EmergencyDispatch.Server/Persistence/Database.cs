using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>The SQLite database: where it is and how every connection to it is set up.</summary>
public sealed class Database
{
    private readonly string _connectionString;
    private readonly int _busyTimeoutMs;

    public Database(IConfiguration configuration, IOptions<DatabaseOptions> options)
    {
        var configured = configuration.GetConnectionString("Dispatch");
        var builder = new SqliteConnectionStringBuilder(string.IsNullOrWhiteSpace(configured) ? "Data Source=data/dispatch.db" : configured)
        {
            ForeignKeys = true,
        };
        if (!Path.IsPathRooted(builder.DataSource) && builder.DataSource != ":memory:")
            builder.DataSource = Path.GetFullPath(builder.DataSource);
        FilePath = builder.DataSource;
        _connectionString = builder.ToString();
        _busyTimeoutMs = options.Value.BusyTimeoutMs;
        MaxSizeBytes = options.Value.MaxSizeMb * 1024 * 1024;
    }

    /// <summary>The size limit the writer applies before each commit (0: none); starts at Dispatch:Database:MaxSizeMb and can be changed while running.</summary>
    public long MaxSizeBytes
    {
        get => Interlocked.Read(ref _maxSizeBytes);
        set => Interlocked.Exchange(ref _maxSizeBytes, Math.Max(0, value));
    }

    private long _maxSizeBytes;

    /// <summary>The full path of the database file.</summary>
    public string FilePath { get; }

    /// <summary>Physical connections (native handles) that have their pragmas already: they keep them while pooled.</summary>
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> _configured = [];

    /// <summary>Opens a pooled connection with the pragmas every connection needs (set once per physical connection).</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        if (connection.Handle is { } handle && _configured.TryGetValue(handle, out _))
            return connection;
        using var command = connection.CreateCommand();
        // FULL: a commit is on disk before the caller hears of it. Checkpoints are the Checkpointer's job.
        command.CommandText = $"PRAGMA busy_timeout = {_busyTimeoutMs}; PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -32768;";
        command.ExecuteNonQuery();
        if (connection.Handle is { } opened)
            _configured.AddOrUpdate(opened, opened);
        return connection;
    }

    /// <summary>Creates the folder, switches the file to WAL and applies pending migrations.</summary>
    public IReadOnlyList<string> Initialise()
    {
        var folder = Path.GetDirectoryName(FilePath);
        if (!string.IsNullOrEmpty(folder))
            Directory.CreateDirectory(folder);
        using var connection = Open();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "PRAGMA journal_mode = WAL;";
            command.ExecuteNonQuery();
        }
        var applied = Migrator.Apply(connection);
        if (applied.Any(name => name.StartsWith("0006_", StringComparison.Ordinal)))
            LedgerPlansStoredBefore(connection);
        return applied;
    }

    /// <summary>
    /// Plans stored before the ledger existed get their entries, in plan order, the moment it is created (before any
    /// other write can append one); any plan added later without an entry is reported by VerifyLedger.
    /// </summary>
    private static void LedgerPlansStoredBefore(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        foreach (var planId in Dapper.SqlMapper.Query<long>(connection, "SELECT plan_id FROM plan ORDER BY plan_id", transaction: transaction).ToList())
            Ledger.AppendPlan(connection, transaction, planId);
        transaction.Commit();
    }
}
