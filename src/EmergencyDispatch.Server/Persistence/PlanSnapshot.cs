
namespace EmergencyDispatch.Server.Persistence;

/// <summary>Units of a live assignment still to produce: what a re-plan is compared with.</summary>
public sealed class BaselineUnits
{
    public long DemandId { get; init; }
    public string FactoryId { get; init; } = "";
    public string ProductionDate { get; init; } = "";
    public long Units { get; init; }
}

/// <summary>
/// What a plan is made from, read in one transaction: its inputs, the plan active at that moment (null: none), the
/// last assignment change seen, the accepted assignments kept as commitments (with the units still to produce) and the
/// active plan's units still to produce.
/// </summary>
public sealed record PlanSnapshot(
    PlanInputs Inputs,
    long? BaselinePlanId,
    long LoopVersion,
    IReadOnlyList<(long AssignmentId, long Quantity)> Commitments,
    IReadOnlyList<BaselineUnits> Baseline);
