using EmergencyDispatch.Planning.Plans;

namespace EmergencyDispatch.Server.Persistence;

// Row types of the plan tables (0003_plans.sql), as SQLite stores them.

/// <summary>A plan's own row, without its inputs.</summary>
public sealed record PlanRow(
    long PlanId,
    string Status,
    long CreatedAt,
    string CreatedBy,
    string StartDate,
    long HorizonDays,
    string Planner,
    long TimeLimitMs,
    string Completion,
    string? LastCompletedStep,
    long AssignmentCount,
    long DemandCount,
    string AssignmentsSha256,
    long? PublishedAt,
    string? PublishedBy,
    long FrozenDays,
    long? BaselinePlanId,
    long LoopVersion,
    long CommitmentCount,
    long ExclusionCount,
    long UnitsKept,
    long UnitsMoved,
    long UnitsDropped,
    long UnitsAdded,
    double OptionBudget);

/// <summary>The value of one objective step; <c>Seq</c> is its place in MODEL.md order.</summary>
public sealed record PlanStepRow(long Seq, string Step, double Value, double Seconds);

/// <summary>What a plan gives one priority tier (1 CRITICAL .. 4 LOW).</summary>
public sealed record PlanPriorityRow(
    long Priority, long Demands, long ServableDemands, long Quantity, long OnTime, long Late, long Unmet, double SmallestFillRatio);

/// <summary>One assignment; <c>Seq</c> is its row in assignments.csv, <c>RequestKey</c> the demand's key there.</summary>
public sealed record PlanAssignmentRow(
    long Seq, string FactoryId, long DemandId, string RequestKey, string Sku, string ProductionDate, string ArrivalDate, long Quantity, string Source);

/// <summary>One material move a plan needs; <c>Seq</c> is its row in material_flows.csv.</summary>
public sealed record PlanMaterialFlowRow(
    long Seq, string MaterialId, string FromRegion, string ToRegion, string ShipDate, string ArrivalDate, double Quantity);

/// <summary>One demand's outcome; <c>Reason</c> is a code or empty, <c>Binding</c> the binding factories joined by ';'.</summary>
public sealed record PlanOutcomeRow(
    long Seq, long DemandId, string RequestKey, long Priority, long Quantity, long OnTime, long Late, long Unmet, string Reason, string Binding);

/// <summary>Everything a plan stores, before it has an id; commitments are the accepted assignments it kept, with their units.</summary>
public sealed record NewPlan(
    PlanRow Plan,
    string InputsJson,
    IReadOnlyList<(long AssignmentId, long Quantity)> Commitments,
    IReadOnlyList<PlanStepRow> Steps,
    IReadOnlyList<PlanPriorityRow> Priorities,
    IReadOnlyList<PlanAssignmentRow> Assignments,
    IReadOnlyList<PlanOutcomeRow> Outcomes)
{
    public IReadOnlyList<PlanMaterialFlowRow> MaterialFlows { get; init; } = [];

    public IReadOnlyList<PlanMaterialRow> Materials { get; init; } = [];

    public IReadOnlyList<PlanOptionRow> Options { get; init; } = [];
}

/// <summary>
/// What a plan does with one option of its inputs (see <c>0016_option_plans.sql</c>): its state code, the units on its
/// line, the first day it produces (null when it does not), the demands it serves, and its units per tier.
/// </summary>
public sealed record PlanOptionRow(
    string OptionId, string FactoryId, string Sku, double FixedCost, string ReadyDate, string State, long Units, string? FirstDate, long Demands,
    long UnitsP1, long UnitsP2, long UnitsP3, long UnitsP4)
{
    /// <summary>The keys of the demands the line serves, in order (read by <see cref="PlanStore.Get"/> only).</summary>
    public IReadOnlyList<string> RequestIds { get; init; } = [];

    /// <summary>The state of an option the plan takes and pays for (committed ones cost it nothing).</summary>
    public static readonly string TakenState = Codes.OptionStates.Code(OptionState.Taken);

    private static readonly string CommittedState = Codes.OptionStates.Code(OptionState.Committed);

    public bool Taken => State == TakenState || State == CommittedState;
}

/// <summary>What a plan does with one material (see <c>0014_plan_materials.sql</c>).</summary>
public sealed record PlanMaterialRow(string MaterialId, double Supplied, double Used, double Moved);

/// <summary>A stored plan's summary: its row, step values, tiers and its largest shortfalls.</summary>
public sealed record StoredPlan(
    PlanRow Plan,
    IReadOnlyList<PlanStepRow> Steps,
    IReadOnlyList<PlanPriorityRow> Priorities,
    IReadOnlyList<PlanOutcomeRow> LargestShortfalls)
{
    public IReadOnlyList<PlanMaterialRow> Materials { get; init; } = [];

    /// <summary>Every option of the plan's inputs, in id order (read by <see cref="PlanStore.Get"/> only).</summary>
    public IReadOnlyList<PlanOptionRow> Options { get; init; } = [];

    /// <summary>The fixed costs of the options the plan takes and pays for.</summary>
    public double OptionSpent => Options.Where(o => o.State == PlanOptionRow.TakenState).Sum(o => o.FixedCost);
}
