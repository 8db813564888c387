using Dapper;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>A demand as the auditor names it.</summary>
public sealed record DemandIdentity(long DemandId, string Submitter, string RequestId, long Priority, string DueDate);

/// <summary>A demand's outcome in one plan, with the plan's status and creation time.</summary>
public sealed record PlannedOutcome(long PlanId, string Status, long CreatedAt, PlanOutcomeRow Outcome);

/// <summary>Units a plan gave another demand from one factory.</summary>
public sealed record CompetitorUnits(long DemandId, string RequestKey, long Priority, string FactoryId, long Units);

/// <summary>The auditor's questions about demands across stored plans.</summary>
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
    /// Units the plan gave other demands of priority <paramref name="priority"/> or higher (a number at most it) from
    /// the factories, on production days up to <paramref name="dueDate"/>.
    /// </summary>
    public IReadOnlyList<CompetitorUnits> Competitors(long planId, long demandId, IReadOnlyList<string> factories, long priority, string dueDate)
    {
        if (factories.Count == 0)
            return [];
        using var connection = database.Open();
        return connection.Query<CompetitorUnits>(
            """
            SELECT a.demand_id AS DemandId, a.request_key AS RequestKey, o.priority, a.factory_id AS FactoryId, SUM(a.quantity) AS Units
            FROM plan_assignment a JOIN plan_outcome o ON o.demand_id = a.demand_id AND o.plan_id = a.plan_id
            WHERE a.plan_id = @planId AND a.factory_id IN @factories AND a.production_date <= @dueDate
              AND a.demand_id <> @demandId AND o.priority <= @priority
            GROUP BY a.demand_id, a.request_key, o.priority, a.factory_id
            """, new { planId, factories, dueDate, demandId, priority }).AsList();
    }
}
