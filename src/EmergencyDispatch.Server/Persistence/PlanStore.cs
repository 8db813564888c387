using System.Globalization;
using Dapper;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Server.Planning;
using Microsoft.Data.Sqlite;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>Reads what a plan is made from, and stores and reads plans (written once, never changed).</summary>
public sealed class PlanStore(Database database, Writer writer)
{
    public const string Draft = "DRAFT";

    private const string PlanColumns = """
        plan_id AS PlanId, status, created_at AS CreatedAt, created_by AS CreatedBy, start_date AS StartDate,
        horizon_days AS HorizonDays, planner, time_limit_ms AS TimeLimitMs, completion, last_completed_step AS LastCompletedStep,
        assignment_count AS AssignmentCount, demand_count AS DemandCount, assignments_sha256 AS AssignmentsSha256
        """;

    private const string OutcomeColumns = """
        seq, demand_id AS DemandId, request_key AS RequestKey, priority, quantity, on_time AS OnTime, late, unmet, reason, binding
        """;

    /// <summary>Most outcomes a summary lists as the largest shortfalls.</summary>
    public const int LargestShortfallCount = 10;

    private sealed record OpenDemandRow(long DemandId, string Submitter, string RequestId, string Sku, long Quantity, string Region, string DueDate, long Priority);

