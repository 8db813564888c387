using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Plans;

namespace EmergencyDispatch.Server.PlanQueue;

/// <summary>A checked plan request with its defaults filled in; its bounds are <see cref="Rules"/>'.</summary>
public sealed record PlanRequest(DateOnly StartDate, int HorizonDays, PlannerKind Planner, TimeSpan TimeLimit, int FrozenDays = Rules.DefaultFrozenDays, bool Publish = false, double OptionBudget = 0);
