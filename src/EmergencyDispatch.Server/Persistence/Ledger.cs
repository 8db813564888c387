using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>One stored event.</summary>
public sealed record EventRow(long EventId, long At, string Actor, string Rpc, string Objects);

/// <summary>
/// The tamper-evident ledger: every stored plan and every event is an entry, in order, whose hash is
/// SHA-256(previous entry's hash as lowercase hex, '\n', SHA-256 of the entry's canonical bytes as lowercase hex); the
/// first entry's previous hash is 64 zeros. (Hashing each entry's bytes on their own lets a verifier digest the entries
/// in parallel and chain the digests after.) Each entry records the format of its canonical bytes (ledger.format); an
/// entry is always checked in the format it was written in, and entries are never hashed again.
/// Canonical bytes are UTF-8 text, one field per line, each line ending in '\n', numbers in invariant culture (doubles in
/// their shortest round-trip form, NULL as an empty field):
/// <list type="bullet">
/// <item>an event (format 1) is <c>event</c>, event_id, at, actor, rpc, objects;</item>
/// <item>a plan in format 4 (every plan stored since migration 0016) is format 3's bytes with <c>plan/4</c> first and the
/// plan columns added since format 3 (<see cref="PlanColumnsSince"/>: option_budget) among the <c>name=value</c> lines;</item>
/// <item>a plan in format 3 (plans stored from migration 0013 to 0016) is format 2's bytes with <c>plan/3</c> first, each
/// assignment's row ending in its source, and after the commitments a group per material flow (seq, material_id,
/// from_region, to_region, ship_date, arrival_date, quantity);</item>
/// <item>a plan in format 2 (plans stored from migration 0011 to 0013) is <c>plan/2</c>, then a line
/// <c>name=value</c> for every column of the <c>plan</c> table in the table's column order (read from the schema when the
/// bytes are made, so a column added later is covered too) except <see cref="PlanColumnsOutside"/> (status and
/// publication: publishing is an event of its own), then the inputs JSON, then the plan's rows;</item>
/// <item>a plan in format 1 (plans stored before migration 0011) is <c>plan</c>, plan_id, created_at, created_by,
/// start_date, horizon_days, planner, time_limit_ms, completion, last_completed_step, assignment_count, demand_count,
/// assignments_sha256, frozen_days, baseline_plan_id, loop_version, the inputs JSON, then the plan's rows. It does not
/// cover commitment_count, exclusion_count and units_kept/moved/dropped/added.</item>
/// </list>
/// A plan's rows are, in this order, each group after a line <c>--</c>, a line per step (seq, step, value, seconds), per
/// priority (priority, demands, servable_demands, quantity, on_time, late, unmet, smallest_fill_ratio), per assignment
/// (seq, factory_id, demand_id, request_key, sku, production_date, arrival_date, quantity), per outcome (seq, demand_id,
/// request_key, priority, quantity, on_time, late, unmet, reason, binding) and per commitment (assignment_id,
/// quantity), fields tab-separated, in key order. A plan's derived rows for ExplainDemand (plan_factory_units) are not
/// part of it: VerifyLedger checks them against the assignments.
/// A migration that adds a column to <c>plan</c> changes the format 2 bytes of the plans stored before it: it must come
/// with a format 3, format 2 keeping its columns by name (LedgerTests pins the columns).
/// </summary>
public static class Ledger
{
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>
    /// The format of the canonical bytes of plans ledgered now: 4 adds the plan's option budget to format 3's columns
    /// (3 added each assignment's source and the plan's material flows to format 2's rows). Entries keep the format
    /// they were written in.
    /// </summary>
    public const int PlanFormat = 4;

    /// <summary>
    /// Columns of <c>plan</c> added after format 2, with the first format that covers each: the plans ledgered before
    /// it keep the bytes they were hashed with.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, int> PlanColumnsSince = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase)
    {
        ["option_budget"] = 4,
    };

    /// <summary>The format of the canonical bytes of events (the only one there has been).</summary>
    public const int EventFormat = 1;

