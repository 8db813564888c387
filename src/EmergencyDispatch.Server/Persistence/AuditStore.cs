using Dapper;
using Microsoft.Data.Sqlite;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>A demand as the auditor names it.</summary>
public sealed record DemandIdentity(long DemandId, string Submitter, string RequestId, long Priority, string DueDate);

/// <summary>A demand's outcome in one plan, with the plan's status and creation time.</summary>
public sealed record PlannedOutcome(long PlanId, string Status, long CreatedAt, PlanOutcomeRow Outcome);

/// <summary>Units a plan gave another demand from the binding factories (ordinal order).</summary>
public sealed record CompetitorUnits(long DemandId, string RequestKey, long Priority, long Units, IReadOnlyList<string> Factories)
{
    /// <summary>For a material shortage: which of the materials that ran out the competitor's sku consumes.</summary>
    public IReadOnlyList<string> Materials { get; init; } = [];
}

/// <summary>The demands that competed with one in a plan: the largest, and how many there were and their units in all.</summary>
public sealed record PlanCompetitors(IReadOnlyList<CompetitorUnits> Largest, long Total, long TotalUnits);

/// <summary>What <see cref="AuditStore.Verify"/> found: ok, or the first entry that does not match and why.</summary>
public sealed record LedgerCheck(bool Ok, long Entries, long HeadSeq, string HeadHash, long BadSeq, string BadKind, long BadId, string Problem);

/// <summary>The auditor's questions about demands across stored plans, the event log and the ledger.</summary>
public sealed class AuditStore(Database database)
{
    /// <summary>Demands by id, or by request_id (and submitter).</summary>
    public IReadOnlyList<DemandIdentity> FindDemands(long demandId, string requestId, string submitter)
    {
        using var connection = database.Open();
        return connection.Query<DemandIdentity>(
            """
            SELECT demand_id AS DemandId, submitter, request_id AS RequestId, priority, due_date AS DueDate FROM demand
            WHERE (@demandId > 0 AND demand_id = @demandId)
               OR (@demandId = 0 AND request_id = @requestId AND (@submitter = '' OR submitter = @submitter))
            ORDER BY demand_id LIMIT 10
            """, new { demandId, requestId, submitter }).AsList();
    }

    /// <summary>The options that could have served a short demand on time in a plan (see <see cref="OptionNotes"/>).</summary>
    public IReadOnlyList<OptionNote> OptionNotes(long planId, long demandId)
    {
        using var connection = database.Open();
        return Persistence.OptionNotes.For(connection, planId, demandId);
    }

