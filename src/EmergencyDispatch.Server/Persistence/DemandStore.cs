using Dapper;
using EmergencyDispatch.Planning.Model;
using Microsoft.Data.Sqlite;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>What a demand batch came to: stored rows in request order, or why nothing was stored.</summary>
public sealed record SubmitResult(
    IReadOnlyList<DemandRow> Demands,
    int Created,
    int Replayed,
    IReadOnlyList<Violation> Violations,
    int? ConflictLine)
{
    public static SubmitResult Invalid(IReadOnlyList<Violation> violations) => new([], 0, 0, violations, null);
    public static SubmitResult Conflict(int line) => new([], 0, 0, [], line);
}

/// <summary>Stores and reads demand.</summary>
public sealed class DemandStore(Database database, Writer writer, AssignmentFeed feed, TimeProvider clock)
{
    public const string Open = "OPEN";
    public const string Cancelled = "CANCELLED";
    public const string PartiallyFulfilled = "PARTIALLY_FULFILLED";
    public const string Fulfilled = "FULFILLED";

    private const string Columns = """
        demand_id AS DemandId, submitter, request_id AS RequestId, sku, quantity, region, due_date AS DueDate,
        priority, status, submitted_at AS SubmittedAt, cancelled_at AS CancelledAt, cancel_reason AS CancelReason,
        produced
        """;

    /// <summary>
    /// Stores a batch of lines atomically for one submitter (the call's actor), idempotent on request_id: identical lines replay the
    /// stored demand; a used request_id with other content refuses the whole batch. Lines are already checked for
    /// their own rules; the sku and region are checked here, against the registry as it is at commit.
    /// </summary>
    public Task<SubmitResult> SubmitAsync(CallInfo call, IReadOnlyList<DemandLine> lines, CancellationToken ct) =>
        writer.WriteAsync(call, (connection, transaction) => Submit(connection, transaction, call.Actor, lines), ct,
            r => r.Violations.Count > 0 || r.ConflictLine is not null ? null
                : Ledger.Describe("demand", [.. r.Demands.Select(d => d.DemandId.ToString(System.Globalization.CultureInfo.InvariantCulture))])
                  + (r.Replayed > 0 ? $", {r.Replayed} replayed" : ""), weight: lines.Count);

    private SubmitResult Submit(SqliteConnection connection, SqliteTransaction transaction, string submitter, IReadOnlyList<DemandLine> lines)
    {
        var violations = new List<Violation>();
        foreach (var i in RegistryStore.MissingKeys(connection, transaction, "product", "sku", lines.Select(l => l.Sku).ToList()))
            violations.Add(new Violation($"lines[{i}].sku", $"unknown sku '{lines[i].Sku}'"));
        var regions = new Dictionary<string, bool>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Count; i++)
        {
            var region = lines[i].Region;
            if (!regions.TryGetValue(region, out var known))
                regions[region] = known = RegistryStore.IsKnownRegion(connection, transaction, region);
            if (!known)
                violations.Add(new Violation($"lines[{i}].region", $"region '{region}' is known to no factory and no lane"));
        }
        if (violations.Count > 0)
            return SubmitResult.Invalid(violations.OrderBy(v => v.Field, StringComparer.Ordinal).ToList());

