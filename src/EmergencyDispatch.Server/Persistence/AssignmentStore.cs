using System.Globalization;
using Dapper;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Loop;
using Microsoft.Data.Sqlite;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>One assignment, or one entry of its change log (the assignment as that change left it).</summary>
public sealed record AssignmentRow(
    long AssignmentId,
    long PlanId,
    string FactoryId,
    long DemandId,
    string RequestKey,
    string Sku,
    string ProductionDate,
    string ArrivalDate,
    long Quantity,
    long Produced,
    string Status,
    string Reason,
    string Source,
    long Version,
    long UpdatedAt);

/// <summary>A rejection in force.</summary>
public sealed record RejectionRow(string FactoryId, long DemandId, long AssignmentId, string Reason, long RejectedAt, string RejectedBy);

/// <summary>
/// What publishing did: whether the plan is active now, why not if refused, the factories whose assignments changed,
/// and the plan it superseded (none when there was no active plan, or the plan was active already).
/// </summary>
public sealed record PublishResult(bool Published, string? Refusal, IReadOnlySet<string> Factories, long? Superseded = null);

/// <summary>How an acknowledgement ended.</summary>
public enum AcknowledgeOutcome
{
    /// <summary>The assignment took the decision.</summary>
    Applied,

    /// <summary>The assignment already was there (see <see cref="AcknowledgeRule.Unchanged"/>): nothing was written.</summary>
    Unchanged,

    /// <summary>The factory has no such assignment.</summary>
    NotFound,

    /// <summary>The assignment's state does not allow the decision; nothing was written.</summary>
    Refused,
}

/// <summary>An acknowledgement's outcome and the assignment as it stands after it (null when not found).</summary>
public sealed record AcknowledgeResult(AcknowledgeOutcome Outcome, AssignmentRow? Assignment);

/// <summary>How a production report ended.</summary>
public enum ReportOutcome
{
    /// <summary>Recorded now.</summary>
    Recorded,

    /// <summary>The same report was recorded before: its result then, nothing written.</summary>
    Replayed,

    /// <summary>The report_id was used for another report (see <see cref="ReportResult.Earlier"/>).</summary>
    ReportIdUsed,

    /// <summary>The factory has no such assignment.</summary>
    NotFound,

    /// <summary>The assignment is rejected or withdrawn (see <see cref="ReportResult.Assignment"/>).</summary>
    NotReportable,

    /// <summary>The units would take the assignment past its quantity (see <see cref="ReportResult.Assignment"/>).</summary>
    PastQuantity,
}

/// <summary>The report a used report_id stands for.</summary>
public sealed record EarlierReport(long AssignmentId, string Date, long Quantity);

/// <summary>
/// The outcome of a production report: when recorded or replayed, the assignment after it and the demand's status and
/// units produced just after it; when refused, the assignment as it stands (if any) or the earlier report of the id.
/// </summary>
public sealed record ReportResult(ReportOutcome Outcome, AssignmentRow? Assignment, string DemandStatus, long DemandProduced, EarlierReport? Earlier = null)
{
    public bool Replayed => Outcome == ReportOutcome.Replayed;

    public static ReportResult Refused(ReportOutcome outcome, AssignmentRow? assignment, EarlierReport? earlier = null) =>
        new(outcome, assignment, "", 0, earlier);
}

/// <summary>
/// The factory loop in SQLite: publishing plans into assignments, acknowledgements, production reports, availability
/// updates, rejections, and the change log every assignment change appends to (see <see cref="AssignmentFeed"/>).
/// Every write runs in the writer's transaction; rules that depend on stored state are checked there.
/// </summary>
public sealed class AssignmentStore(Database database, Writer writer, AssignmentFeed feed, AssignmentCache cache, TimeProvider clock)
{
    private const string Pending = AssignmentStates.Pending;
    private const string Accepted = AssignmentStates.Accepted;
    private const string Rejected = AssignmentStates.Rejected;
    private const string Done = AssignmentStates.Done;
    private const string Withdrawn = AssignmentStates.Withdrawn;

