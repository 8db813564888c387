using System.Globalization;
using Dapper;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Plans;
using Microsoft.Data.Sqlite;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>
/// An option of a short demand's sku whose line could have delivered to it on time in a plan: its state there, the
/// units the plan put on the line for the demand, the line's capacity on the days that arrive by the due date, and why
/// it gave no more.
/// </summary>
public sealed record OptionNote(string OptionId, string FactoryId, string State, double FixedCost, long Units, long OnTimeCapacity, string Note);

/// <summary>
/// ExplainDemand on option lines: for a demand with late or unmet units in a plan, the options of its sku at a factory
/// with a route (a lane, or the same region) whose line could produce on a day that arrives by the due date, from
/// the plan's own inputs (lanes, factories, availability, options) and rows.
/// </summary>
public static class OptionNotes
{
    private sealed class OptionInput
    {
        public string OptionId { get; init; } = "";
        public double UnitsPerDay { get; init; }
        public string ReadyDate { get; init; } = "";
        public long RampDays { get; init; }
    }

    public static IReadOnlyList<OptionNote> For(SqliteConnection connection, long planId, long demandId)
    {
        var demand = connection.QuerySingleOrDefault<(string Sku, string Region, string DueDate)>(
            "SELECT sku, region, due_date FROM demand WHERE demand_id = @demandId", new { demandId });
        if (demand.Sku is null)
            return [];
        var options = connection.Query<PlanOptionRow>(
            $"SELECT {PlanStore.OptionColumns} FROM plan_option WHERE plan_id = @planId AND sku = @sku ORDER BY option_id",
            new { planId, sku = demand.Sku }).AsList();
        if (options.Count == 0)
            return [];

        var plan = connection.QuerySingle<(double Budget, string StartDate, long HorizonDays)>(
            "SELECT CAST(option_budget AS REAL), start_date, horizon_days FROM plan WHERE plan_id = @planId", new { planId });
        var spent = connection.ExecuteScalar<double?>(
            "SELECT CAST(SUM(fixed_cost) AS REAL) FROM plan_option WHERE plan_id = @planId AND state = 'TAKEN'", new { planId }) ?? 0;
        var factories = options.Select(o => o.FactoryId).Distinct().ToList();
        var regionOf = connection.Query<(string FactoryId, string Region)>(
            """
            SELECT json_extract(value, '$.factory_id'), json_extract(value, '$.region')
            FROM plan_input, json_each(plan_input.inputs_json, '$.factories') WHERE plan_id = @planId
            """, new { planId }).Where(f => factories.Contains(f.FactoryId)).ToDictionary(f => f.FactoryId, f => f.Region, StringComparer.Ordinal);
        var leadTo = connection.Query<(string From, long Lead)>(
            """
            SELECT json_extract(value, '$.from_region'), CAST(json_extract(value, '$.lead_days') AS INTEGER)
            FROM plan_input, json_each(plan_input.inputs_json, '$.lanes')
            WHERE plan_id = @planId AND json_extract(value, '$.to_region') = @region
            """, new { planId, region = demand.Region }).ToDictionary(l => l.From, l => l.Lead, StringComparer.Ordinal);
        var lines = connection.Query<OptionInput>(
            """
            SELECT json_extract(value, '$.option_id') AS OptionId, CAST(json_extract(value, '$.units_per_day') AS REAL) AS UnitsPerDay,
                   json_extract(value, '$.ready_date') AS ReadyDate, CAST(json_extract(value, '$.ramp_days') AS INTEGER) AS RampDays
            FROM plan_input, json_each(plan_input.inputs_json, '$.options') WHERE plan_id = @planId
            """, new { planId }).ToDictionary(o => o.OptionId, StringComparer.Ordinal);
        var factors = connection.Query<(string FactoryId, string Date, double Factor)>(
            """
            SELECT json_extract(value, '$.factory_id'), json_extract(value, '$.date'), CAST(json_extract(value, '$.factor') AS REAL)
            FROM plan_input, json_each(plan_input.inputs_json, '$.availability') WHERE plan_id = @planId
            """, new { planId }).Where(a => factories.Contains(a.FactoryId)).ToDictionary(a => (a.FactoryId, a.Date), a => a.Factor);
        var unitsOf = connection.Query<(string Source, long Units)>(
            "SELECT source, SUM(quantity) FROM plan_assignment WHERE plan_id = @planId AND demand_id = @demandId GROUP BY source",
            new { planId, demandId }).ToDictionary(u => u.Source, u => u.Units, StringComparer.Ordinal);

        var start = IsoDate.Parse(plan.StartDate);
        var due = IsoDate.Parse(demand.DueDate);
        var notes = new List<OptionNote>();
        foreach (var o in options)
        {
            if (!lines.TryGetValue(o.OptionId, out var line) || !regionOf.TryGetValue(o.FactoryId, out var region))
                continue;
            long? lead = region == demand.Region ? 0 : leadTo.TryGetValue(region, out var l) ? l : null;
            if (lead is null)
                continue;
            // The line's capacity on the days whose units arrive by the due date (MODEL.md constraint 6).
            var ready = IsoDate.Parse(line.ReadyDate);
            var capacity = 0.0;
            for (var t = 0; t < plan.HorizonDays; t++)
            {
                var day = start.AddDays(t);
                if (day < ready || day.AddDays((int)lead) > due)
                    continue;
                var ramp = Math.Min(1, (day.DayNumber - ready.DayNumber + 1) / (double)(line.RampDays + 1));
                capacity += line.UnitsPerDay * factors.GetValueOrDefault((o.FactoryId, IsoDate.Text(day)), 1.0) * ramp;
            }
            if (capacity < 1)
                continue;
            var units = unitsOf.GetValueOrDefault(Sources.Option(o.OptionId));
            notes.Add(new OptionNote(o.OptionId, o.FactoryId, o.State, o.FixedCost, units, (long)Math.Floor(capacity + 1e-9),
                Why(o, units, spent, plan.Budget)));
        }
        return notes;
    }

    private static string Why(PlanOptionRow o, long units, double spent, double budget)
    {
        var state = Codes.OptionStates.Parse(o.State);
        return state switch
        {
            OptionState.Taken or OptionState.Committed => units > 0
                ? $"taken: its line gave this demand {N(units)} units; the rest of its capacity went to work that ranks earlier or cost less"
                : "taken: its line's capacity went to work that ranks earlier",
            OptionState.Rejected => "not available: its factory rejected it (a coordinator can clear the rejection)",
            OptionState.OverBudget => $"not available: its fixed cost {Q(o.FixedCost)} alone is over the budget {Q(budget)}",
            _ when spent + o.FixedCost > budget * (1 + 1e-9) + 1e-6 =>
                $"not taken: budget ({Q(spent)} of {Q(budget)} spent on options that serve earlier steps; this one costs {Q(o.FixedCost)})",
            _ => "not taken although the budget allowed it: its line adds nothing the earlier steps did not already reach",
        };
    }

    private static string N(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    private static string Q(double value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);
}
