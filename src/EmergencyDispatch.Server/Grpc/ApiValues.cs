using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Server.Persistence;
using Google.Protobuf.WellKnownTypes;

namespace EmergencyDispatch.Server.Grpc;

/// <summary>Stored values as the API shows them.</summary>
public static class ApiValues
{
    /// <summary>A stored time (Unix milliseconds, UTC).</summary>
    public static Timestamp Time(long unixMilliseconds) => Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds));

    /// <summary>A stored plan status (DRAFT, ACTIVE, SUPERSEDED).</summary>
    public static PlanStatus PlanStatusOf(string status) => status switch
    {
        PlanStore.Active => PlanStatus.Active,
        PlanStore.Superseded => PlanStatus.Superseded,
        _ => PlanStatus.Draft,
    };
}
