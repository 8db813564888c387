using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Scenarios;

namespace EmergencyDispatch.Planning.Plans;

/// <summary>
/// Units a factory already accepted for a demand on a day inside the frozen window (MODEL.md constraint 4):
/// kept exactly as they are and counted for the demand, before anything else is planned.
/// </summary>
/// <see cref="Source"/> says what made them (see <see cref="Sources"/>): the factory's capacity, one of its options' lines
/// or one of its stock lots (for a lot, the production date is the day it ships).
public sealed record Commitment(string FactoryId, string DemandKey, DateOnly ProductionDate, long Quantity, string Source = Sources.Capacity);

/// <summary>
/// What a unit comes from (MODEL.md "Decision"), as <c>assignments.csv</c> writes it in its <c>source</c> column:
/// <c>capacity</c>, the factory's own capabilities; <c>option:&lt;option_id&gt;</c>, the line of an option the plan takes;
/// or <c>stock:&lt;stock_id&gt;</c>, a lot held at the site.
/// </summary>
public static class Sources
{
    public const string Capacity = "capacity";

    private const string StockPrefix = "stock:";

    private const string OptionPrefix = "option:";

    public static string Stock(string stockId) => StockPrefix + stockId;

    public static string Option(string optionId) => OptionPrefix + optionId;

    /// <summary>The lot a source names, or null for capacity and options.</summary>
    public static string? StockId(string source) =>
        source.StartsWith(StockPrefix, StringComparison.Ordinal) ? source[StockPrefix.Length..] : null;

    /// <summary>The option a source names, or null for capacity and lots.</summary>
    public static string? OptionId(string source) =>
        source.StartsWith(OptionPrefix, StringComparison.Ordinal) ? source[OptionPrefix.Length..] : null;

    /// <summary>Whether a source produces (capacity or an option's line, which consume materials) rather than ships a lot.</summary>
    public static bool Produces(string source) => source == Capacity || OptionId(source) is not null;

    /// <summary>Checks a source as a file or a request writes it: capacity, or stock: or option: and a valid id.</summary>
    public static string? Check(string? source) =>
        source == Capacity ? null
        : source is not null && source.StartsWith(StockPrefix, StringComparison.Ordinal)
            ? Rules.CheckId(source[StockPrefix.Length..]) is { } problem ? $"stock lot id {problem}" : null
        : source is not null && source.StartsWith(OptionPrefix, StringComparison.Ordinal)
            ? Rules.CheckId(source[OptionPrefix.Length..]) is { } optionProblem ? $"option id {optionProblem}" : null
            : $"'{ErrorText.Quote(source ?? "")}' is not capacity, option:<option_id> or stock:<stock_id>";
}

/// <summary>
/// A factory the plan must not use for a demand: the factory rejected an assignment of that demand, and no coordinator
/// has cleared the rejection since. An addition to MODEL.md for re-planning: x[f,d,t] = 0 for the pair.
/// </summary>
public sealed record Exclusion(string FactoryId, string DemandKey);

/// <summary>
/// Everything a plan is made from. Demand quantities are open quantities. A demand's <see cref="DemandLine.RequestId"/>
/// is its key in the plan, unique in the input: a scenario's request_id, or the key the server gives each open demand
/// (its request_id, or submitter/request_id where two submitters use the same one). Assignments, outcomes, commitments
/// and exclusions name their demand by that key (<c>DemandKey</c>); the files write it in the request_id column.
/// </summary>
public sealed record PlanningInput(
    IReadOnlyList<Product> Products,
    IReadOnlyList<Factory> Factories,
    IReadOnlyList<Capability> Capabilities,
    IReadOnlyList<AvailabilityDay> Availability,
    IReadOnlyList<Lane> Lanes,
    IReadOnlyList<DemandLine> Demands,
    IReadOnlyList<Commitment> Commitments,
    DateOnly StartDate,
    int HorizonDays)
{
    /// <summary>(factory, demand) pairs the plan must not use.</summary>
    public IReadOnlyList<Exclusion> Exclusions { get; init; } = [];

    /// <summary>Stock lots, each with its open quantity (what was reported shipped from it already taken off).</summary>
    public IReadOnlyList<StockLot> StockLots { get; init; } = [];

    public IReadOnlyList<Material> Materials { get; init; } = [];

    public IReadOnlyList<BomLine> Bom { get; init; } = [];

    public IReadOnlyList<MaterialSupply> MaterialSupply { get; init; } = [];

    /// <summary>Lines the factories can add (MODEL.md options).</summary>
    public IReadOnlyList<ProductionOption> Options { get; init; } = [];

    /// <summary>The most the plan may spend on the fixed costs of options it takes and that are not committed.</summary>
    public double OptionBudget { get; init; }

    /// <summary>Options their factory accepted (MODEL.md constraint 4): taken, their fixed cost spent already.</summary>
    public IReadOnlyList<string> CommittedOptions { get; init; } = [];

    /// <summary>Options their factory rejected and no coordinator cleared: not available to the plan.</summary>
    public IReadOnlyList<string> RejectedOptions { get; init; } = [];

    /// <summary>The plan input of a scenario folder, with no commitments; the scenario must name its start date.</summary>
    public static PlanningInput From(Scenario scenario, IReadOnlyList<Commitment>? commitments = null) => new(
        scenario.Products, scenario.Factories, scenario.Capabilities, scenario.Availability, scenario.Lanes, scenario.Demands,
        commitments ?? [],
        scenario.StartDate ?? throw new ArgumentException("the scenario has no start_date", nameof(scenario)),
        scenario.HorizonDays)
    {
        StockLots = scenario.StockLots,
        Materials = scenario.Materials,
        Bom = scenario.Bom,
        MaterialSupply = scenario.MaterialSupply,
        Options = scenario.Options,
        OptionBudget = scenario.OptionBudget,
    };
}

/// <summary>
/// Whole units a factory produces (or a lot at the site ships: <see cref="Source"/>) on a day for a demand; they arrive
/// after the lane's lead time.
/// </summary>
public sealed record Assignment(string FactoryId, string DemandKey, string Sku, DateOnly ProductionDate, DateOnly ArrivalDate, long Quantity, string Source = Sources.Capacity);

/// <summary>Why units of a demand are late or unmet (MODEL.md "Outcome of each demand").</summary>
public enum ShortfallReason
{
    None = 0,
    NoCapableFactory = 1,
    NoOnTimeRoute = 2,
    CapacityShortage = 3,
    MaterialShortage = 4,
}

/// <summary>What a plan gives one demand.</summary>
public sealed record Outcome(
    string DemandKey,
    long Quantity,
    long OnTime,
    long Late,
    ShortfallReason Reason,
    IReadOnlyList<string> BindingFactories)
{
    /// <summary>For <see cref="ShortfallReason.MaterialShortage"/>: the materials that ran out.</summary>
    public IReadOnlyList<string> BindingMaterials { get; init; } = [];

    public long Unmet => Quantity - OnTime - Late;

    public double FillRatio => Quantity == 0 ? 1 : (double)OnTime / Quantity;

    /// <summary>The reason as outcomes.csv writes it: the code, and for CAPACITY_SHORTAGE the binding factories after ':'.</summary>
    public string ReasonText => Reason switch
    {
        ShortfallReason.CapacityShortage when BindingFactories.Count > 0 => Codes.Reasons.Code(Reason) + ":" + string.Join(';', BindingFactories),
        ShortfallReason.MaterialShortage when BindingMaterials.Count > 0 => Codes.Reasons.Code(Reason) + ":" + string.Join(';', BindingMaterials),
        _ => Codes.Reasons.Code(Reason),
    };
}
