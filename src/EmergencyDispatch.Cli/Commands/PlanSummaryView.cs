using System.Globalization;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Cli.Infrastructure;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Plans;
using DomainOutcome = EmergencyDispatch.Planning.Plans.Outcome;
using DomainReason = EmergencyDispatch.Planning.Plans.ShortfallReason;

namespace EmergencyDispatch.Cli.Commands;

/// <summary>A plan's summary per priority and its largest shortfalls, as tables: from a local plan or from a stored plan's summary.</summary>
public static class PlanSummaryView
{
    public const int Shortfalls = 10;

    /// <summary>One priority tier's line; <paramref name="Servable"/> 0 shows the smallest fill ratio as "-".</summary>
    public sealed record Tier(string Priority, long Demand, long OnTime, long Late, long Unmet, int Servable, double SmallestFillRatio);

    /// <summary>One demand with late or unmet units; <paramref name="Reason"/> as outcomes.csv writes it.</summary>
    public sealed record Shortfall(string RequestId, string Priority, long Quantity, long Late, long Unmet, string Reason);

    /// <summary>A plan made here (<c>dispatchctl solve</c>).</summary>
    public static void Write(CliConsole console, PlanningInput input, PlanResult plan, int shortfalls = Shortfalls)
    {
        var demands = input.Demands.ToDictionary(d => d.RequestId, StringComparer.Ordinal);
        var tiers = PlanMetrics.Tiers(input, plan.Outcomes)
            .Select(t => new Tier(t.Priority.ToCode(), t.Quantity, t.OnTime, t.Late, t.Unmet, t.ServableDemands, t.SmallestFillRatio))
            .ToList();
        var largest = plan.Outcomes.Where(o => o.Unmet + o.Late > 0)
            .OrderByDescending(o => o.Unmet + o.Late).ThenBy(o => o.DemandKey, StringComparer.Ordinal).Take(shortfalls)
            .Select(o => new Shortfall(o.DemandKey, demands[o.DemandKey].Priority.ToCode(), o.Quantity, o.Late, o.Unmet, o.ReasonText))
            .ToList();
        Write(console, tiers, largest);
        WriteMaterials(console, PlanMetrics.Materials(input, plan.Assignments, plan.MaterialFlows));
        WriteOptions(console, input, plan);
    }