    /// <summary>
    /// The registry and every open demand as one consistent snapshot (one read transaction), in canonical form; only the
    /// availability days inside the horizon are read, the planner ignores the others.
    /// </summary>
    public PlanInputs LoadInputs(DateOnly startDate, int horizonDays)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: true);
        var products = connection.Query<ProductRow>("SELECT sku, name, unit FROM product", transaction: transaction);
        var factories = connection.Query<FactoryRow>("SELECT factory_id AS FactoryId, name, region FROM factory", transaction: transaction);
        var capabilities = connection.Query<CapabilityRow>(
            "SELECT factory_id AS FactoryId, sku, units_per_day AS UnitsPerDay, unit_cost AS UnitCost FROM capability", transaction: transaction);
        var availability = connection.Query<AvailabilityRow>(
            "SELECT factory_id AS FactoryId, date, factor FROM availability WHERE date >= @from AND date < @to",
            new { from = Text(startDate), to = Text(startDate.AddDays(horizonDays)) }, transaction);
        var lanes = connection.Query<LaneRow>(
            "SELECT from_region AS FromRegion, to_region AS ToRegion, lead_days AS LeadDays, unit_cost AS UnitCost FROM lane", transaction: transaction);
        var demands = connection.Query<OpenDemandRow>(
            """
            SELECT demand_id AS DemandId, submitter, request_id AS RequestId, sku, quantity, region, due_date AS DueDate, priority
            FROM demand WHERE status = 'OPEN'
            """, transaction: transaction);
        return PlanInputs.Create(
            products.Select(p => new Product(p.Sku, p.Name, p.Unit)),
            factories.Select(f => new Factory(f.FactoryId, f.Name, f.Region)),
            capabilities.Select(c => new Capability(c.FactoryId, c.Sku, c.UnitsPerDay, c.UnitCost)),
            availability.Select(a => new AvailabilityDay(a.FactoryId, Date(a.Date), a.Factor)),
            lanes.Select(l => new Lane(l.FromRegion, l.ToRegion, (int)l.LeadDays, l.UnitCost)),
            demands.Select(d => (d.DemandId, d.Submitter, new DemandLine(d.RequestId, d.Sku, d.Quantity, d.Region, Date(d.DueDate), (Priority)(int)d.Priority))).ToList(),
            [],
            startDate,
            horizonDays);
    }

    /// <summary>Inserts rows of a plan's table with one prepared statement, re-bound per row; values in column order.</summary>
    private static void BulkInsert<T>(
        SqliteConnection connection, SqliteTransaction transaction, long planId, string table, string[] columns, IEnumerable<T> rows, Func<T, object[]> values)
    {
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = $"INSERT INTO {table} (plan_id, {string.Join(", ", columns)}) VALUES ($plan_id, {string.Join(", ", columns.Select(c => "$" + c))})";
        insert.Parameters.AddWithValue("$plan_id", planId);
        // Each parameter's SQLite type follows its value (string → TEXT, long → INTEGER).
        var parameters = columns.Select(c => insert.Parameters.Add(new SqliteParameter { ParameterName = "$" + c })).ToArray();
        insert.Prepare();
        foreach (var row in rows)
        {
            var v = values(row);
            for (var i = 0; i < parameters.Length; i++)
                parameters[i].Value = v[i];
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>Stores a plan in one transaction of the writer and returns it as stored.</summary>
    public async Task<StoredPlan> SaveAsync(NewPlan plan, CancellationToken ct)
    {
        var planId = await writer.WriteAsync((connection, transaction) => Insert(connection, transaction, plan), ct);
        return Get(planId) ?? throw new InvalidOperationException($"plan {planId} was committed but cannot be read");
    }

    private static long Insert(SqliteConnection connection, SqliteTransaction transaction, NewPlan plan)
    {
        var p = plan.Plan;
        var planId = connection.ExecuteScalar<long>(
            """
            INSERT INTO plan (status, created_at, created_by, start_date, horizon_days, planner, time_limit_ms, completion,
                              last_completed_step, assignment_count, demand_count, assignments_sha256, inputs_json)
            VALUES (@Status, @CreatedAt, @CreatedBy, @StartDate, @HorizonDays, @Planner, @TimeLimitMs, @Completion,
                    @LastCompletedStep, @AssignmentCount, @DemandCount, @AssignmentsSha256, @InputsJson)
            RETURNING plan_id
            """,
            new
            {
                p.Status, p.CreatedAt, p.CreatedBy, p.StartDate, p.HorizonDays, p.Planner, p.TimeLimitMs, p.Completion,
                p.LastCompletedStep, p.AssignmentCount, p.DemandCount, p.AssignmentsSha256, plan.InputsJson,
            },
            transaction);
        connection.Execute(
            "INSERT INTO plan_step (plan_id, seq, step, value, seconds) VALUES (@planId, @Seq, @Step, @Value, @Seconds)",
            plan.Steps.Select(s => new { planId, s.Seq, s.Step, s.Value, s.Seconds }), transaction);
        connection.Execute(
            """
            INSERT INTO plan_priority (plan_id, priority, demands, servable_demands, quantity, on_time, late, unmet, smallest_fill_ratio)
            VALUES (@planId, @Priority, @Demands, @ServableDemands, @Quantity, @OnTime, @Late, @Unmet, @SmallestFillRatio)
            """,
            plan.Priorities.Select(r => new { planId, r.Priority, r.Demands, r.ServableDemands, r.Quantity, r.OnTime, r.Late, r.Unmet, r.SmallestFillRatio }),
            transaction);

        // A national plan has ~17,000 assignments: one prepared statement re-bound per row, not a command each.
        BulkInsert(connection, transaction, planId, "plan_assignment",
            ["seq", "factory_id", "demand_id", "request_key", "sku", "production_date", "arrival_date", "quantity"],
            plan.Assignments, a => [a.Seq, a.FactoryId, a.DemandId, a.RequestKey, a.Sku, a.ProductionDate, a.ArrivalDate, a.Quantity]);
        BulkInsert(connection, transaction, planId, "plan_outcome",
            ["seq", "demand_id", "request_key", "priority", "quantity", "on_time", "late", "unmet", "reason", "binding"],
            plan.Outcomes, o => [o.Seq, o.DemandId, o.RequestKey, o.Priority, o.Quantity, o.OnTime, o.Late, o.Unmet, o.Reason, o.Binding]);
        return planId;
    }

    /// <summary>A plan's summary, or null when there is no such plan.</summary>
    public StoredPlan? Get(long planId)
    {
        using var connection = database.Open();
        var plan = connection.QuerySingleOrDefault<PlanRow>($"SELECT {PlanColumns} FROM plan WHERE plan_id = @planId", new { planId });
        if (plan is null)
            return null;
        var steps = connection.Query<PlanStepRow>(
            "SELECT seq, step, value, seconds FROM plan_step WHERE plan_id = @planId ORDER BY seq", new { planId }).AsList();
        var priorities = connection.Query<PlanPriorityRow>(
            """
            SELECT priority, demands, servable_demands AS ServableDemands, quantity, on_time AS OnTime, late, unmet,
                   smallest_fill_ratio AS SmallestFillRatio
            FROM plan_priority WHERE plan_id = @planId ORDER BY priority
            """, new { planId }).AsList();
        // Ties in size keep outcomes.csv order (seq is the request key's order).
        var largest = connection.Query<PlanOutcomeRow>(
            $"""
            SELECT {OutcomeColumns} FROM plan_outcome
            WHERE plan_id = @planId AND late + unmet > 0 ORDER BY late + unmet DESC, seq LIMIT @limit
            """, new { planId, limit = LargestShortfallCount }).AsList();
        return new StoredPlan(plan, steps, priorities, largest);
    }

    /// <summary>The exact input a plan was made from, as stored (see <see cref="PlanInputJson"/>); null when there is no such plan.</summary>
    public string? GetInputsJson(long planId)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<string>("SELECT inputs_json FROM plan WHERE plan_id = @planId", new { planId });
    }

    /// <summary>A page of a plan's assignments in assignments.csv order, after row <paramref name="afterSeq"/>.</summary>
    public Page<PlanAssignmentRow> ListAssignments(long planId, long afterSeq, int size)
    {
        using var connection = database.Open();
        var rows = connection.Query<PlanAssignmentRow>(
            """
            SELECT seq, factory_id AS FactoryId, demand_id AS DemandId, request_key AS RequestKey, sku,
                   production_date AS ProductionDate, arrival_date AS ArrivalDate, quantity
            FROM plan_assignment WHERE plan_id = @planId AND seq > @afterSeq ORDER BY seq LIMIT @limit
            """, new { planId, afterSeq, limit = size + 1 }).AsList();
        return RegistryStore.PageOf(rows, size, r => [r.Seq.ToString(CultureInfo.InvariantCulture)]);
    }

    /// <summary>A page of a plan's outcomes in outcomes.csv order, after row <paramref name="afterSeq"/>.</summary>
    public Page<PlanOutcomeRow> ListOutcomes(long planId, long afterSeq, int size)
    {
        using var connection = database.Open();
        var rows = connection.Query<PlanOutcomeRow>(
            $"SELECT {OutcomeColumns} FROM plan_outcome WHERE plan_id = @planId AND seq > @afterSeq ORDER BY seq LIMIT @limit",
            new { planId, afterSeq, limit = size + 1 }).AsList();
        return RegistryStore.PageOf(rows, size, r => [r.Seq.ToString(CultureInfo.InvariantCulture)]);
    }

    private static string Text(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static DateOnly Date(string text) => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);
}
