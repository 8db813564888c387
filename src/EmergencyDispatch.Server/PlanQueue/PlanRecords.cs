using EmergencyDispatch.Planning.Loop;
using System.Globalization;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Plans;
using EmergencyDispatch.Planning.Scenarios;
using EmergencyDispatch.Server.Persistence;

namespace EmergencyDispatch.Server.PlanQueue;

/// <summary>Turns a planner's result into the rows a plan stores: assignments and outcomes in file order, metrics and the file hash.</summary>
public static class PlanRecords
{
    public static NewPlan Build(PlanSnapshot snapshot, PlanRequest request, PlanResult result, string createdBy, DateTimeOffset createdAt)
    {
        var inputs = snapshot.Inputs;
        var assignments = PlanFiles.InFileOrder(result.Assignments)
            .Select((a, i) => new PlanAssignmentRow(
                i, a.FactoryId, inputs.ByKey[a.DemandKey].DemandId, a.DemandKey, a.Sku, Date(a.ProductionDate), Date(a.ArrivalDate), a.Quantity, a.Source))
            .ToList();
        var demands = inputs.Input.Demands.ToDictionary(d => d.RequestId, StringComparer.Ordinal);
        var outcomes = PlanFiles.InFileOrder(result.Outcomes)
            .Select((o, i) => new PlanOutcomeRow(
                i, inputs.ByKey[o.DemandKey].DemandId, o.DemandKey, (long)demands[o.DemandKey].Priority, o.Quantity, o.OnTime, o.Late, o.Unmet,
                Codes.Reasons.Code(o.Reason), string.Join(';', o.Reason == ShortfallReason.MaterialShortage ? o.BindingMaterials : o.BindingFactories)))
            .ToList();
        var steps = result.StepValues
            .Select((v, i) => new PlanStepRow(i, v.Step.Name, v.Value, result.Timings.FirstOrDefault(t => t.Step == v.Step)?.Elapsed.TotalSeconds ?? 0))
            .ToList();
        var plan = new PlanRow(
            0,
            PlanStates.Draft,
            createdAt.ToUnixTimeMilliseconds(),
            createdBy,
            Date(request.StartDate),
            request.HorizonDays,
            PlannerCode(request.Planner),
            (long)request.TimeLimit.TotalMilliseconds,
            Codes.Completions.Code(result.Completion),
            result.LastCompletedStep?.Name,
            assignments.Count,
            outcomes.Count,
            AssignmentsSha256(result.Assignments),
            null,
            null,
            request.FrozenDays,
            snapshot.BaselinePlanId,
            snapshot.LoopVersion,
            snapshot.Commitments.Count,
            inputs.Input.Exclusions.Count,
            0, 0, 0, 0,
            inputs.Input.OptionBudget);
        if (snapshot.BaselinePlanId is not null)
        {
            var (kept, moved, dropped, added) = ReplanDiff.Compute(snapshot.Baseline, assignments);
            plan = plan with { UnitsKept = kept, UnitsMoved = moved, UnitsDropped = dropped, UnitsAdded = added };
        }
        var flows = PlanFiles.InFileOrder(result.MaterialFlows)
            .Select((f, i) => new PlanMaterialFlowRow(i, f.MaterialId, f.FromRegion, f.ToRegion, Date(f.ShipDate), Date(f.ArrivalDate), f.Quantity))
            .ToList();
        return new NewPlan(plan, PlanInputJson.Write(inputs), snapshot.Commitments, steps, Tiers(inputs.Input, result.Outcomes), assignments, outcomes)
        {
            MaterialFlows = flows,
            Options = [.. PlanMetrics.Options(inputs.Input, result.Assignments).Select(o => new PlanOptionRow(
                o.OptionId, o.FactoryId, o.Sku, o.FixedCost, Date(o.ReadyDate), Codes.OptionStates.Code(o.State), o.Units,
                o.FirstDate is { } first ? Date(first) : null, o.Demands, o.UnitsByTier[0], o.UnitsByTier[1], o.UnitsByTier[2], o.UnitsByTier[3]))],
            Materials = [.. PlanMetrics.Materials(inputs.Input, result.Assignments, result.MaterialFlows).Select(m => new PlanMaterialRow(m.MaterialId, m.Supplied, m.Used, m.Moved))],
        };
    }

    /// <summary>What the plan gives each tier; the smallest fill ratio is over the tier's servable demands (1 when none).</summary>
    public static List<PlanPriorityRow> Tiers(PlanningInput input, IReadOnlyList<Outcome> outcomes) =>
        PlanMetrics.Tiers(input, outcomes)
            .Select(t => new PlanPriorityRow((long)t.Priority, t.Demands, t.ServableDemands, t.Quantity, t.OnTime, t.Late, t.Unmet, t.SmallestFillRatio))
            .ToList();

    /// <summary>The plan's assignments_sha256: see <see cref="PlanFiles.AssignmentsSha256"/>.</summary>
    public static string AssignmentsSha256(IEnumerable<Assignment> assignments) => PlanFiles.AssignmentsSha256(assignments);

    public static string PlannerCode(PlannerKind planner) => Codes.Planners.Code(planner);

    public static string Date(DateOnly date) => IsoDate.Text(date);
}