    /// <summary>The demand's outcome in every plan that included it, newest first, before the page key.</summary>
    public Page<PlannedOutcome> Outcomes(long demandId, long? beforePlanId, int size)
    {
        using var connection = database.Open();
        var rows = connection.Query<PlanOutcomeRow, (long PlanId, string Status, long CreatedAt), PlannedOutcome>(
            """
            SELECT o.seq, o.demand_id AS DemandId, o.request_key AS RequestKey, o.priority, o.quantity, o.on_time AS OnTime,
                   o.late, o.unmet, o.reason, o.binding, p.plan_id AS PlanId, p.status, p.created_at AS CreatedAt
            FROM plan_outcome o JOIN plan p ON p.plan_id = o.plan_id
            WHERE o.demand_id = @demandId AND o.plan_id < @before
            ORDER BY o.plan_id DESC LIMIT @limit
            """,
            (outcome, plan) => new PlannedOutcome(plan.PlanId, plan.Status, plan.CreatedAt, outcome),
            new { demandId, before = beforePlanId ?? long.MaxValue, limit = size + 1 },
            splitOn: "PlanId").AsList();
        return RegistryStore.PageOf(rows, size, r => [r.PlanId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
    }

    /// <summary>
    /// For each plan, the <paramref name="top"/> other demands of the plan's priority for this demand or higher (a
    /// number at most it) that got the most units from the plan's binding factories on production days up to
    /// <paramref name="dueDate"/> (ties by demand id), with how many such demands there are and their units in all.
    /// </summary>
    /// <summary>
    /// The demands that competed with one for materials that ran out in a plan: those of higher or equal priority
    /// (priority number at most <paramref name="priority"/>) whose sku consumes one of <paramref name="materials"/> (by the
    /// plan's own bill of materials), with the units the plan's production made for them on days up to the due date;
    /// the largest first, ties by demand id.
    /// </summary>
    public PlanCompetitors MaterialCompetitors(long planId, long demandId, string dueDate, long priority, IReadOnlyList<string> materials, int top)
    {
        using var connection = database.Open();
        var json = connection.QuerySingleOrDefault<string>("SELECT inputs_json FROM plan_input WHERE plan_id = @planId", new { planId });
        var consumes = (json is null ? [] : PlanInputJson.ReadBom(json))
            .Where(b => materials.Contains(b.MaterialId, StringComparer.Ordinal))
            .GroupBy(b => b.Sku, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(b => b.MaterialId).ToList(), StringComparer.Ordinal);
        if (consumes.Count == 0)
            return new PlanCompetitors([], 0, 0);
        var rows = connection.Query<(long DemandId, string RequestKey, long Priority, string Sku, long Units)>(
            """
            SELECT a.demand_id, a.request_key, o.priority, a.sku, SUM(a.quantity)
            FROM plan_assignment a JOIN plan_outcome o ON o.plan_id = a.plan_id AND o.demand_id = a.demand_id
            WHERE a.plan_id = @planId AND a.source = 'capacity' AND a.sku IN @skus AND a.production_date <= @dueDate
              AND a.demand_id <> @demandId AND o.priority <= @priority
            GROUP BY a.demand_id, a.request_key, o.priority, a.sku
            """, new { planId, skus = consumes.Keys.ToList(), dueDate, demandId, priority }).AsList();
        var ranked = rows.OrderByDescending(r => r.Units).ThenBy(r => r.DemandId).ToList();
        return new PlanCompetitors(
            [.. ranked.Take(top).Select(r => new CompetitorUnits(r.DemandId, r.RequestKey, r.Priority, r.Units, []) { Materials = consumes[r.Sku] })],
            ranked.Count,
            ranked.Sum(r => r.Units));
    }

    public IReadOnlyDictionary<long, PlanCompetitors> Competitors(
        long demandId, string dueDate, IReadOnlyList<(long PlanId, IReadOnlyList<string> Factories, long Priority)> plans, int top,
        CancellationToken cancellationToken = default)
    {
        var found = new System.Collections.Concurrent.ConcurrentDictionary<long, PlanCompetitors>();
        var work = plans.Where(p => p.Factories.Count > 0).OrderBy(p => p.PlanId).ToList();
        if (work.Count == 0)
            return found;
        // Plans never change, so they can be read side by side: a run of successive plans per worker, on its own
        // connection. plan_factory_units (derived from each plan's assignments when it was stored) keeps a factory's
        // rows of successive plans together: a run reads a range per binding factory, summed here (SQLite would sort
        // every assignment to group them). The ranges also hold plans in between and factories that bind in another
        // plan of the run: those are left out.
        var runs = work.Chunk((work.Count + Environment.ProcessorCount - 1) / Environment.ProcessorCount).ToList();
        Parallel.ForEach(runs, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, () => (Connection: database.Open(), Sums: Sums()), (run, _, worker) =>
        {
            var (connection, sums) = worker;
            sums.Start(demandId, FactoryUnits.DateKey(dueDate), run);
            using (var command = connection.CreateCommand())
            {
                command.CommandText = """
                    SELECT factory_id, plan_id, entries FROM plan_factory_units
                    WHERE factory_id IN (SELECT value FROM json_each($factories)) AND plan_id BETWEEN $first AND $last
                    """;
                command.Parameters.AddWithValue("$factories", System.Text.Json.JsonSerializer.Serialize(run.SelectMany(p => p.Factories).Distinct(StringComparer.Ordinal)));
                command.Parameters.AddWithValue("$first", run[0].PlanId);
                command.Parameters.AddWithValue("$last", run[^1].PlanId);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                    sums.Add(reader.GetString(0), reader.GetInt64(1), reader.GetFieldValue<byte[]>(2));
            }
            foreach (var (planId, competitors) in sums.Largest(top))
                found[planId] = competitors;
            return worker;
        }, worker =>
        {
            worker.Connection.Dispose();
            if (_sums.Count < Environment.ProcessorCount)
                _sums.Add(worker.Sums);
        });
        return found;
    }

    /// <summary>Sums of earlier calls, to be used again: at most one per core is kept.</summary>
    private readonly System.Collections.Concurrent.ConcurrentBag<CompetitorSums> _sums = [];

    private CompetitorSums Sums() => _sums.TryTake(out var sums) ? sums : new CompetitorSums();

    /// <summary>Whether a plan's plan_factory_units rows are exactly what its assignments and outcomes give (see <see cref="FactoryUnits"/>).</summary>
    private static bool DerivedMatches(Microsoft.Data.Sqlite.SqliteConnection connection, long planId, long storedRows)
    {
        var priorityOf = connection.Query<(long DemandId, long Priority)>(
            "SELECT demand_id, priority FROM plan_outcome WHERE plan_id = @planId", new { planId }).ToDictionary(r => r.DemandId, r => (int)r.Priority);
        var byFactory = connection.Query<(string FactoryId, string ProductionDate, long DemandId, long Quantity, string RequestKey)>(
            "SELECT factory_id, production_date, demand_id, quantity, request_key FROM plan_assignment WHERE plan_id = @planId", new { planId })
            .GroupBy(a => a.FactoryId, StringComparer.Ordinal).ToList();
        if (byFactory.Count != storedRows)
            return false;
        // The stored rows of the plan's factories, by primary key in one statement; anything but a blob (a tampered row
        // may hold text) does not match.
        var stored = connection.Query<(string FactoryId, byte[] Entries)>(
            """
            SELECT u.factory_id, CASE WHEN typeof(u.entries) = 'blob' THEN u.entries ELSE x'' END
            FROM (SELECT DISTINCT factory_id FROM plan_assignment WHERE plan_id = @planId) f
            CROSS JOIN plan_factory_units u ON u.factory_id = f.factory_id AND u.plan_id = @planId
            """, new { planId }).ToDictionary(r => r.FactoryId, r => r.Entries, StringComparer.Ordinal);
        foreach (var factory in byFactory)
        {
            var expected = FactoryUnits.Encode(factory.Select(a => new FactoryUnits.Assignment(
                FactoryUnits.DateKey(a.ProductionDate), priorityOf.GetValueOrDefault(a.DemandId), a.DemandId, a.Quantity, a.RequestKey)));
            if (!stored.TryGetValue(factory.Key, out var entries) || !entries.AsSpan().SequenceEqual(expected))
                return false;
        }
        return true;
    }

    /// <summary>Events oldest first, filtered, after the page key.</summary>
    public Page<EventRow> Events(string? rpc, string? actor, long? from, long? to, long afterId, int size)
    {
        using var connection = database.Open();
        var rows = connection.Query<EventRow>(
            """
            SELECT event_id AS EventId, at, actor, rpc, objects FROM event
            WHERE event_id > @afterId AND (@rpc IS NULL OR rpc = @rpc) AND (@actor IS NULL OR actor = @actor)
              AND at >= @from AND at < @to
            ORDER BY event_id LIMIT @limit
            """, new { afterId, rpc, actor, from = from ?? long.MinValue, to = to ?? long.MaxValue, limit = size + 1 }).AsList();
        return RegistryStore.PageOf(rows, size, r => [r.EventId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
    }

    /// <summary>The ledger's latest entry; (0, 64 zeros) when it is empty.</summary>
    public (long Seq, string Hash) Head()
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<(long, string)?>("SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1") ?? (0, Ledger.Genesis);
    }

    /// <summary>
    /// Recomputes every entry from what is stored now: entries numbered 1, 2, 3 …, each
    /// object present and hashing to its entry after the previous one, every plan and event with an entry, and, given
    /// a head kept earlier, that entry still there with that hash.
    /// </summary>
    public LedgerCheck Verify((long Seq, string Hash)? head, CancellationToken cancellationToken = default)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: true);
        var entries = connection.Query<(long Seq, string Kind, long RefId, long Format, string Hash)>(
            "SELECT seq, kind, ref_id, format, hash FROM ledger ORDER BY seq", transaction: transaction).AsList();
        var (lastSeq, lastHash) = entries.Count == 0 ? (0L, Ledger.Genesis) : (entries[^1].Seq, entries[^1].Hash);
        LedgerCheck Bad(long seq, string kind, long id, string problem) => new(false, entries.Count, lastSeq, lastHash, seq, kind, id, problem);

        // Each entry's own digest, side by side on every core (one connection per worker); then the chain, in order.
        // A plan's derived rows for ExplainDemand are checked against the assignments its digest covers. Each entry is
        // digested in the format it was written in; an entry in a format never written has no digest to match.
        var digests = new string?[entries.Count];
        var derivedOk = new bool[entries.Count];
        var derivedRows = connection.Query<(long PlanId, long Rows)>(
            "SELECT plan_id, COUNT(*) FROM plan_factory_units GROUP BY plan_id", transaction: transaction).ToDictionary(r => r.PlanId, r => r.Rows);
        // The call's cancellation (its deadline) stops the digests between entries.
        Parallel.For(0, entries.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, database.Open,
            (i, _, worker) =>
            {
                var (_, kind, refId, format, _) = entries[i];
                derivedOk[i] = kind != "plan" || DerivedMatches(worker, refId, derivedRows.GetValueOrDefault(refId));
                digests[i] = !Ledger.IsFormat(kind, format) ? null
                    : kind == "plan"
                    ? Ledger.PlanDigest(worker, null, refId, format)
                    : worker.QuerySingleOrDefault<EventRow>("SELECT event_id AS EventId, at, actor, rpc, objects FROM event WHERE event_id = @refId", new { refId }) is { } e
                        ? Ledger.EventDigest(e) : null;
                return worker;
            },
            worker => worker.Dispose());
        var previous = Ledger.Genesis;
        var expected = 1L;
        for (var i = 0; i < entries.Count; i++)
        {
            var (seq, kind, refId, format, hash) = entries[i];
            if (seq != expected)
                return Bad(expected, "", 0, $"entry {expected} is missing (the next is {seq})");
            if (!Ledger.IsFormat(kind, format))
                return Bad(seq, kind, refId, $"{kind} {refId}'s entry names format {format}, in which no {kind} entry is written");
            if (digests[i] is not { } digest)
                return Bad(seq, kind, refId, $"{kind} {refId} is missing");
            if (Ledger.Hash(previous, digest) != hash)
                return Bad(seq, kind, refId, $"{kind} {refId} does not match its entry: it was changed, or entries were reordered");
            if (!derivedOk[i])
                return Bad(seq, kind, refId, $"{kind} {refId}'s rows for ExplainDemand (plan_factory_units) do not match its assignments");
            previous = hash;
            expected++;
        }
        foreach (var (kind, table, id) in new[] { ("plan", "plan", "plan_id"), ("event", "event", "event_id") })
        {
            var loose = connection.QuerySingleOrDefault<long?>(
                $"SELECT MIN({id}) FROM {table} WHERE {id} NOT IN (SELECT ref_id FROM ledger WHERE kind = @kind)", new { kind }, transaction);
            if (loose is { } looseId)
                return Bad(0, kind, looseId, $"{kind} {looseId} has no ledger entry");
        }
        if (head is { } h)
        {
            if (h.Seq > lastSeq)
                return Bad(h.Seq, "", 0, $"the ledger ends at entry {lastSeq}, before the head kept at entry {h.Seq}: it was cut back");
            if (h.Seq > 0 && entries[(int)h.Seq - 1].Hash != h.Hash)
                return Bad(h.Seq, entries[(int)h.Seq - 1].Kind, entries[(int)h.Seq - 1].RefId, $"entry {h.Seq} is not the head kept earlier: the ledger was rewritten");
        }
        return new LedgerCheck(true, entries.Count, lastSeq, lastHash, 0, "", 0, "");
    }
}