    /// <summary>The columns of <c>plan</c> outside its canonical bytes: its status and publication change after it is stored.</summary>
    public static readonly IReadOnlyList<string> PlanColumnsOutside = ["status", "published_at", "published_by"];

    /// <summary>Whether entries of this kind are ever written in this format.</summary>
    public static bool IsFormat(string kind, long format) =>
        kind == "event" ? format == EventFormat : kind == "plan" && format is 1 or 2 or 3 or PlanFormat;

    /// <summary>Appends an event and its ledger entry in the caller's transaction.</summary>
    public static void AppendEvent(SqliteConnection connection, SqliteTransaction transaction, CallInfo call, string objects, long at)
    {
        var eventId = connection.ExecuteScalar<long>(
            "INSERT INTO event (at, actor, rpc, objects) VALUES (@at, @Actor, @Rpc, @objects) RETURNING event_id",
            new { at, call.Actor, call.Rpc, objects }, transaction);
        Append(connection, transaction, "event", eventId, EventFormat, EventDigest(new EventRow(eventId, at, call.Actor, call.Rpc, objects)));
    }

    /// <summary>Appends a stored plan's ledger entry in the caller's transaction.</summary>
    public static void AppendPlan(SqliteConnection connection, SqliteTransaction transaction, long planId) =>
        Append(connection, transaction, "plan", planId, PlanFormat, PlanDigest(connection, transaction, planId, PlanFormat)
            ?? throw new InvalidOperationException($"plan {planId} is not stored"));

    private static void Append(SqliteConnection connection, SqliteTransaction transaction, string kind, long refId, int format, string canonical)
    {
        var previous = connection.QuerySingleOrDefault<string>("SELECT hash FROM ledger ORDER BY seq DESC LIMIT 1", transaction: transaction) ?? Genesis;
        connection.Execute("INSERT INTO ledger (kind, ref_id, format, hash) VALUES (@kind, @refId, @format, @hash)",
            new { kind, refId, format, hash = Hash(previous, canonical) }, transaction);
    }

    /// <summary>Names written objects for the event log: the first ten ids and how many there were.</summary>
    public static string Describe(string kind, IReadOnlyCollection<string> ids) =>
        ids.Count == 0 ? kind + " (0)" : $"{kind} {string.Join(", ", ids.Take(10))}{(ids.Count > 10 ? ", …" : "")} ({ids.Count})";

