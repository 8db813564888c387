using System.Reflection;
using Dapper;
using Microsoft.Data.Sqlite;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>Applies the ordered SQL scripts in <c>Persistence/Migrations</c> and records each in <c>schema_migrations</c>.</summary>
public static class Migrator
{
    /// <summary>Applies every script not yet recorded, each in its own transaction; returns the names applied.</summary>
    public static IReadOnlyList<string> Apply(SqliteConnection connection)
    {
        connection.Execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    INTEGER PRIMARY KEY NOT NULL,
                name       TEXT NOT NULL,
                applied_at INTEGER NOT NULL
            )
            """);
        var applied = connection.Query<long>("SELECT version FROM schema_migrations").ToHashSet();
        var done = new List<string>();
        foreach (var (version, name, sql) in Scripts())
        {
            if (applied.Contains(version))
                continue;
            using var transaction = connection.BeginTransaction();
            connection.Execute(sql, transaction: transaction);
            connection.Execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)",
                new { version, name, at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() },
                transaction);
            transaction.Commit();
            done.Add(name);
        }
        return done;
    }

    /// <summary>The embedded scripts ordered by the number their file name starts with.</summary>
    public static IEnumerable<(long Version, string Name, string Sql)> Scripts()
    {
        var assembly = Assembly.GetExecutingAssembly();
        const string prefix = "EmergencyDispatch.Server.Persistence.Migrations.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var name = n[prefix.Length..];
                var version = long.Parse(name[..name.IndexOf('_')], System.Globalization.CultureInfo.InvariantCulture);
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return (version, name, reader.ReadToEnd());
            })
            .OrderBy(s => s.version);
    }
}