    private const string Columns = """
        assignment_id AS AssignmentId, plan_id AS PlanId, factory_id AS FactoryId, demand_id AS DemandId, request_key AS RequestKey,
        sku, production_date AS ProductionDate, arrival_date AS ArrivalDate, quantity, produced, status, reason, source, version,
        updated_at AS UpdatedAt
        """;

    private const string ChangeColumns = """
        assignment_id AS AssignmentId, plan_id AS PlanId, factory_id AS FactoryId, demand_id AS DemandId, request_key AS RequestKey,
        sku, production_date AS ProductionDate, arrival_date AS ArrivalDate, quantity, produced, status, reason, source, version,
        changed_at AS UpdatedAt
        """;

    private static readonly string[] RowColumns =
        ["assignment_id", "plan_id", "factory_id", "demand_id", "request_key", "sku", "production_date", "arrival_date", "quantity", "produced", "status", "reason", "source", "version"];

    /// <summary>
    /// Makes a draft the active plan, in the caller's transaction, by <see cref="Publication.Decide"/>: supersedes the
    /// active plan, withdraws the live assignments the draft did not keep as commitments, creates the draft's other
    /// units (<see cref="Publication.NewWork"/>) as PENDING assignments, and orders the options it takes
    /// (<see cref="OptionOrders.Publish"/>).
    /// </summary>
    public static PublishResult Publish(SqliteConnection connection, SqliteTransaction transaction, long planId, string by, long at)
    {
        var plan = connection.QuerySingleOrDefault<(string Status, long? BaselinePlanId, long LoopVersion)>(
            "SELECT status, baseline_plan_id, loop_version FROM plan WHERE plan_id = @planId", new { planId }, transaction);
        if (plan.Status is null)
            return Refused($"plan {planId} does not exist");
        var active = connection.QuerySingleOrDefault<long?>("SELECT plan_id FROM plan WHERE status = 'ACTIVE'", transaction: transaction);
        var version = OptionOrders.LatestVersion(connection, transaction);
        var decision = Publication.Decide(planId, plan.Status, plan.BaselinePlanId, plan.LoopVersion, active, version);
        if (decision.AlreadyActive)
            return new PublishResult(true, null, NoFactories);
        if (!decision.Publish)
            return Refused(decision.Refusal!);

        connection.Execute("UPDATE plan SET status = 'SUPERSEDED' WHERE status = 'ACTIVE'", transaction: transaction);
        connection.Execute("UPDATE plan SET status = 'ACTIVE', published_at = @at, published_by = @by WHERE plan_id = @planId",
            new { planId, at, by }, transaction);

        // Commitments stay as they are, with the accepted assignments they belong to.
        var kept = connection.Query<(long AssignmentId, string FactoryId, long DemandId, string ProductionDate, string Source, long Quantity)>(
            """
            SELECT a.assignment_id, a.factory_id, a.demand_id, a.production_date, a.source, c.quantity
            FROM plan_commitment c JOIN assignment a ON a.assignment_id = c.assignment_id
            WHERE c.plan_id = @planId
            """, new { planId }, transaction).AsList();
        var keptIds = kept.Select(k => k.AssignmentId).ToHashSet();

        var factories = new HashSet<string>(StringComparer.Ordinal);
        using var change = Prepared(connection, transaction, "assignment_change", [.. RowColumns[..^1], "version", "changed_at"]);
        var withdrawn = connection.Query<AssignmentRow>(
            $"SELECT {Columns} FROM assignment WHERE status IN ('PENDING', 'ACCEPTED') ORDER BY assignment_id", transaction: transaction)
            .Where(a => !keptIds.Contains(a.AssignmentId))
            .ToList();
        using (var withdraw = connection.CreateCommand())
        {
            withdraw.Transaction = transaction;
            withdraw.CommandText = "UPDATE assignment SET status = 'WITHDRAWN', version = $version, updated_at = $at WHERE assignment_id = $id";
            var pVersion = withdraw.Parameters.Add("$version", SqliteType.Integer);
            var pId = withdraw.Parameters.Add("$id", SqliteType.Integer);
            withdraw.Parameters.AddWithValue("$at", at);
            withdraw.Prepare();
            foreach (var a in withdrawn)
            {
                var row = a with { Status = Withdrawn, Version = ++version, UpdatedAt = at };
                pVersion.Value = row.Version;
                pId.Value = row.AssignmentId;
                withdraw.ExecuteNonQuery();
                change.Run(Values(row));
                factories.Add(row.FactoryId);
            }
        }

        var nextId = connection.ExecuteScalar<long>("SELECT COALESCE(MAX(assignment_id), 0) FROM assignment", transaction: transaction);
        using var insert = Prepared(connection, transaction, "assignment", [.. RowColumns, "updated_at"]);
        var work = Publication.NewWork(
            PlanStore.AllAssignments(connection, transaction, planId), p => (p.FactoryId, p.DemandId, p.ProductionDate, p.Source), p => p.Quantity,
            kept.Select(k => ((k.FactoryId, k.DemandId, k.ProductionDate, k.Source), k.Quantity)));
        foreach (var (p, quantity) in work)
        {
            var row = new AssignmentRow(++nextId, planId, p.FactoryId, p.DemandId, p.RequestKey, p.Sku, p.ProductionDate, p.ArrivalDate,
                quantity, 0, Pending, "", p.Source, ++version, at);
            insert.Run(Values(row));
            change.Run(Values(row));
            factories.Add(row.FactoryId);
        }
        OptionOrders.Publish(connection, transaction, planId, ref version, at, factories);
        return new PublishResult(true, null, factories, active);
    }

