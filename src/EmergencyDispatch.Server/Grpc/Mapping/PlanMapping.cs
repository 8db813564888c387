using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Server.Persistence;
using Google.Protobuf.WellKnownTypes;
using ApiPriority = EmergencyDispatch.Api.V1.Priority;

namespace EmergencyDispatch.Server.Grpc.Mapping;

/// <summary>Stored plans and their rows as the API shows them.</summary>
public static class PlanMapping
{
    public static PlanSummary ToApi(StoredPlan stored)
    {
        var p = stored.Plan;
        var summary = new PlanSummary
        {
            PlanId = p.PlanId,
            Status = ApiValues.PlanStatusOf(p.Status),
            CreatedAt = ApiValues.Time(p.CreatedAt),
            CreatedBy = p.CreatedBy,
            Request = new CreatePlanRequest
            {
                StartDate = p.StartDate,
                HorizonDays = (int)p.HorizonDays,
                Planner = ApiValues.Planner(p.Planner),
                TimeLimit = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(p.TimeLimitMs)),
                FrozenDays = (int)p.FrozenDays,
                OptionBudget = p.OptionBudget,
            },
            Completion = ApiValues.Completion(p.Completion),
            LastCompletedStep = p.LastCompletedStep ?? "",
            AssignmentCount = (int)p.AssignmentCount,
            DemandCount = (int)p.DemandCount,
            AssignmentsSha256 = p.AssignmentsSha256,
            PublishedBy = p.PublishedBy ?? "",
            CommitmentCount = (int)p.CommitmentCount,
            ExclusionCount = (int)p.ExclusionCount,
        };
        if (p.PublishedAt is { } publishedAt)
            summary.PublishedAt = ApiValues.Time(publishedAt);
        if (p.BaselinePlanId is { } baseline)
        {
            summary.Changes = new ReplanChanges
            {
                ActivePlanId = baseline,
                UnitsKept = p.UnitsKept,
                UnitsMoved = p.UnitsMoved,
                UnitsDropped = p.UnitsDropped,
                UnitsAdded = p.UnitsAdded,
            };
        }
        summary.StepValues.AddRange(stored.Steps.Select(s => new Api.V1.StepValue { Step = s.Step, Value = s.Value, Seconds = s.Seconds }));
        summary.Priorities.AddRange(stored.Priorities.Select(r => new PriorityMetrics
        {
            Priority = (ApiPriority)(int)r.Priority,
            Demands = (int)r.Demands,
            ServableDemands = (int)r.ServableDemands,
            Quantity = r.Quantity,
            OnTime = r.OnTime,
            Late = r.Late,
            Unmet = r.Unmet,
            SmallestFillRatio = r.SmallestFillRatio,
        }));
        summary.LargestShortfalls.AddRange(stored.LargestShortfalls.Select(ToApi));
        summary.Materials.AddRange(stored.Materials.Select(m => new MaterialSummary { MaterialId = m.MaterialId, Supplied = m.Supplied, Used = m.Used, Moved = m.Moved }));
        summary.Options.AddRange(stored.Options.Select(ToApi));
        summary.OptionSpent = stored.OptionSpent;
        return summary;
    }

    /// <summary>One budget of a sweep.</summary>
    public static BudgetPoint ToApi(Planning.Plans.FrontierPoint p)
    {
        var point = new BudgetPoint { Budget = p.Budget, Completion = ApiValues.Completion(p.Completion), Spent = p.Spent };
        point.OptionsTaken.AddRange(p.OptionsTaken);
        point.Priorities.AddRange(p.Tiers.Select(t => new PriorityMetrics
        {
            Priority = (ApiPriority)(int)t.Priority,
            Demands = t.Demands,
            ServableDemands = t.ServableDemands,
            Quantity = t.Quantity,
            OnTime = t.OnTime,
            Late = t.Late,
            Unmet = t.Unmet,
            SmallestFillRatio = t.SmallestFillRatio,
        }));
        point.StepValues.AddRange(p.StepValues.Select(s => new Api.V1.StepValue { Step = s.Step.Name, Value = s.Value }));
        return point;
    }

    public static OptionSummary ToApi(PlanOptionRow o)
    {
        var option = new OptionSummary
        {
            OptionId = o.OptionId,
            FactoryId = o.FactoryId,
            Sku = o.Sku,
            FixedCost = o.FixedCost,
            ReadyDate = o.ReadyDate,
            State = ApiValues.OptionStateOf(o.State),
            Taken = o.Taken,
            Units = o.Units,
            FirstDate = o.FirstDate ?? "",
            DemandCount = (int)o.Demands,
        };
        option.UnitsByPriority.AddRange(new[] { o.UnitsP1, o.UnitsP2, o.UnitsP3, o.UnitsP4 }
            .Select((units, i) => new PriorityUnits { Priority = (ApiPriority)(i + 1), Units = units }));
        option.RequestIds.AddRange(o.RequestIds);
        return option;
    }

    public static Api.V1.Assignment ToApi(PlanAssignmentRow r) => new()
    {
        FactoryId = r.FactoryId,
        RequestId = r.RequestKey,
        DemandId = r.DemandId,
        Sku = r.Sku,
        ProductionDate = r.ProductionDate,
        ArrivalDate = r.ArrivalDate,
        Quantity = r.Quantity,
        Source = r.Source,
    };

    public static Api.V1.MaterialFlow ToApi(PlanMaterialFlowRow r) => new()
    {
        MaterialId = r.MaterialId,
        FromRegion = r.FromRegion,
        ToRegion = r.ToRegion,
        ShipDate = r.ShipDate,
        ArrivalDate = r.ArrivalDate,
        Quantity = r.Quantity,
    };

    public static Api.V1.Outcome ToApi(PlanOutcomeRow r)
    {
        var outcome = new Api.V1.Outcome
        {
            DemandId = r.DemandId,
            RequestId = r.RequestKey,
            Priority = (ApiPriority)(int)r.Priority,
            Quantity = r.Quantity,
            OnTime = r.OnTime,
            Late = r.Late,
            Unmet = r.Unmet,
            Reason = ApiValues.Reason(r.Reason),
        };
        if (r.Binding.Length > 0)
            (outcome.Reason == ShortfallReason.MaterialShortage ? outcome.BindingMaterials : outcome.BindingFactories).AddRange(r.Binding.Split(';'));
        return outcome;
    }
}
