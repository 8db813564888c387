using System.CommandLine;
using System.Globalization;
using EmergencyDispatch.Api.V1;
using Google.Protobuf.WellKnownTypes;

namespace EmergencyDispatch.Cli.Infrastructure;

/// <summary>How API values are spelled on the command line and in tables: the MODEL.md codes (CRITICAL, OPEN), not the proto enum names.</summary>
public static class ProtoText
{
    public static readonly IReadOnlyDictionary<string, Priority> Priorities = new Dictionary<string, Priority>(StringComparer.OrdinalIgnoreCase)
    {
        ["CRITICAL"] = Priority.Critical,
        ["HIGH"] = Priority.High,
        ["NORMAL"] = Priority.Normal,
        ["LOW"] = Priority.Low,
    };

    public static readonly IReadOnlyDictionary<string, DemandStatus> Statuses = new Dictionary<string, DemandStatus>(StringComparer.OrdinalIgnoreCase)
    {
        ["OPEN"] = DemandStatus.Open,
        ["CANCELLED"] = DemandStatus.Cancelled,
        ["PARTIALLY_FULFILLED"] = DemandStatus.PartiallyFulfilled,
        ["FULFILLED"] = DemandStatus.Fulfilled,
    };

    public static readonly IReadOnlyDictionary<string, PlanStatus> PlanStatuses = new Dictionary<string, PlanStatus>(StringComparer.OrdinalIgnoreCase)
    {
        ["DRAFT"] = PlanStatus.Draft,
        ["ACTIVE"] = PlanStatus.Active,
        ["SUPERSEDED"] = PlanStatus.Superseded,
    };

    // Formats a --from/--to TIME may take: a date (midnight UTC) or a date and time, with an offset or Z (none means UTC).
    private static readonly string[] TimeFormats =
        ["yyyy-MM-dd", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    /// <summary>API key roles as <c>admin keys</c> spells them.</summary>
    public static readonly IReadOnlyDictionary<string, Role> Roles = new Dictionary<string, Role>(StringComparer.OrdinalIgnoreCase)
    {
        ["admin"] = Role.Admin,
        ["coordinator"] = Role.Coordinator,
        ["factory"] = Role.Factory,
        ["auditor"] = Role.Auditor,
    };

    public static string Code(Role role) => Roles.FirstOrDefault(r => r.Value == role).Key ?? role.ToString();

    public static string Code(Priority priority) => Priorities.FirstOrDefault(p => p.Value == priority).Key ?? priority.ToString();

    public static string Code(DemandStatus status) => Statuses.FirstOrDefault(s => s.Value == status).Key ?? status.ToString();

    /// <summary>A plan status as the server stores it: DRAFT, ACTIVE or SUPERSEDED.</summary>
    public static string Code(PlanStatus status) => PlanStatuses.FirstOrDefault(s => s.Value == status).Key ?? status.ToString();

    /// <summary>How a solve ended: COMPLETE, TIME_LIMIT or SOLVER_FAILED, as the server stores it.</summary>
    public static string Code(PlanCompletion completion) => completion switch
    {
        PlanCompletion.Complete => "COMPLETE",
        PlanCompletion.TimeLimit => "TIME_LIMIT",
        PlanCompletion.SolverFailed => "SOLVER_FAILED",
        _ => completion.ToString(),
    };

    /// <summary>A planner as <c>--planner</c> spells it: lp or greedy.</summary>
    public static string Code(Planner planner) => planner == Planner.Greedy ? "greedy" : "lp";

    /// <summary>An option's state in a plan as the server stores it (TAKEN, NOT_TAKEN, COMMITTED, REJECTED, OVER_BUDGET); "-" where a plan has no such option.</summary>
    public static string Code(OptionState state) => state switch
    {
        OptionState.Taken => "TAKEN",
        OptionState.NotTaken => "NOT_TAKEN",
        OptionState.Committed => "COMMITTED",
        OptionState.Rejected => "REJECTED",
        OptionState.OverBudget => "OVER_BUDGET",
        OptionState.Unspecified => "-",
        _ => state.ToString(),
    };

    /// <summary>A timestamp as <c>yyyy-MM-dd HH:mm:ss</c> UTC, or empty when unset.</summary>
    public static string Time(Timestamp? timestamp) =>
        timestamp is null ? "" : timestamp.ToDateTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>An ISO-8601 time (<c>2026-11-28T10:00:00Z</c>, with an offset, or none for UTC) or a date (<c>2026-11-28</c>, midnight UTC).</summary>
    public static bool TryParseTime(string text, out Timestamp timestamp)
    {
        var ok = DateTimeOffset.TryParseExact(
            text, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time);
        timestamp = ok ? Timestamp.FromDateTimeOffset(time) : new Timestamp();
        return ok;
    }

    /// <summary>An option that takes a time as <see cref="TryParseTime"/> reads it; null when not given.</summary>
    public static Option<Timestamp?> TimeOption(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "TIME",
        CustomParser = result =>
        {
            if (result.Tokens.Count == 0)
                return null;
            var text = result.Tokens[0].Value;
            if (TryParseTime(text, out var timestamp))
                return timestamp;
            result.AddError($"{name} must be an ISO-8601 time such as 2026-11-28T10:00:00Z or a date yyyy-MM-dd (midnight UTC), got '{text}'.");
            return null;
        },
    };

    /// <summary>A number as written in a scenario CSV: invariant culture, shortest round-trip form.</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>An option that takes one of <paramref name="choices"/>, in any letter case.</summary>
    public static Option<T?> ChoiceOption<T>(string name, string description, IReadOnlyDictionary<string, T> choices)
        where T : struct, System.Enum
    {
        var option = new Option<T?>(name)
        {
            Description = description,
            HelpName = string.Join('|', choices.Keys),
            CustomParser = result =>
            {
                if (result.Tokens.Count == 0)
                    return null;
                var text = result.Tokens[0].Value;
                if (choices.TryGetValue(text, out var value))
                    return value;
                result.AddError($"{name} must be one of {string.Join(", ", choices.Keys)}, got '{text}'.");
                return null;
            },
        };
        option.CompletionSources.Add([.. choices.Keys]);
        return option;
    }

    /// <summary>A repeatable option whose values are each one of <paramref name="choices"/>, in any letter case.</summary>
    public static Option<T[]> ChoicesOption<T>(string name, string description, IReadOnlyDictionary<string, T> choices)
        where T : struct, System.Enum
    {
        var option = new Option<T[]>(name)
        {
            Description = description,
            HelpName = string.Join('|', choices.Keys),
            DefaultValueFactory = _ => [],
            CustomParser = result =>
            {
                var values = new List<T>();
                foreach (var token in result.Tokens)
                {
                    if (choices.TryGetValue(token.Value, out var value))
                        values.Add(value);
                    else
                        result.AddError($"{name} must be one of {string.Join(", ", choices.Keys)}, got '{token.Value}'.");
                }
                return [.. values];
            },
        };
        option.CompletionSources.Add([.. choices.Keys]);
        return option;
    }
}