    /// <summary>An entry's hash from the previous entry's and the digest of its own canonical bytes.</summary>
    public static string Hash(string previous, string digest) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(previous + "\n" + digest)));

    /// <summary>SHA-256 (lowercase hex) of an event's canonical bytes.</summary>
    public static string EventDigest(EventRow e) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', "event", N(e.EventId), N(e.At), e.Actor, e.Rpc, e.Objects) + "\n")));

    /// <summary>
    /// SHA-256 (lowercase hex) of a stored plan's canonical bytes in a format (1 or <see cref="PlanFormat"/>), read from
    /// its tables; null when the plan row is gone.
    /// </summary>
    public static string? PlanDigest(SqliteConnection connection, SqliteTransaction? transaction, long planId, long format)
    {
        var fields = format switch
        {
            1 => FormatOneFields(connection, transaction, planId),
            2 or 3 or PlanFormat => PlanFields(connection, transaction, planId, format),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "not a format of plan entries"),
        };
        if (fields is null)
            return null;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var text = new StreamWriter(new HashingStream(sha), new UTF8Encoding(false), 1 << 16) { NewLine = "\n" })
        {
            text.Write(format == 1 ? "plan\n" : $"plan/{format}\n");
            foreach (var field in fields)
            {
                text.Write(field);
                text.Write('\n');
            }
            WriteRows(connection, transaction, text, planId, format);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Format 1: the plan columns up to loop_version, then the inputs JSON.</summary>
    private static List<string>? FormatOneFields(SqliteConnection connection, SqliteTransaction? transaction, long planId)
    {
        var plan = connection.QuerySingleOrDefault(
            """
            SELECT plan_id, created_at, created_by, start_date, horizon_days, planner, time_limit_ms, completion, last_completed_step,
                   assignment_count, demand_count, assignments_sha256, frozen_days, baseline_plan_id, loop_version, i.inputs_json
            FROM plan p LEFT JOIN plan_input i USING (plan_id) WHERE plan_id = @planId
            """, new { planId }, transaction);
        return plan is null ? null : [.. ((IDictionary<string, object?>)plan).Values.Select(Field)];
    }

    /// <summary>
    /// Formats 2 to 4: <c>name=value</c> for every column of plan but <see cref="PlanColumnsOutside"/> and those added after the
    /// format (<see cref="PlanColumnsSince"/>), in column order, then the inputs JSON.
    /// </summary>
    private static List<string>? PlanFields(SqliteConnection connection, SqliteTransaction? transaction, long planId, long format)
    {
        var columns = connection.Query<string>("SELECT name FROM pragma_table_info('plan') ORDER BY cid", transaction: transaction)
            .Where(c => !PlanColumnsOutside.Contains(c, StringComparer.OrdinalIgnoreCase) && PlanColumnsSince.GetValueOrDefault(c, 2) <= format)
            .ToList();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        // The column list comes from the schema, so the statement is built here; each name is quoted as an identifier.
        command.CommandText =
            $"SELECT {string.Join(", ", columns.Select(c => "p.\"" + c.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""))}, i.inputs_json "
            + "FROM plan p LEFT JOIN plan_input i ON i.plan_id = p.plan_id WHERE p.plan_id = @planId";
        command.Parameters.AddWithValue("@planId", planId);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
            return null;
        var fields = new List<string>(columns.Count + 1);
        for (var i = 0; i < columns.Count; i++)
            fields.Add(columns[i] + "=" + Field(reader.IsDBNull(i) ? null : reader.GetValue(i)));
        fields.Add(Field(reader.IsDBNull(columns.Count) ? null : reader.GetValue(columns.Count)));
        return fields;
    }

    private static void WriteRows(SqliteConnection connection, SqliteTransaction? transaction, StreamWriter text, long planId, long format)
    {
        var source = format >= 3 ? ", source" : "";
        Rows(connection, transaction, text, "SELECT seq, step, value, seconds FROM plan_step WHERE plan_id = @planId ORDER BY seq", planId);
        Rows(connection, transaction, text,
            "SELECT priority, demands, servable_demands, quantity, on_time, late, unmet, smallest_fill_ratio FROM plan_priority WHERE plan_id = @planId ORDER BY priority", planId);
        Rows(connection, transaction, text,
            $"SELECT seq, factory_id, demand_id, request_key, sku, production_date, arrival_date, quantity{source} FROM plan_assignment WHERE plan_id = @planId ORDER BY seq", planId);
        Rows(connection, transaction, text,
            "SELECT seq, demand_id, request_key, priority, quantity, on_time, late, unmet, reason, binding FROM plan_outcome WHERE plan_id = @planId ORDER BY seq", planId);
        Rows(connection, transaction, text, "SELECT assignment_id, quantity FROM plan_commitment WHERE plan_id = @planId ORDER BY assignment_id", planId);
        if (format >= 3)
        {
            Rows(connection, transaction, text,
                "SELECT seq, material_id, from_region, to_region, ship_date, arrival_date, quantity FROM plan_material_flow WHERE plan_id = @planId ORDER BY seq", planId);
        }
    }

    private static void Rows(SqliteConnection connection, SqliteTransaction? transaction, StreamWriter text, string sql, long planId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("@planId", planId);
        using var reader = command.ExecuteReader();
        text.Write("--\n");
        while (reader.Read())
        {
            for (var i = 0; i < reader.FieldCount; i++)
            {
                if (i > 0)
                    text.Write('\t');
                text.Write(Field(reader.IsDBNull(i) ? null : reader.GetValue(i)));
            }
            text.Write('\n');
        }
    }

    private static string Field(object? value) => value switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        long l => N(l),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A write-only stream that feeds an incremental hash.</summary>
    private sealed class HashingStream(IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => hash.AppendData(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => hash.AppendData(buffer);
    }
}