    /// <summary>The options the plan takes, with their units and fixed costs, and the budget spent; the steps where the plan is below its LP bound.</summary>
    public static void WriteOptions(CliConsole console, PlanningInput input, PlanResult plan)
    {
        if (input.Options.Count == 0)
            return;
        var options = input.Options.ToDictionary(o => o.OptionId, StringComparer.Ordinal);
        var committed = input.CommittedOptions.ToHashSet(StringComparer.Ordinal);
        var taken = plan.Decisions.Where(d => d.Taken).ToList();
        if (taken.Count > 0)
        {
            console.Out.Write(Output.Table(
                ["option", "factory", "sku", "units", "fixed cost"],
                taken.Select(d => new[] { d.OptionId, options[d.OptionId].FactoryId, options[d.OptionId].Sku, N(d.Units), committed.Contains(d.OptionId) ? "committed" : Q(options[d.OptionId].FixedCost) })));
        }
        var spent = plan.StepValues.FirstOrDefault(v => v.Step.Kind == StepKind.OptionCost)?.Value ?? 0;
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"options: {taken.Count} of {plan.Decisions.Count} taken, {Q(spent)} of the budget {Q(input.OptionBudget)} spent"));
        foreach (var (value, bound) in plan.StepValues.Zip(plan.Bounds))
        {
            var gap = Math.Abs(bound.Value - value.Value);
            if (gap > 1e-6 * Math.Max(1, Math.Abs(bound.Value)))
                console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {value.Step.Name}: {value.Value:0.######}, LP bound {bound.Value:0.######} (gap {100 * gap / Math.Max(1e-12, Math.Abs(bound.Value)):0.###}%)"));
        }
    }

    /// <summary>Per material: supplied inside the horizon, used by the plan's production, moved between regions, and what is left.</summary>
    public static void WriteMaterials(CliConsole console, IReadOnlyList<MaterialMetrics> materials)
    {
        if (materials.Count == 0)
            return;
        console.Out.Write(Output.Table(
            ["material", "supplied", "used", "moved", "left"],
            materials.Select(m => new[] { m.MaterialId, Q(m.Supplied), Q(m.Used), Q(m.Moved), Q(Math.Max(0, m.Supplied - m.Used)) })));
    }

    private static string Q(double quantity) => quantity.ToString("#,0.###", CultureInfo.InvariantCulture);

    /// <summary>A stored plan, from its summary (the server already picked the largest shortfalls), after what it kept from and changed in the active plan.</summary>
    public static void Write(CliConsole console, PlanSummary summary)
    {
        foreach (var line in ReplanLines(summary))
            console.WriteLine(line);
        var tiers = summary.Priorities
            .Select(p => new Tier(ProtoText.Code(p.Priority), p.Quantity, p.OnTime, p.Late, p.Unmet, p.ServableDemands, p.SmallestFillRatio))
            .ToList();
        var largest = summary.LargestShortfalls
            .Select(o => new Shortfall(o.RequestId, ProtoText.Code(o.Priority), o.Quantity, o.Late, o.Unmet, ToDomain(o).ReasonText))
            .ToList();
        Write(console, tiers, largest);
        WriteMaterials(console, [.. summary.Materials.Select(m => new MaterialMetrics(m.MaterialId, m.Supplied, m.Used, m.Moved))]);
        WriteOptions(console, summary);
    }

    /// <summary>A stored plan's options: those taken with their units, first day, demands and units per tier; those it could not take; the budget spent.</summary>
    public static void WriteOptions(CliConsole console, PlanSummary summary)
    {
        if (summary.Options.Count == 0)
            return;
        var taken = summary.Options.Where(o => o.Taken).ToList();
        if (taken.Count > 0)
        {
            console.Out.Write(Output.Table(
                ["option", "factory", "sku", "units", "first day", "demands", "CRITICAL", "HIGH", "NORMAL", "LOW", "fixed cost"],
                taken.Select(o => new[]
                {
                    o.OptionId, o.FactoryId, o.Sku, N(o.Units), o.FirstDate, N(o.DemandCount),
                    N(o.UnitsByPriority[0].Units), N(o.UnitsByPriority[1].Units), N(o.UnitsByPriority[2].Units), N(o.UnitsByPriority[3].Units),
                    o.State == Api.V1.OptionState.Committed ? "committed" : Q(o.FixedCost),
                })));
        }
        var unavailable = summary.Options.Where(o => o.State is Api.V1.OptionState.Rejected or Api.V1.OptionState.OverBudget).ToList();
        var line = $"options: {N(taken.Count)} of {N(summary.Options.Count)} taken, {Q(summary.OptionSpent)} of the budget {Q(summary.Request.OptionBudget)} spent";
        if (unavailable.Count > 0)
            line += "; not available: " + string.Join(", ", unavailable.Select(o => $"{o.OptionId} ({(o.State == Api.V1.OptionState.Rejected ? "rejected" : "over the budget")})"));
        console.WriteLine(line);
    }

    public static void Write(CliConsole console, IReadOnlyList<Tier> tiers, IReadOnlyList<Shortfall> shortfalls)
    {
        console.Out.Write(Output.Table(
            ["priority", "demand", "on time", "late", "unmet", "smallest fill ratio"],
            tiers.Select(t => new[]
            {
                t.Priority, N(t.Demand), N(t.OnTime), N(t.Late), N(t.Unmet),
                t.Servable == 0 ? "-" : t.SmallestFillRatio.ToString("0.0000", CultureInfo.InvariantCulture),
            })));
        if (shortfalls.Count > 0)
        {
            // The demanded quantity last: a narrow terminal drops it first, and the reason stays whole.
            console.Out.Write(Output.Table(console.Out,
                ["request_id", "priority", "late", "unmet", "reason", "quantity"],
                [.. shortfalls.Select(s => (IReadOnlyList<string>)[s.RequestId, s.Priority, N(s.Late), N(s.Unmet), ShortReason(s.Reason), N(s.Quantity)])],
                required: 5));
        }
    }

    /// <summary>
    /// A reason as a table shows it, narrow enough for an 80-column terminal: its binding sites or materials named when
    /// there are at most two (<c>CAPACITY_SHORTAGE: F1, F2</c>), counted when more (<c>CAPACITY_SHORTAGE: 23 sites</c>).
    /// outcomes.csv, --json and --csv keep the full list.
    /// </summary>
    public static string ShortReason(string reason)
    {
        var colon = reason.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
            return reason;
        var code = reason[..colon];
        var names = reason[(colon + 1)..].Split(';', StringSplitOptions.RemoveEmptyEntries);
        var what = code == Codes.Reasons.Code(DomainReason.MaterialShortage) ? "materials" : "sites";
        return names.Length <= 2 ? $"{code}: {string.Join(", ", names)}" : $"{code}: {N(names.Length)} {what}";
    }

    /// <summary>
    /// How a plan relates to the factories' work: the accepted assignments it kept and the rejected (factory, demand)
    /// pairs it left out, and its units against the plan active when it was made. None for a plan made with no active plan.
    /// </summary>
    public static IReadOnlyList<string> ReplanLines(PlanSummary summary)
    {
        if (summary.Changes is null && summary.CommitmentCount == 0 && summary.ExclusionCount == 0)
            return [];
        var lines = new List<string>
        {
            $"commitments: {N(summary.CommitmentCount)} accepted assignment(s) kept; "
                + $"exclusions: {N(summary.ExclusionCount)} rejected (factory, demand) pair(s) not used",
        };
        if (summary.Changes is { } c)
        {
            lines.Add($"against plan {ProtoText.Number(c.ActivePlanId)}: kept {N(c.UnitsKept)}, moved {N(c.UnitsMoved)}, "
                + $"dropped {N(c.UnitsDropped)}, added {N(c.UnitsAdded)} units");
        }
        return lines;
    }

    /// <summary>A stored outcome as the planner's own type, for <see cref="PlanFiles"/> and <see cref="DomainOutcome.ReasonText"/>.</summary>
    public static DomainOutcome ToDomain(Api.V1.Outcome o) => new(
        o.RequestId,
        o.Quantity,
        o.OnTime,
        o.Late,
        o.Reason switch
        {
            Api.V1.ShortfallReason.NoCapableFactory => DomainReason.NoCapableFactory,
            Api.V1.ShortfallReason.NoOnTimeRoute => DomainReason.NoOnTimeRoute,
            Api.V1.ShortfallReason.CapacityShortage => DomainReason.CapacityShortage,
            Api.V1.ShortfallReason.MaterialShortage => DomainReason.MaterialShortage,
            Api.V1.ShortfallReason.None => DomainReason.None,
            var other => throw new FormatException($"the server sent a shortfall reason this dispatchctl does not know ({other}); use a dispatchctl as new as the server"),
        },
        [.. o.BindingFactories])
    {
        BindingMaterials = [.. o.BindingMaterials],
    };

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