        // The hot path of intake: two prepared statements re-bound per line instead of a fresh command each.
        using var find = connection.CreateCommand();
        find.Transaction = transaction;
        find.CommandText = $"SELECT {Columns} FROM demand WHERE submitter = $submitter AND request_id = $request_id";
        find.Parameters.AddWithValue("$submitter", submitter);
        var findRequest = find.Parameters.Add("$request_id", SqliteType.Text);
        find.Prepare();

        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO demand (submitter, request_id, sku, quantity, region, due_date, priority, status, submitted_at)
            VALUES ($submitter, $request_id, $sku, $quantity, $region, $due_date, $priority, 'OPEN', $at)
            RETURNING demand_id
            """;
        var at = clock.GetUtcNow().ToUnixTimeMilliseconds();
        insert.Parameters.AddWithValue("$submitter", submitter);
        insert.Parameters.AddWithValue("$at", at);
        var pRequest = insert.Parameters.Add("$request_id", SqliteType.Text);
        var pSku = insert.Parameters.Add("$sku", SqliteType.Text);
        var pQuantity = insert.Parameters.Add("$quantity", SqliteType.Integer);
        var pRegion = insert.Parameters.Add("$region", SqliteType.Text);
        var pDue = insert.Parameters.Add("$due_date", SqliteType.Text);
        var pPriority = insert.Parameters.Add("$priority", SqliteType.Integer);
        insert.Prepare();

        // First every lookup, so that a conflict refuses the batch before anything of it is written.
        var stored = new DemandRow[lines.Count];
        var dueDates = new string[lines.Count];
        int created = 0, replayed = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            dueDates[i] = line.DueDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            findRequest.Value = line.RequestId;
            using var reader = find.ExecuteReader();
            if (!reader.Read())
                continue;
            var existing = ReadRow(reader);
            if (existing.Sku != line.Sku || existing.Quantity != line.Quantity || existing.Region != line.Region
                || existing.DueDate != dueDates[i] || existing.Priority != (long)line.Priority)
                return SubmitResult.Conflict(i);
            stored[i] = existing;
            replayed++;
        }
        for (var i = 0; i < lines.Count; i++)
        {
            if (stored[i] is not null)
                continue;
            var line = lines[i];
            pRequest.Value = line.RequestId;
            pSku.Value = line.Sku;
            pQuantity.Value = line.Quantity;
            pRegion.Value = line.Region;
            pDue.Value = dueDates[i];
            pPriority.Value = (long)line.Priority;
            var id = (long)insert.ExecuteScalar()!;
            stored[i] = new DemandRow(id, submitter, line.RequestId, line.Sku, line.Quantity, line.Region, dueDates[i], (long)line.Priority, Open, at, null, null, 0);
            created++;
        }
        return new SubmitResult(stored, created, replayed, [], null);
    }

    /// <summary>
    /// Cancels an open demand and, in the same transaction, stops its live assignments (see
    /// <see cref="AssignmentStore.StopForCancelledDemand"/>), each a change their factories' watches get; a cancelled
    /// one is returned as it is; null when there is no such demand.
    /// </summary>
    public async Task<DemandRow?> CancelAsync(long demandId, string reason, CallInfo call, CancellationToken ct)
    {
        var (row, stopped) = await writer.WriteAsync(call, (connection, transaction) =>
        {
            var at = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var cancelled = connection.Execute(
                """
                UPDATE demand SET status = 'CANCELLED', cancelled_at = @at, cancel_reason = @reason
                WHERE demand_id = @demandId AND status IN ('OPEN', 'PARTIALLY_FULFILLED')
                """,
                new { demandId, reason, at }, transaction) > 0;
            var stopped = cancelled ? AssignmentStore.StopForCancelledDemand(connection, transaction, demandId, at) : [];
            return (connection.QuerySingleOrDefault<DemandRow>($"SELECT {Columns} FROM demand WHERE demand_id = @demandId", new { demandId }, transaction), stopped);
        }, ct, r => r.Item1 is null ? null
            : $"demand {r.Item1.DemandId}" + (r.Item2.Count == 0 ? ""
                : ", " + Ledger.Describe("assignment", [.. r.Item2.Select(a => $"{a.AssignmentId} {a.Status}")])));
        if (stopped.Count > 0)
            feed.Notify([.. stopped.Select(a => a.FactoryId).Distinct(StringComparer.Ordinal)]);
        return row;
    }

    public DemandRow? Get(long demandId)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<DemandRow>($"SELECT {Columns} FROM demand WHERE demand_id = @demandId", new { demandId });
    }

    /// <summary>The demand a submitter sent with this request_id, if any.</summary>
    public DemandRow? FindByRequest(string submitter, string requestId)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<DemandRow>(
            $"SELECT {Columns} FROM demand WHERE submitter = @submitter AND request_id = @requestId", new { submitter, requestId });
    }

    /// <summary>Filters for listing demand; null means any. <paramref name="NotSubmitter"/> leaves out one submitter's demand.</summary>
    public sealed record Filter(
        IReadOnlyList<string>? Statuses, string? Region, string? Sku, long? Priority, string? Submitter,
        IReadOnlyList<string>? RequestIds = null, string? NotSubmitter = null);

    /// <summary>
    /// The submitters, one index seek each (demand has no index on request_id alone: intake is faster without it),
    /// so that request_ids can be looked up by the (submitter, request_id) key instead of scanning every demand.
    /// </summary>
    private const string Submitters = """
        WITH RECURSIVE submitters(name) AS (
            SELECT MIN(submitter) FROM demand
            UNION ALL
            SELECT (SELECT MIN(submitter) FROM demand WHERE submitter > name) FROM submitters WHERE name IS NOT NULL
        )
        """;

    public Page<DemandRow> List(Filter filter, long after, int size)
    {
        var where = new List<string> { "demand_id > @after" };
        var parameters = new DynamicParameters(new { after, limit = size + 1 });
        if (filter.Statuses is { Count: > 0 })
        {
            where.Add("status IN @statuses");
            parameters.Add("statuses", filter.Statuses);
        }
        if (filter.Region is not null)
        {
            where.Add("region = @region");
            parameters.Add("region", filter.Region);
        }
        if (filter.Sku is not null)
        {
            where.Add("sku = @sku");
            parameters.Add("sku", filter.Sku);
        }
        if (filter.Priority is not null)
        {
            where.Add("priority = @priority");
            parameters.Add("priority", filter.Priority);
        }
        if (filter.Submitter is not null)
        {
            where.Add("submitter = @submitter");
            parameters.Add("submitter", filter.Submitter);
        }
        if (filter.NotSubmitter is not null)
        {
            where.Add("submitter <> @notSubmitter");
            parameters.Add("notSubmitter", filter.NotSubmitter);
        }
        var with = "";
        if (filter.RequestIds is { Count: > 0 })
        {
            // CROSS JOIN keeps the submitters outside, so each (submitter, request_id) pair is one seek of the unique key.
            with = Submitters;
            where.Add("""
                demand_id IN (
                    SELECT d.demand_id FROM submitters s CROSS JOIN demand d
                    WHERE d.submitter = s.name AND d.request_id IN (SELECT value FROM json_each(@requestIds)))
                """);
            parameters.Add("requestIds", System.Text.Json.JsonSerializer.Serialize(filter.RequestIds));
        }
        using var connection = database.Open();
        var rows = connection.Query<DemandRow>(
            $"{with}SELECT {Columns} FROM demand WHERE {string.Join(" AND ", where)} ORDER BY demand_id LIMIT @limit", parameters).AsList();
        return RegistryStore.PageOf(rows, size, r => [r.DemandId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
    }

    private static DemandRow ReadRow(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetString(5), r.GetString(6),
        r.GetInt64(7), r.GetString(8), r.GetInt64(9), r.IsDBNull(10) ? null : r.GetInt64(10), r.IsDBNull(11) ? null : r.GetString(11), r.GetInt64(12));
}
