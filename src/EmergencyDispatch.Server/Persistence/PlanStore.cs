using System.Globalization;
using Dapper;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Loop;
using EmergencyDispatch.Planning.Plans;
using Microsoft.Data.Sqlite;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>Reads what a plan is made from, and stores and reads plans (written once, never changed).</summary>
public sealed class PlanStore(Database database, Writer writer, AssignmentFeed feed, PlanFeed plans, TimeProvider clock)
{
    private const string PlanColumns = """
        plan_id AS PlanId, status, created_at AS CreatedAt, created_by AS CreatedBy, start_date AS StartDate,
        horizon_days AS HorizonDays, planner, time_limit_ms AS TimeLimitMs, completion, last_completed_step AS LastCompletedStep,
        assignment_count AS AssignmentCount, demand_count AS DemandCount, assignments_sha256 AS AssignmentsSha256,
        published_at AS PublishedAt, published_by AS PublishedBy, frozen_days AS FrozenDays, baseline_plan_id AS BaselinePlanId,
        loop_version AS LoopVersion, commitment_count AS CommitmentCount, exclusion_count AS ExclusionCount,
        units_kept AS UnitsKept, units_moved AS UnitsMoved, units_dropped AS UnitsDropped, units_added AS UnitsAdded,
        option_budget AS OptionBudget
        """;

    private const string OutcomeColumns = """
        seq, demand_id AS DemandId, request_key AS RequestKey, priority, quantity, on_time AS OnTime, late, unmet, reason, binding
        """;

    /// <summary>The columns of plan_option as <see cref="PlanOptionRow"/> reads them.</summary>
    internal const string OptionColumns = """
        option_id AS OptionId, factory_id AS FactoryId, sku, fixed_cost AS FixedCost, ready_date AS ReadyDate, state, units, first_date AS FirstDate,
        demands, units_p1 AS UnitsP1, units_p2 AS UnitsP2, units_p3 AS UnitsP3, units_p4 AS UnitsP4
        """;

    /// <summary>Most outcomes a summary lists as the largest shortfalls.</summary>
    public const int LargestShortfallCount = 10;

    /// <summary>Most plans whose steps and tiers <see cref="List"/> keeps in memory (about 2 KB each); past it, it starts over.</summary>
    private const int MaxListedPlans = 10_000;

    /// <summary>Steps and tiers of plans listed before, by plan id: stored plans never change (triggers refuse it).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, (IReadOnlyList<PlanStepRow> Steps, IReadOnlyList<PlanPriorityRow> Priorities)> _listed = new();

    // Classes with settable properties, not records: Dapper converts computed columns (which SQLite leaves untyped
    // when no row comes back) into properties, while a record's constructor must match the reported types exactly.
    private sealed class OpenDemandRow
    {
        public long DemandId { get; init; }
        public string Submitter { get; init; } = "";
        public string RequestId { get; init; } = "";
        public string Sku { get; init; } = "";
        public long Open { get; init; }
        public string Region { get; init; } = "";
        public string DueDate { get; init; } = "";
        public long Priority { get; init; }
    }

    private sealed class CommitmentRow
    {
        public long AssignmentId { get; init; }
        public string FactoryId { get; init; } = "";
        public long DemandId { get; init; }
        public string ProductionDate { get; init; } = "";
        public long Remaining { get; init; }
        public string Source { get; init; } = "";
    }

