using EmergencyDispatch.Planning.Plans;

namespace EmergencyDispatch.Server.Planning;

/// <summary>A checked plan request with its defaults filled in.</summary>
public sealed record PlanRequest(DateOnly StartDate, int HorizonDays, PlannerKind Planner, TimeSpan TimeLimit, int FrozenDays = PlanRequest.DefaultFrozenDays, bool Publish = false)
{
    public const int DefaultFrozenDays = 2;
    public const int DefaultHorizonDays = 14;
    public const int MaxHorizonDays = 90;
    public static readonly TimeSpan MaxTimeLimit = TimeSpan.FromMinutes(10);
}
