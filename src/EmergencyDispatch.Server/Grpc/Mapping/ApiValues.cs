using EmergencyDispatch.Planning.Loop;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Planning.Plans;
using EmergencyDispatch.Server.Persistence;
using DomainCompletion = EmergencyDispatch.Planning.Plans.PlanCompletion;
using DomainReason = EmergencyDispatch.Planning.Plans.ShortfallReason;
using Google.Protobuf.WellKnownTypes;

namespace EmergencyDispatch.Server.Grpc.Mapping;

/// <summary>Stored values as the API shows them.</summary>
public static class ApiValues
{
    /// <summary>A stored time (Unix milliseconds, UTC).</summary>
    public static Timestamp Time(long unixMilliseconds) => Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds));

    /// <summary>A stored plan status (DRAFT, ACTIVE, SUPERSEDED).</summary>
    public static PlanStatus PlanStatusOf(string status) => status switch
    {
        PlanStates.Active => PlanStatus.Active,
        PlanStates.Superseded => PlanStatus.Superseded,
        PlanStates.Draft => PlanStatus.Draft,
        _ => throw new FormatException($"'{status}' is not a stored plan status (DRAFT, ACTIVE, SUPERSEDED)"),
    };

    /// <summary>How far a plan got; a value this build does not know throws.</summary>
    public static Api.V1.PlanCompletion Completion(DomainCompletion completion) => completion switch
    {
        DomainCompletion.Complete => Api.V1.PlanCompletion.Complete,
        DomainCompletion.TimeLimit => Api.V1.PlanCompletion.TimeLimit,
        DomainCompletion.SolverFailed => Api.V1.PlanCompletion.SolverFailed,
        _ => throw new ArgumentOutOfRangeException(nameof(completion), completion, "no API value"),
    };

    /// <summary>A stored completion code (COMPLETE, TIME_LIMIT, SOLVER_FAILED).</summary>
    public static Api.V1.PlanCompletion Completion(string stored) => Completion(Codes.Completions.Parse(stored));

    /// <summary>A stored planner code (LP, GREEDY).</summary>
    public static Api.V1.Planner Planner(string stored) => Codes.Planners.Parse(stored) switch
    {
        PlannerKind.Lp => Api.V1.Planner.Lp,
        PlannerKind.Greedy => Api.V1.Planner.Greedy,
        var other => throw new ArgumentOutOfRangeException(nameof(stored), other, "no API value"),
    };

    /// <summary>A stored reason code (empty for none).</summary>
    public static Api.V1.ShortfallReason Reason(string stored) => Codes.Reasons.Parse(stored) switch
    {
        DomainReason.None => Api.V1.ShortfallReason.None,
        DomainReason.NoCapableFactory => Api.V1.ShortfallReason.NoCapableFactory,
        DomainReason.NoOnTimeRoute => Api.V1.ShortfallReason.NoOnTimeRoute,
        DomainReason.CapacityShortage => Api.V1.ShortfallReason.CapacityShortage,
        DomainReason.MaterialShortage => Api.V1.ShortfallReason.MaterialShortage,
        var other => throw new ArgumentOutOfRangeException(nameof(stored), other, "no API value"),
    };

    /// <summary>A stored option state code (TAKEN, NOT_TAKEN, COMMITTED, REJECTED, OVER_BUDGET).</summary>
    public static Api.V1.OptionState OptionStateOf(string stored) => Codes.OptionStates.Parse(stored) switch
    {
        Planning.Plans.OptionState.Taken => Api.V1.OptionState.Taken,
        Planning.Plans.OptionState.NotTaken => Api.V1.OptionState.NotTaken,
        Planning.Plans.OptionState.Committed => Api.V1.OptionState.Committed,
        Planning.Plans.OptionState.Rejected => Api.V1.OptionState.Rejected,
        Planning.Plans.OptionState.OverBudget => Api.V1.OptionState.OverBudget,
        var other => throw new ArgumentOutOfRangeException(nameof(stored), other, "no API value"),
    };
}