    /// <summary>
    /// Everything a plan is made from, as one consistent snapshot (one read transaction), in canonical form: the
    /// registry (availability only inside the horizon, the planner ignores the rest), every open demand with its units
    /// still to produce, the accepted assignments inside the frozen window as commitments, the rejected (factory,
    /// demand) pairs as exclusions, the registry's options with the request's budget, the options their factories
    /// accepted (committed) and those they rejected (not cleared), and the active plan's units still to produce, to
    /// compare the new plan with.
    /// </summary>
    public PlanSnapshot LoadInputs(DateOnly startDate, int horizonDays, int frozenDays, double optionBudget = 0)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: true);
        var products = connection.Query<ProductRow>("SELECT sku, name, unit FROM product", transaction: transaction);
        var factories = connection.Query<FactoryRow>("SELECT factory_id AS FactoryId, name, region FROM factory", transaction: transaction).AsList();
        var capabilities = connection.Query<CapabilityRow>(
            "SELECT factory_id AS FactoryId, sku, units_per_day AS UnitsPerDay, unit_cost AS UnitCost FROM capability", transaction: transaction).AsList();
        var availability = connection.Query<AvailabilityRow>(
            "SELECT factory_id AS FactoryId, date, factor FROM availability WHERE date >= @from AND date < @to",
            new { from = Text(startDate), to = Text(startDate.AddDays(horizonDays)) }, transaction);
        var lanes = connection.Query<LaneRow>(
            "SELECT from_region AS FromRegion, to_region AS ToRegion, lead_days AS LeadDays, unit_cost AS UnitCost FROM lane", transaction: transaction).AsList();
        var demands = connection.Query<OpenDemandRow>(
            """
            SELECT demand_id AS DemandId, submitter, request_id AS RequestId, sku, CAST(quantity - produced AS INTEGER) AS Open, region, due_date AS DueDate, priority
            FROM demand WHERE status IN ('OPEN', 'PARTIALLY_FULFILLED') AND quantity > produced
            """, transaction: transaction).AsList();
        var activePlanId = connection.QuerySingleOrDefault<long?>("SELECT plan_id FROM plan WHERE status = 'ACTIVE'", transaction: transaction);
        var loopVersion = OptionOrders.LatestVersion(connection, transaction);
        var accepted = connection.Query<CommitmentRow>(
            """
            SELECT assignment_id AS AssignmentId, factory_id AS FactoryId, demand_id AS DemandId, production_date AS ProductionDate,
                   CAST(quantity - produced AS INTEGER) AS Remaining, source
            FROM assignment
            WHERE status = 'ACCEPTED' AND quantity > produced AND production_date >= @from AND production_date < @frozenEnd
            ORDER BY assignment_id
            """, new { from = Text(startDate), frozenEnd = Text(startDate.AddDays(frozenDays)) }, transaction).AsList();
        var rejected = connection.Query<(string FactoryId, long DemandId)>(
            "SELECT DISTINCT factory_id, demand_id FROM rejection WHERE cleared_at IS NULL", transaction: transaction).AsList();
        var baseline = connection.Query<BaselineUnits>(
            """
            SELECT demand_id AS DemandId, factory_id AS FactoryId, production_date AS ProductionDate, CAST(quantity - produced AS INTEGER) AS Units
            FROM assignment WHERE status IN ('PENDING', 'ACCEPTED') AND quantity > produced
            """, transaction: transaction).AsList();

        // Stock lots with what their sites reported shipped from them taken off; lots with nothing left are not offered.
        var lots = connection.Query<StockLotDetailRow>(RegistryStore.StockLotDetailSelect, transaction: transaction).Where(l => l.Open > 0).ToList();
        var materials = connection.Query<MaterialRow>("SELECT material_id AS MaterialId, name, unit FROM material", transaction: transaction).AsList();
        var bom = connection.Query<BomRow>("SELECT sku, material_id AS MaterialId, per_unit AS PerUnit FROM bom", transaction: transaction).AsList();
        // Supply dated before the start counts on its first day; supply after the horizon cannot be used.
        var supply = connection.Query<MaterialSupplyRow>(
            "SELECT material_id AS MaterialId, region, date, quantity FROM material_supply WHERE date < @to",
            new { to = Text(startDate.AddDays(horizonDays)) }, transaction).AsList();
        var options = connection.Query<OptionRow>($"SELECT {RegistryStore.OptionColumns} FROM production_option", transaction: transaction).AsList();
        var optionIds = options.Select(o => o.OptionId).ToHashSet(StringComparer.Ordinal);
        // An accepted option order commits its option for good; a rejection holds until a coordinator clears it.
        var committed = connection.Query<string>("SELECT option_id FROM option_order WHERE status = 'ACCEPTED'", transaction: transaction).ToHashSet(StringComparer.Ordinal);
        var rejectedOptions = connection.Query<string>(
            "SELECT DISTINCT option_id FROM option_order WHERE status = 'REJECTED' AND cleared_at IS NULL", transaction: transaction)
            .Where(o => !committed.Contains(o)).ToList();

        // A commitment must still be a possible assignment: its demand open, its factory able to make the sku (or its
        // lot still held at the site, of the sku, with units left, or its option's line at the site, of the sku) and to ship it on a lane (or within its region).
        var open = demands.ToDictionary(d => d.DemandId);
        var regionOf = factories.ToDictionary(f => f.FactoryId, f => f.Region, StringComparer.Ordinal);
        var makes = capabilities.Select(c => (c.FactoryId, c.Sku)).ToHashSet();
        var holds = lots.Select(l => (Sources.Stock(l.StockId), l.FactoryId, l.Sku))
            .Concat(options.Select(o => (Sources.Option(o.OptionId), o.FactoryId, o.Sku))).ToHashSet();
        var laneSet = lanes.Select(l => (l.FromRegion, l.ToRegion)).ToHashSet();
        var commitments = accepted
            .Where(c => open.TryGetValue(c.DemandId, out var d) && regionOf.TryGetValue(c.FactoryId, out var region)
                && (c.Source == Sources.Capacity ? makes.Contains((c.FactoryId, d.Sku)) : holds.Contains((c.Source, c.FactoryId, d.Sku)))
                && (region == d.Region || laneSet.Contains((region, d.Region))))
            .ToList();

        var inputs = PlanInputs.Create(
            products.Select(p => new Product(p.Sku, p.Name, p.Unit)),
            factories.Select(f => new Factory(f.FactoryId, f.Name, f.Region)),
            capabilities.Select(c => new Capability(c.FactoryId, c.Sku, c.UnitsPerDay, c.UnitCost)),
            availability.Select(a => new AvailabilityDay(a.FactoryId, Date(a.Date), a.Factor)),
            lanes.Select(l => new Lane(l.FromRegion, l.ToRegion, (int)l.LeadDays, l.UnitCost)),
            demands.Select(d => (d.DemandId, d.Submitter, new DemandLine(d.RequestId, d.Sku, d.Open, d.Region, Date(d.DueDate), (Priority)(int)d.Priority))).ToList(),
            commitments.Select(c => (c.DemandId, c.FactoryId, Date(c.ProductionDate), c.Remaining, c.Source)),
            rejected.Where(r => regionOf.ContainsKey(r.FactoryId)),
            startDate,
            horizonDays,
            new SupplyInputs(
                lots.Select(l => new StockLot(l.StockId, l.FactoryId, l.Sku, l.Open, Date(l.AvailableDate), l.UnitCost)),
                materials.Select(m => new Material(m.MaterialId, m.Name, m.Unit)),
                bom.Select(b => new BomLine(b.Sku, b.MaterialId, b.PerUnit)),
                supply.Select(m => new MaterialSupply(m.MaterialId, m.Region, Date(m.Date), m.Quantity))),
            new OptionInputs(
                options.Select(o => new ProductionOption(o.OptionId, o.FactoryId, o.Sku, o.UnitsPerDay, o.UnitCost, Date(o.ReadyDate), (int)o.RampDays, o.FixedCost)),
                optionBudget,
                committed.Where(o => optionIds.Contains(o)),
                rejectedOptions));
        return new PlanSnapshot(inputs, activePlanId, loopVersion, [.. commitments.Select(c => (c.AssignmentId, c.Remaining))], baseline);
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

    /// <summary>
    /// Stores a plan in one transaction of the writer and, with <paramref name="publish"/>, publishes it in the same
    /// transaction in the call's name (see <see cref="AssignmentStore.Publish"/>); returns it as stored and, when asked to publish, what
    /// publishing did (a refused publication leaves the plan stored as a draft).
    /// </summary>
    public async Task<(StoredPlan Plan, PublishResult? Publication)> SaveAsync(NewPlan plan, bool publish, CallInfo call, CancellationToken ct)
    {
        var (planId, publication) = await writer.WriteAsync(call, (connection, transaction) =>
        {
            var id = Insert(connection, transaction, plan);
            Ledger.AppendPlan(connection, transaction, id);
            return (id, !publish ? null
                : AssignmentStore.Publish(connection, transaction, id, call.Actor, clock.GetUtcNow().ToUnixTimeMilliseconds()));
        }, ct, r => $"plan {r.id}" + (r.Item2 is { Published: true } ? " (published)" : ""));
        if (publication is { Factories.Count: > 0 })
            feed.Notify(publication.Factories);
        plans.Notify(publication?.Superseded is { } superseded ? [superseded, planId] : [planId]);
        return (Get(planId) ?? throw new InvalidOperationException($"plan {planId} was committed but cannot be read"), publication);
    }

    /// <summary>Publishes a stored plan (see <see cref="AssignmentStore.Publish"/>); null when there is no such plan.</summary>
    public async Task<(StoredPlan Plan, PublishResult Publication)?> PublishAsync(long planId, CallInfo call, CancellationToken ct)
    {
        if (Get(planId) is null)
            return null;
        var publication = await writer.WriteAsync(call,
            (connection, transaction) => AssignmentStore.Publish(connection, transaction, planId, call.Actor, clock.GetUtcNow().ToUnixTimeMilliseconds()), ct,
            p => p.Published ? $"plan {planId}" : null);
        if (publication.Factories.Count > 0)
            feed.Notify(publication.Factories);
        if (publication.Published)
            plans.Notify(publication.Superseded is { } superseded ? [superseded, planId] : [planId]);
        return (Get(planId)!, publication);
    }

    /// <summary>Every assignment of a plan in assignments.csv order, in the caller's transaction.</summary>
    public static IEnumerable<PlanAssignmentRow> AllAssignments(SqliteConnection connection, SqliteTransaction transaction, long planId) =>
        connection.Query<PlanAssignmentRow>(
            """
            SELECT seq, factory_id AS FactoryId, demand_id AS DemandId, request_key AS RequestKey, sku,
                   production_date AS ProductionDate, arrival_date AS ArrivalDate, quantity, source
            FROM plan_assignment WHERE plan_id = @planId ORDER BY seq
            """, new { planId }, transaction);

    private static long Insert(SqliteConnection connection, SqliteTransaction transaction, NewPlan plan)
    {
        var p = plan.Plan;
        var planId = connection.ExecuteScalar<long>(
            """
            INSERT INTO plan (status, created_at, created_by, start_date, horizon_days, planner, time_limit_ms, completion,
                              last_completed_step, assignment_count, demand_count, assignments_sha256,
                              frozen_days, baseline_plan_id, loop_version, commitment_count, exclusion_count,
                              units_kept, units_moved, units_dropped, units_added, option_budget)
            VALUES (@Status, @CreatedAt, @CreatedBy, @StartDate, @HorizonDays, @Planner, @TimeLimitMs, @Completion,
                    @LastCompletedStep, @AssignmentCount, @DemandCount, @AssignmentsSha256,
                    @FrozenDays, @BaselinePlanId, @LoopVersion, @CommitmentCount, @ExclusionCount,
                    @UnitsKept, @UnitsMoved, @UnitsDropped, @UnitsAdded, @OptionBudget)
            RETURNING plan_id
            """,
            new
            {
                p.Status, p.CreatedAt, p.CreatedBy, p.StartDate, p.HorizonDays, p.Planner, p.TimeLimitMs, p.Completion,
                p.LastCompletedStep, p.AssignmentCount, p.DemandCount, p.AssignmentsSha256,
                p.FrozenDays, p.BaselinePlanId, p.LoopVersion, p.CommitmentCount, p.ExclusionCount,
                p.UnitsKept, p.UnitsMoved, p.UnitsDropped, p.UnitsAdded, p.OptionBudget,
            },
            transaction);
        connection.Execute("INSERT INTO plan_input (plan_id, inputs_json) VALUES (@planId, @InputsJson)", new { planId, plan.InputsJson }, transaction);
        connection.Execute(
            "INSERT INTO plan_commitment (plan_id, assignment_id, quantity) VALUES (@planId, @AssignmentId, @Quantity)",
            plan.Commitments.Select(c => new { planId, c.AssignmentId, c.Quantity }), transaction);
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
            ["seq", "factory_id", "demand_id", "request_key", "sku", "production_date", "arrival_date", "quantity", "source"],
            plan.Assignments, a => [a.Seq, a.FactoryId, a.DemandId, a.RequestKey, a.Sku, a.ProductionDate, a.ArrivalDate, a.Quantity, a.Source]);
        BulkInsert(connection, transaction, planId, "plan_material", ["material_id", "supplied", "used", "moved"],
            plan.Materials, m => [m.MaterialId, m.Supplied, m.Used, m.Moved]);
        BulkInsert(connection, transaction, planId, "plan_option",
            ["option_id", "factory_id", "sku", "fixed_cost", "ready_date", "state", "units", "first_date", "demands", "units_p1", "units_p2", "units_p3", "units_p4"],
            plan.Options, o => [o.OptionId, o.FactoryId, o.Sku, o.FixedCost, o.ReadyDate, o.State, o.Units, (object?)o.FirstDate ?? DBNull.Value, o.Demands,
                o.UnitsP1, o.UnitsP2, o.UnitsP3, o.UnitsP4]);
        BulkInsert(connection, transaction, planId, "plan_material_flow",
            ["seq", "material_id", "from_region", "to_region", "ship_date", "arrival_date", "quantity"],
            plan.MaterialFlows, f => [f.Seq, f.MaterialId, f.FromRegion, f.ToRegion, f.ShipDate, f.ArrivalDate, f.Quantity]);
        BulkInsert(connection, transaction, planId, "plan_outcome",
            ["seq", "demand_id", "request_key", "priority", "quantity", "on_time", "late", "unmet", "reason", "binding"],
            plan.Outcomes, o => [o.Seq, o.DemandId, o.RequestKey, o.Priority, o.Quantity, o.OnTime, o.Late, o.Unmet, o.Reason, o.Binding]);
        // Derived data for ExplainDemand (see FactoryUnits): the same rows again, per factory, with each demand's priority.
        var priorityOf = plan.Outcomes.ToDictionary(o => o.DemandId, o => (int)o.Priority);
        BulkInsert(connection, transaction, planId, "plan_factory_units", ["factory_id", "entries"],
            plan.Assignments.GroupBy(a => a.FactoryId, StringComparer.Ordinal),
            g => [g.Key, FactoryUnits.Encode(g.Select(a => new FactoryUnits.Assignment(
                FactoryUnits.DateKey(a.ProductionDate), priorityOf[a.DemandId], a.DemandId, a.Quantity, a.RequestKey)))]);
        return planId;
    }

    /// <summary>
    /// Plans newest first, created in [from, to) (Unix ms) and of the given statuses, after the page key; summaries
    /// without their largest shortfalls.
    /// </summary>
    public Page<StoredPlan> List(long? from, long? to, IReadOnlyList<string> statuses, long? beforePlanId, int size)
    {
        using var connection = database.Open();
        var plans = connection.Query<PlanRow>(
            $"""
            SELECT {PlanColumns} FROM plan
            WHERE plan_id < @before AND created_at >= @from AND created_at < @to AND (@anyStatus OR status IN @statuses)
            ORDER BY plan_id DESC LIMIT @limit
            """,
            new
            {
                before = beforePlanId ?? long.MaxValue, from = from ?? long.MinValue, to = to ?? long.MaxValue,
                anyStatus = statuses.Count == 0, statuses, limit = size + 1,
            }).AsList();
        // Steps and tiers never change: those of plans listed before come from memory, the others are read once.
        var rows = new Dictionary<long, (IReadOnlyList<PlanStepRow> Steps, IReadOnlyList<PlanPriorityRow> Priorities)>();
        foreach (var plan in plans)
        {
            if (_listed.TryGetValue(plan.PlanId, out var known))
                rows[plan.PlanId] = known;
        }
        var missing = plans.Select(p => p.PlanId).Where(id => !rows.ContainsKey(id)).ToList();
        if (missing.Count > 0)
        {
            var steps = connection.Query<(long PlanId, long Seq, string Step, double Value, double Seconds)>(
                "SELECT plan_id, seq, step, value, seconds FROM plan_step WHERE plan_id IN @missing ORDER BY plan_id, seq", new { missing })
                .ToLookup(r => r.PlanId, r => new PlanStepRow(r.Seq, r.Step, r.Value, r.Seconds));
            var priorities = connection.Query<(long PlanId, long Priority, long Demands, long ServableDemands, long Quantity, long OnTime, long Late, long Unmet, double SmallestFillRatio)>(
                """
                SELECT plan_id, priority, demands, servable_demands, quantity, on_time, late, unmet, smallest_fill_ratio
                FROM plan_priority WHERE plan_id IN @missing ORDER BY plan_id, priority
                """, new { missing })
                .ToLookup(r => r.PlanId, r => new PlanPriorityRow(r.Priority, r.Demands, r.ServableDemands, r.Quantity, r.OnTime, r.Late, r.Unmet, r.SmallestFillRatio));
            if (_listed.Count + missing.Count > MaxListedPlans)
                _listed.Clear();
            foreach (var id in missing)
                _listed[id] = rows[id] = ([.. steps[id]], [.. priorities[id]]);
        }
        var stored = plans.Select(p => new StoredPlan(p, rows[p.PlanId].Steps, rows[p.PlanId].Priorities, [])).ToList();
        return RegistryStore.PageOf(stored, size, p => [p.Plan.PlanId.ToString(CultureInfo.InvariantCulture)]);
    }

    /// <summary>Every assignment of a plan in assignments.csv order.</summary>
    public IReadOnlyList<PlanAssignmentRow> Assignments(long planId)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: true);
        return [.. AllAssignments(connection, transaction, planId)];
    }

    /// <summary>A plan's summary, or null when there is no such plan.</summary>
    /// <summary>The active plan's id, if one is active.</summary>
    public long? ActivePlanId()
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<long?>("SELECT plan_id FROM plan WHERE status = @status ORDER BY plan_id DESC LIMIT 1", new { status = PlanStates.Active });
    }

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
        var materials = connection.Query<PlanMaterialRow>(
            "SELECT material_id AS MaterialId, supplied, used, moved FROM plan_material WHERE plan_id = @planId ORDER BY material_id", new { planId }).AsList();
        var options = connection.Query<PlanOptionRow>(
            $"SELECT {OptionColumns} FROM plan_option WHERE plan_id = @planId ORDER BY option_id", new { planId }).AsList();
        if (options.Exists(o => o.Units > 0))
        {
            var served = connection.Query<(string Source, string RequestKey)>(
                """
                SELECT DISTINCT source, request_key FROM plan_assignment
                WHERE plan_id = @planId AND source LIKE 'option:%' ORDER BY source, request_key
                """, new { planId }).ToLookup(r => r.Source, r => r.RequestKey, StringComparer.Ordinal);
            options = [.. options.Select(o => o with { RequestIds = [.. served[Sources.Option(o.OptionId)]] })];
        }
        return new StoredPlan(plan, steps, priorities, largest) { Materials = materials, Options = options };
    }

    /// <summary>The exact input a plan was made from, as stored (see <see cref="PlanInputJson"/>); null when there is no such plan.</summary>
    public string? GetInputsJson(long planId)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<string>("SELECT inputs_json FROM plan_input WHERE plan_id = @planId", new { planId });
    }

    /// <summary>A page of a plan's assignments in assignments.csv order, after row <paramref name="afterSeq"/>.</summary>
    public Page<PlanAssignmentRow> ListAssignments(long planId, long afterSeq, int size)
    {
        using var connection = database.Open();
        var rows = connection.Query<PlanAssignmentRow>(
            """
            SELECT seq, factory_id AS FactoryId, demand_id AS DemandId, request_key AS RequestKey, sku,
                   production_date AS ProductionDate, arrival_date AS ArrivalDate, quantity, source
            FROM plan_assignment WHERE plan_id = @planId AND seq > @afterSeq ORDER BY seq LIMIT @limit
            """, new { planId, afterSeq, limit = size + 1 }).AsList();
        return RegistryStore.PageOf(rows, size, r => [r.Seq.ToString(CultureInfo.InvariantCulture)]);
    }

    /// <summary>A page of a plan's material flows in material_flows.csv order, after row <paramref name="afterSeq"/>.</summary>
    public Page<PlanMaterialFlowRow> ListMaterialFlows(long planId, long afterSeq, int size)
    {
        using var connection = database.Open();
        var rows = connection.Query<PlanMaterialFlowRow>(
            """
            SELECT seq, material_id AS MaterialId, from_region AS FromRegion, to_region AS ToRegion, ship_date AS ShipDate,
                   arrival_date AS ArrivalDate, quantity
            FROM plan_material_flow WHERE plan_id = @planId AND seq > @afterSeq ORDER BY seq LIMIT @limit
            """, new { planId, afterSeq, limit = size + 1 }).AsList();
        return RegistryStore.PageOf(rows, size, r => [r.Seq.ToString(CultureInfo.InvariantCulture)]);
    }

    /// <summary>Every material flow of a plan in material_flows.csv order.</summary>
    public IReadOnlyList<PlanMaterialFlowRow> MaterialFlows(long planId) => ListMaterialFlows(planId, -1, int.MaxValue - 1).Items;

    /// <summary>A page of a plan's outcomes in outcomes.csv order, after row <paramref name="afterSeq"/>.</summary>
    public Page<PlanOutcomeRow> ListOutcomes(long planId, long afterSeq, int size)
    {
        using var connection = database.Open();
        var rows = connection.Query<PlanOutcomeRow>(
            $"SELECT {OutcomeColumns} FROM plan_outcome WHERE plan_id = @planId AND seq > @afterSeq ORDER BY seq LIMIT @limit",
            new { planId, afterSeq, limit = size + 1 }).AsList();
        return RegistryStore.PageOf(rows, size, r => [r.Seq.ToString(CultureInfo.InvariantCulture)]);
    }

    private static string Text(DateOnly date) => IsoDate.Text(date);

    private static DateOnly Date(string text) => IsoDate.Parse(text);
}