    /// <summary>The reason a cancelled demand's assignments carry.</summary>
    public const string DemandCancelledReason = "demand cancelled";

    /// <summary>
    /// Stops a cancelled demand's live assignments, in the caller's transaction, by
    /// <see cref="AssignmentRules.OnDemandCancelled"/>: one with nothing reported is WITHDRAWN, one with units reported
    /// is DONE at them (its quantity cut to the units reported). Each is a change of the log; returns them as left.
    /// </summary>
    public static IReadOnlyList<AssignmentRow> StopForCancelledDemand(SqliteConnection connection, SqliteTransaction transaction, long demandId, long at)
    {
        var live = connection.Query<AssignmentRow>(
            $"SELECT {Columns} FROM assignment WHERE demand_id = @demandId AND status IN ('PENDING', 'ACCEPTED') ORDER BY assignment_id",
            new { demandId }, transaction).AsList();
        var stopped = new List<AssignmentRow>(live.Count);
        foreach (var a in live)
        {
            var row = AssignmentRules.OnDemandCancelled(a.Status, a.Produced) switch
            {
                CancelRule.Withdraw => a with { Status = Withdrawn },
                CancelRule.CloseAtReported => a with { Status = Done, Quantity = a.Produced },
                _ => null,
            };
            if (row is null)
                continue;
            row = row with { Reason = DemandCancelledReason, Version = NextVersion(connection, transaction), UpdatedAt = at };
            Update(connection, transaction, row);
            stopped.Add(row);
        }
        return stopped;
    }

    private static readonly IReadOnlySet<string> NoFactories = new HashSet<string>();

    private static PublishResult Refused(string why) => new(false, why, NoFactories);

    /// <summary>
    /// A factory's assignments by production date then id, inside the bounds, after the page key: the current ones from
    /// <see cref="AssignmentCache"/>, with the withdrawn ones from SQLite.
    /// </summary>
    public Page<AssignmentRow> List(string factoryId, string? from, string? to, bool includeWithdrawn, (string Date, long Id)? after, int size)
    {
        if (!includeWithdrawn)
        {
            var current = cache.Get(factoryId, () => LoadCurrent(factoryId)).Assignments;
            var rows = current
                .Where(r => (from is null || string.CompareOrdinal(r.ProductionDate, from) >= 0)
                    && (to is null || string.CompareOrdinal(r.ProductionDate, to) <= 0)
                    && (after is not { } a || string.CompareOrdinal(r.ProductionDate, a.Date) > 0
                        || (r.ProductionDate == a.Date && r.AssignmentId > a.Id)))
                .Take(size + 1)
                .ToList();
            return RegistryStore.PageOf(rows, size, r => [r.ProductionDate, r.AssignmentId.ToString(CultureInfo.InvariantCulture)]);
        }
        return ListStored(factoryId, from, to, after, size);
    }

