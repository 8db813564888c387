using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Plans;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>What a plan may draw on besides the factories' capacity: stock lots (open quantities) and materials.</summary>
public sealed record SupplyInputs(
    IEnumerable<StockLot> StockLots, IEnumerable<Material> Materials, IEnumerable<BomLine> Bom, IEnumerable<MaterialSupply> MaterialSupply)
{
    public static readonly SupplyInputs None = new([], [], [], []);
}

/// <summary>
/// The capacity decisions a plan may make: the registry's options, the budget of its request, the options their
/// factories accepted (committed: taken, their cost sunk) and those they rejected (not available).
/// </summary>
public sealed record OptionInputs(IEnumerable<ProductionOption> Options, double Budget, IEnumerable<string> Committed, IEnumerable<string> Rejected)
{
    public static readonly OptionInputs None = new([], 0, [], []);
}

/// <summary>One open demand as planned: its stored id and submitter, and the key the plan and its files know it by.</summary>
public sealed record PlannedDemand(long DemandId, string Submitter, string RequestId, string Key);

/// <summary>
/// A plan's input in canonical form: every list sorted by its key (ids ordinal), demands keyed by
/// <see cref="KeyOf"/>, so that the same data always gives the same input and the same JSON.
/// </summary>
public sealed class PlanInputs
{
    private PlanInputs(PlanningInput input, IReadOnlyList<PlannedDemand> demands)
    {
        Input = input;
        Demands = demands;
        ByKey = demands.ToDictionary(d => d.Key, StringComparer.Ordinal);
    }

    /// <summary>What the planner gets; its demands' RequestId is the key.</summary>
    public PlanningInput Input { get; }

    /// <summary>The demands in the order of <see cref="PlanningInput.Demands"/>.</summary>
    public IReadOnlyList<PlannedDemand> Demands { get; }

    public IReadOnlyDictionary<string, PlannedDemand> ByKey { get; }

    /// <summary>
    /// A demand's key: its request_id when no other open demand has the same one, else <c>submitter/request_id</c>.
    /// Unique because (submitter, request_id) is, and a request_id never holds '/'.
    /// </summary>
    public static string KeyOf(string submitter, string requestId, bool shared) => shared ? $"{submitter}/{requestId}" : requestId;

    /// <summary>
    /// Sorts everything and keys the demands; <paramref name="demands"/> hold their request_id, not yet their key.
    /// Commitments and exclusions name their demand by id; those of demands not in the list are left out.
    /// </summary>
    public static PlanInputs Create(
        IEnumerable<Product> products,
        IEnumerable<Factory> factories,
        IEnumerable<Capability> capabilities,
        IEnumerable<AvailabilityDay> availability,
        IEnumerable<Lane> lanes,
        IReadOnlyList<(long DemandId, string Submitter, DemandLine Line)> demands,
        IEnumerable<(long DemandId, string FactoryId, DateOnly ProductionDate, long Quantity, string Source)> commitments,
        IEnumerable<(string FactoryId, long DemandId)> exclusions,
        DateOnly startDate,
        int horizonDays,
        SupplyInputs? supply = null,
        OptionInputs? options = null)
    {
        var shared = demands.GroupBy(d => d.Line.RequestId, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        var keyed = demands
            .Select(d => (Planned: new PlannedDemand(d.DemandId, d.Submitter, d.Line.RequestId, KeyOf(d.Submitter, d.Line.RequestId, shared.Contains(d.Line.RequestId))), d.Line))
            .OrderBy(d => d.Planned.Key, StringComparer.Ordinal)
            .ToList();
        var keyOf = keyed.ToDictionary(d => d.Planned.DemandId, d => d.Planned.Key);
        return FromKeyed(
            products, factories, capabilities, availability, lanes,
            keyed.Select(d => (d.Planned, d.Line with { RequestId = d.Planned.Key })).ToList(),
            commitments.Where(c => keyOf.ContainsKey(c.DemandId)).Select(c => new Commitment(c.FactoryId, keyOf[c.DemandId], c.ProductionDate, c.Quantity, c.Source)),
            startDate, horizonDays,
            exclusions.Where(e => keyOf.ContainsKey(e.DemandId)).Select(e => new Exclusion(e.FactoryId, keyOf[e.DemandId])),
            supply,
            options);
    }

    /// <summary>Sorts everything; the demand lines already carry their key as RequestId (as stored in a plan's inputs).</summary>
    public static PlanInputs FromKeyed(
        IEnumerable<Product> products,
        IEnumerable<Factory> factories,
        IEnumerable<Capability> capabilities,
        IEnumerable<AvailabilityDay> availability,
        IEnumerable<Lane> lanes,
        IReadOnlyList<(PlannedDemand Planned, DemandLine Line)> demands,
        IEnumerable<Commitment> commitments,
        DateOnly startDate,
        int horizonDays,
        IEnumerable<Exclusion>? exclusions = null,
        SupplyInputs? supply = null,
        OptionInputs? options = null)
    {
        supply ??= SupplyInputs.None;
        options ??= OptionInputs.None;
        var sorted = demands.OrderBy(d => d.Planned.Key, StringComparer.Ordinal).ToList();
        var input = new PlanningInput(
            [.. products.OrderBy(p => p.Sku, StringComparer.Ordinal)],
            [.. factories.OrderBy(f => f.FactoryId, StringComparer.Ordinal)],
            [.. capabilities.OrderBy(c => c.FactoryId, StringComparer.Ordinal).ThenBy(c => c.Sku, StringComparer.Ordinal)],
            [.. availability.OrderBy(a => a.FactoryId, StringComparer.Ordinal).ThenBy(a => a.Date)],
            [.. lanes.OrderBy(l => l.FromRegion, StringComparer.Ordinal).ThenBy(l => l.ToRegion, StringComparer.Ordinal)],
            [.. sorted.Select(d => d.Line)],
            [.. commitments.OrderBy(c => c.FactoryId, StringComparer.Ordinal).ThenBy(c => c.DemandKey, StringComparer.Ordinal)
                .ThenBy(c => c.ProductionDate).ThenBy(c => c.Quantity).ThenBy(c => c.Source, StringComparer.Ordinal)],
            startDate,
            horizonDays)
        {
            Exclusions = [.. (exclusions ?? []).Distinct().OrderBy(e => e.FactoryId, StringComparer.Ordinal).ThenBy(e => e.DemandKey, StringComparer.Ordinal)],
            StockLots = [.. supply.StockLots.OrderBy(l => l.StockId, StringComparer.Ordinal)],
            Materials = [.. supply.Materials.OrderBy(m => m.MaterialId, StringComparer.Ordinal)],
            Bom = [.. supply.Bom.OrderBy(b => b.Sku, StringComparer.Ordinal).ThenBy(b => b.MaterialId, StringComparer.Ordinal)],
            MaterialSupply = [.. supply.MaterialSupply.OrderBy(m => m.MaterialId, StringComparer.Ordinal).ThenBy(m => m.Region, StringComparer.Ordinal).ThenBy(m => m.Date)],
            Options = [.. options.Options.OrderBy(o => o.OptionId, StringComparer.Ordinal)],
            OptionBudget = options.Budget,
            CommittedOptions = [.. options.Committed.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            RejectedOptions = [.. options.Rejected.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
        };
        return new PlanInputs(input, [.. sorted.Select(d => d.Planned)]);
    }
}