    private FactoryWork LoadCurrent(string factoryId)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: true);
        return new FactoryWork(
            [.. connection.Query<AssignmentRow>(
                $"SELECT {Columns} FROM assignment WHERE factory_id = @factoryId AND status <> 'WITHDRAWN' ORDER BY production_date, assignment_id",
                new { factoryId }, transaction)],
            [.. OptionOrders.OfFactory(connection, transaction, factoryId, includeWithdrawn: false)]);
    }

    private Page<AssignmentRow> ListStored(string factoryId, string? from, string? to, (string Date, long Id)? after, int size)
    {
        using var connection = database.Open();
        var rows = connection.Query<AssignmentRow>(
            $"""
            SELECT {Columns} FROM assignment
            WHERE factory_id = @factoryId AND production_date >= @from AND production_date <= @to
              AND (production_date, assignment_id) > (@afterDate, @afterId)
            ORDER BY production_date, assignment_id LIMIT @limit
            """,
            new
            {
                factoryId, from = from ?? "", to = to ?? "9999-12-31",
                afterDate = after?.Date ?? "", afterId = after?.Id ?? 0, limit = size + 1,
            }).AsList();
        return RegistryStore.PageOf(rows, size, r => [r.ProductionDate, r.AssignmentId.ToString(CultureInfo.InvariantCulture)]);
    }

    public bool FactoryExists(string factoryId)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<long>("SELECT COUNT(*) FROM factory WHERE factory_id = @factoryId", new { factoryId }) > 0;
    }

    /// <summary>
    /// A factory's current work, read together with the latest version of any change: its assignments (not withdrawn)
    /// by production date then id, then its option orders (not withdrawn) by id.
    /// </summary>
    public (IReadOnlyList<WorkChange> Work, long Version) Snapshot(string factoryId)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: true);
        var rows = connection.Query<AssignmentRow>(
            $"SELECT {Columns} FROM assignment WHERE factory_id = @factoryId AND status <> 'WITHDRAWN' ORDER BY production_date, assignment_id",
            new { factoryId }, transaction).Select(a => new WorkChange(a, null)).ToList();
        rows.AddRange(OptionOrders.OfFactory(connection, transaction, factoryId, includeWithdrawn: false).Select(o => new WorkChange(null, o)));
        return (rows, OptionOrders.LatestVersion(connection, transaction));
    }

    /// <summary>
    /// A factory's changes (of assignments and option orders) after a version, oldest first, at most
    /// <paramref name="limit"/>: fewer only when there are no more.
    /// </summary>
    public IReadOnlyList<WorkChange> ChangesSince(string factoryId, long afterVersion, int limit)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: true);
        var assignments = connection.Query<AssignmentRow>(
            $"SELECT {ChangeColumns} FROM assignment_change WHERE factory_id = @factoryId AND version > @afterVersion ORDER BY version LIMIT @limit",
            new { factoryId, afterVersion, limit }, transaction).Select(a => new WorkChange(a, null));
        var orders = OptionOrders.ChangesSince(connection, factoryId, afterVersion, limit).Select(o => new WorkChange(null, o));
        // Each log gave its first `limit` changes after the version: the first `limit` of both are complete.
        return [.. assignments.Concat(orders).OrderBy(c => c.Version).Take(limit)];
    }

    /// <summary>A factory's option orders by id; withdrawn ones only when asked for.</summary>
    public IReadOnlyList<OptionOrderRow> ListOptionOrders(string factoryId, bool includeWithdrawn)
    {
        if (!includeWithdrawn)
            return cache.Get(factoryId, () => LoadCurrent(factoryId)).Orders;
        using var connection = database.Open();
        return OptionOrders.OfFactory(connection, null, factoryId, includeWithdrawn);
    }

    /// <summary>
    /// Accepts or rejects an option order of the factory by <see cref="AssignmentRules.Acknowledge"/> (an order is never
    /// in progress or done): only a decision that applies writes the order and its change.
    /// </summary>
    public async Task<(AcknowledgeOutcome Outcome, OptionOrderRow? Order)> AcknowledgeOptionOrderAsync(
        string factoryId, long orderId, bool accept, string reason, CallInfo call, CancellationToken ct)
    {
        var result = await writer.WriteAsync(call, (connection, transaction) =>
        {
            if (OptionOrders.Find(connection, transaction, factoryId, orderId) is not { } order)
                return (AcknowledgeOutcome.NotFound, (OptionOrderRow?)null);
            switch (AssignmentRules.Acknowledge(order.Status, accept))
            {
                case AcknowledgeRule.Unchanged:
                    return (AcknowledgeOutcome.Unchanged, order);
                case AcknowledgeRule.Refuse:
                    return (AcknowledgeOutcome.Refused, order);
            }
            var updated = order with
            {
                Status = accept ? Accepted : Rejected,
                Reason = accept ? "" : reason,
                Version = OptionOrders.LatestVersion(connection, transaction) + 1,
                UpdatedAt = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            };
            OptionOrders.Write(connection, transaction, updated, insert: false, decidedBy: call.Actor);
            return (AcknowledgeOutcome.Applied, updated);
        }, ct, r => r.Item1 == AcknowledgeOutcome.Applied ? $"option order {r.Item2!.OrderId} ({r.Item2.OptionId}) {r.Item2.Status}" : null);
        if (result.Item1 == AcknowledgeOutcome.Applied)
            feed.Notify([factoryId]);
        return result;
    }

    /// <summary>Option rejections in force, by option then order, after the page key.</summary>
    public Page<OptionRejectionRow> ListOptionRejections(string? factoryId, (string OptionId, long OrderId)? after, int size)
    {
        using var connection = database.Open();
        var rows = connection.Query<OptionRejectionRow>(
            """
            SELECT option_id AS OptionId, factory_id AS FactoryId, order_id AS OrderId, reason, updated_at AS RejectedAt, decided_by AS RejectedBy
            FROM option_order
            WHERE status = 'REJECTED' AND cleared_at IS NULL AND (@factoryId IS NULL OR factory_id = @factoryId)
              AND (option_id, order_id) > (@afterOption, @afterOrder)
            ORDER BY option_id, order_id LIMIT @limit
            """,
            new { factoryId, afterOption = after?.OptionId ?? "", afterOrder = after?.OrderId ?? 0, limit = size + 1 }).AsList();
        return RegistryStore.PageOf(rows, size, OptionOrders.Key);
    }

    /// <summary>Clears the rejections in force of an option; how many there were.</summary>
    public Task<int> ClearOptionRejectionAsync(string optionId, CallInfo call, CancellationToken ct) =>
        writer.WriteAsync(call, (connection, transaction) => connection.Execute(
            """
            UPDATE option_order SET cleared_at = @at, cleared_by = @by
            WHERE option_id = @optionId AND status = 'REJECTED' AND cleared_at IS NULL
            """, new { optionId, by = call.Actor, at = clock.GetUtcNow().ToUnixTimeMilliseconds() }, transaction), ct,
            cleared => $"rejections of option {optionId} ({cleared} cleared)");

    /// <summary>The latest version of any change.</summary>
    public long LatestVersion()
    {
        using var connection = database.Open();
        return OptionOrders.LatestVersion(connection, null);
    }

    /// <summary>
    /// Accepts or rejects an assignment of the factory by <see cref="AssignmentRules.Acknowledge"/>: only a decision
    /// that applies writes (the assignment, its change, and for a rejection the rejection in force).
    /// </summary>
    public async Task<AcknowledgeResult> AcknowledgeAsync(string factoryId, long assignmentId, bool accept, string reason, CallInfo call, CancellationToken ct)
    {
        var result = await writer.WriteAsync(call, (connection, transaction) =>
        {
            if (Find(connection, transaction, factoryId, assignmentId) is not { } a)
                return new AcknowledgeResult(AcknowledgeOutcome.NotFound, null);
            switch (AssignmentRules.Acknowledge(a.Status, accept))
            {
                case AcknowledgeRule.Unchanged:
                    return new AcknowledgeResult(AcknowledgeOutcome.Unchanged, a);
                case AcknowledgeRule.Refuse:
                    return new AcknowledgeResult(AcknowledgeOutcome.Refused, a);
            }
            var at = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var wanted = accept ? Accepted : Rejected;
            var updated = a with { Status = wanted, Reason = accept ? "" : reason, Version = NextVersion(connection, transaction), UpdatedAt = at };
            Update(connection, transaction, updated);
            if (!accept)
            {
                connection.Execute(
                    """
                    INSERT INTO rejection (factory_id, demand_id, assignment_id, reason, rejected_at, rejected_by)
                    VALUES (@FactoryId, @DemandId, @AssignmentId, @Reason, @at, @by)
                    """, new { updated.FactoryId, updated.DemandId, updated.AssignmentId, updated.Reason, at, by = call.Actor }, transaction);
            }
            return new AcknowledgeResult(AcknowledgeOutcome.Applied, updated);
        }, ct, r => r.Outcome == AcknowledgeOutcome.Applied ? $"assignment {r.Assignment!.AssignmentId} {r.Assignment.Status}" : null);
        if (result.Outcome == AcknowledgeOutcome.Applied)
            feed.Notify([factoryId]);
        return result;
    }

    /// <summary>
    /// Records a production report with the result it answers with; the same report_id again returns that result
    /// (whatever happened since), a different report under it is refused.
    /// </summary>
    public async Task<ReportResult> ReportAsync(string factoryId, string reportId, long assignmentId, string date, long quantity, CallInfo call, CancellationToken ct)
    {
        var result = await writer.WriteAsync(call, (connection, transaction) =>
        {
            var earlier = connection.QuerySingleOrDefault<StoredReport>(
                """
                SELECT assignment_id AS AssignmentId, date, quantity, version, demand_status AS DemandStatus, demand_produced AS DemandProduced
                FROM production_report WHERE factory_id = @factoryId AND report_id = @reportId
                """,
                new { factoryId, reportId }, transaction);
            if (earlier is not null)
                return Replay(connection, transaction, factoryId, earlier, assignmentId, date, quantity);

            if (Find(connection, transaction, factoryId, assignmentId) is not { } a)
                return ReportResult.Refused(ReportOutcome.NotFound, null);
            if (a.Status is Rejected or Withdrawn)
                return ReportResult.Refused(ReportOutcome.NotReportable, a);
            if (a.Produced + quantity > a.Quantity)
                return ReportResult.Refused(ReportOutcome.PastQuantity, a);
            var at = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var produced = a.Produced + quantity;
            var updated = a with
            {
                Produced = produced,
                Status = produced == a.Quantity ? Done : Accepted,
                Version = NextVersion(connection, transaction),
                UpdatedAt = at,
            };
            Update(connection, transaction, updated);
            connection.Execute(
                """
                UPDATE demand SET produced = produced + @quantity,
                    status = CASE WHEN status = 'CANCELLED' THEN status
                                  WHEN produced + @quantity >= quantity THEN 'FULFILLED'
                                  ELSE 'PARTIALLY_FULFILLED' END
                WHERE demand_id = @demandId
                """, new { quantity, demandId = a.DemandId }, transaction);
            var (demandStatus, demandProduced) = DemandState(connection, transaction, a.DemandId);
            connection.Execute(
                """
                INSERT INTO production_report (factory_id, report_id, assignment_id, date, quantity, reported_at, reported_by, version, demand_status, demand_produced)
                VALUES (@factoryId, @reportId, @assignmentId, @date, @quantity, @at, @by, @version, @demandStatus, @demandProduced)
                """, new { factoryId, reportId, assignmentId, date, quantity, at, by = call.Actor, version = updated.Version, demandStatus, demandProduced }, transaction);
            return new ReportResult(ReportOutcome.Recorded, updated, demandStatus, demandProduced);
        }, ct, r => r.Outcome switch
        {
            ReportOutcome.Recorded => $"report {factoryId}/{reportId}: assignment {assignmentId} +{quantity}",
            ReportOutcome.Replayed => $"report {factoryId}/{reportId}: assignment {assignmentId} +{quantity} (replayed)",
            _ => null,
        });
        if (result.Outcome == ReportOutcome.Recorded)
            feed.Notify([factoryId]);
        return result;
    }

    /// <summary>A report as stored with the result it answered with (no result: stored before results were, and not derivable).</summary>
    private sealed record StoredReport(long AssignmentId, string Date, long Quantity, long? Version, string? DemandStatus, long? DemandProduced);

    /// <summary>The stored result of a report, when the request is that report again.</summary>
    private static ReportResult Replay(
        SqliteConnection connection, SqliteTransaction transaction, string factoryId, StoredReport earlier, long assignmentId, string date, long quantity)
    {
        if ((earlier.AssignmentId, earlier.Date, earlier.Quantity) != (assignmentId, date, quantity))
            return ReportResult.Refused(ReportOutcome.ReportIdUsed, null, new EarlierReport(earlier.AssignmentId, earlier.Date, earlier.Quantity));
        var then = earlier.Version is { } version
            ? connection.QuerySingleOrDefault<AssignmentRow>(
                $"SELECT {ChangeColumns} FROM assignment_change WHERE version = @version AND assignment_id = @assignmentId",
                new { version, assignmentId }, transaction)
            : null;
        if (then is not null && earlier.DemandStatus is { } status && earlier.DemandProduced is { } produced)
            return new ReportResult(ReportOutcome.Replayed, then, status, produced);
        // Nothing of its result was kept: the best answer left is the state now.
        var current = Find(connection, transaction, factoryId, assignmentId)!;
        var (demandStatus, demandProduced) = DemandState(connection, transaction, current.DemandId);
        return new ReportResult(ReportOutcome.Replayed, current, demandStatus, demandProduced);
    }

    /// <summary>Sets a factory's factor on every day of [from, to]; false when there is no such factory.</summary>
    public Task<bool> SetAvailabilityAsync(string factoryId, DateOnly from, DateOnly to, double factor, CallInfo call, CancellationToken ct) =>
        writer.WriteAsync(call, (connection, transaction) =>
        {
            if (connection.ExecuteScalar<long>("SELECT COUNT(*) FROM factory WHERE factory_id = @factoryId", new { factoryId }, transaction) == 0)
                return false;
            var at = clock.GetUtcNow().ToUnixTimeMilliseconds();
            connection.Execute(
                """
                INSERT INTO availability (factory_id, date, factor, updated_at) VALUES (@factoryId, @date, @factor, @at)
                ON CONFLICT (factory_id, date) DO UPDATE SET factor = excluded.factor, updated_at = excluded.updated_at
                """,
                Enumerable.Range(0, to.DayNumber - from.DayNumber + 1)
                    .Select(i => new { factoryId, date = IsoDate.Text(from.AddDays(i)), factor, at }),
                transaction);
            return true;
        }, ct, found => found ? string.Create(CultureInfo.InvariantCulture, $"availability {factoryId} {from:yyyy-MM-dd}..{to:yyyy-MM-dd} factor {factor}") : null);

    /// <summary>Rejections in force, by factory then demand then assignment, after the page key.</summary>
    public Page<RejectionRow> ListRejections(string? factoryId, (string FactoryId, long DemandId, long AssignmentId)? after, int size)
    {
        using var connection = database.Open();
        var rows = connection.Query<RejectionRow>(
            """
            SELECT factory_id AS FactoryId, demand_id AS DemandId, assignment_id AS AssignmentId, reason, rejected_at AS RejectedAt, rejected_by AS RejectedBy
            FROM rejection
            WHERE cleared_at IS NULL AND (@factoryId IS NULL OR factory_id = @factoryId)
              AND (factory_id, demand_id, assignment_id) > (@afterFactory, @afterDemand, @afterAssignment)
            ORDER BY factory_id, demand_id, assignment_id LIMIT @limit
            """,
            new { factoryId, afterFactory = after?.FactoryId ?? "", afterDemand = after?.DemandId ?? 0, afterAssignment = after?.AssignmentId ?? 0, limit = size + 1 }).AsList();
        return RegistryStore.PageOf(rows, size, r =>
            [r.FactoryId, r.DemandId.ToString(CultureInfo.InvariantCulture), r.AssignmentId.ToString(CultureInfo.InvariantCulture)]);
    }

    /// <summary>Clears the rejections in force of a (factory, demand) pair; how many there were.</summary>
    public Task<int> ClearRejectionAsync(string factoryId, long demandId, CallInfo call, CancellationToken ct) =>
        writer.WriteAsync(call, (connection, transaction) => connection.Execute(
            """
            UPDATE rejection SET cleared_at = @at, cleared_by = @by
            WHERE factory_id = @factoryId AND demand_id = @demandId AND cleared_at IS NULL
            """, new { factoryId, demandId, by = call.Actor, at = clock.GetUtcNow().ToUnixTimeMilliseconds() }, transaction), ct,
            cleared => $"rejections of {factoryId} for demand {demandId} ({cleared} cleared)");

    private static AssignmentRow? Find(SqliteConnection connection, SqliteTransaction transaction, string factoryId, long assignmentId) =>
        connection.QuerySingleOrDefault<AssignmentRow>(
            $"SELECT {Columns} FROM assignment WHERE assignment_id = @assignmentId AND factory_id = @factoryId",
            new { assignmentId, factoryId }, transaction);

    private static (string Status, long Produced) DemandState(SqliteConnection connection, SqliteTransaction transaction, long demandId) =>
        connection.QuerySingle<(string, long)>("SELECT status, produced FROM demand WHERE demand_id = @demandId", new { demandId }, transaction);

    private static long NextVersion(SqliteConnection connection, SqliteTransaction transaction) =>
        OptionOrders.LatestVersion(connection, transaction) + 1;

    /// <summary>Writes an assignment's new state and appends it to the change log.</summary>
    private static void Update(SqliteConnection connection, SqliteTransaction transaction, AssignmentRow row)
    {
        connection.Execute(
            """
            UPDATE assignment SET quantity = @Quantity, produced = @Produced, status = @Status, reason = @Reason, version = @Version,
                updated_at = @UpdatedAt
            WHERE assignment_id = @AssignmentId
            """, row, transaction);
        using var change = Prepared(connection, transaction, "assignment_change", [.. RowColumns[..^1], "version", "changed_at"]);
        change.Run(Values(row));
    }

    /// <summary>The row's values in <see cref="RowColumns"/> order, then updated_at.</summary>
    private static object[] Values(AssignmentRow r) =>
        [r.AssignmentId, r.PlanId, r.FactoryId, r.DemandId, r.RequestKey, r.Sku, r.ProductionDate, r.ArrivalDate, r.Quantity, r.Produced, r.Status, r.Reason, r.Source, r.Version, r.UpdatedAt];

    private static PreparedInsert Prepared(SqliteConnection connection, SqliteTransaction transaction, string table, string[] columns) =>
        new(connection, transaction, table, columns);

    /// <summary>One INSERT prepared once and re-bound per row: values in column order.</summary>
    private sealed class PreparedInsert : IDisposable
    {
        private readonly SqliteCommand _command;
        private readonly SqliteParameter[] _parameters;

        public PreparedInsert(SqliteConnection connection, SqliteTransaction transaction, string table, string[] columns)
        {
            _command = connection.CreateCommand();
            _command.Transaction = transaction;
            _command.CommandText = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select(c => "$" + c))})";
            _parameters = columns.Select(c => _command.Parameters.Add(new SqliteParameter { ParameterName = "$" + c })).ToArray();
            _command.Prepare();
        }

        public void Run(object[] values)
        {
            for (var i = 0; i < _parameters.Length; i++)
                _parameters[i].Value = values[i];
            _command.ExecuteNonQuery();
        }

        public void Dispose() => _command.Dispose();
    }
}
