using EmergencyDispatch.Planning.Model;

namespace EmergencyDispatch.Planning.Plans;

/// <summary>
/// The indexed facts of a plan input: days of the horizon, each factory's factor per day, its capabilities, the lanes
/// between regions (with the implicit same-region lane) and each demand's due day relative to the start.
/// </summary>
public sealed class Network
{
    private readonly Dictionary<(string From, string To), (int Lead, double Cost)> _lanes;
    private readonly Dictionary<string, double[]> _factors;
    private readonly HashSet<(string FactoryId, string RequestId)> _excluded;
    private readonly Dictionary<(string Material, string Region), double[]> _supply = [];
    private readonly Dictionary<string, double> _materialScale;
    private readonly Dictionary<string, Dictionary<string, int>> _earliest = new(StringComparer.Ordinal);
    private readonly ILookup<string, Lane> _lanesFrom;

    public Network(PlanningInput input)
    {
        Input = input;
        Horizon = input.HorizonDays;
        FactoryById = input.Factories.ToDictionary(f => f.FactoryId, StringComparer.Ordinal);
        _lanes = input.Lanes.ToDictionary(l => (l.FromRegion, l.ToRegion), l => (l.LeadDays, l.UnitCost));
        _factors = input.Factories.ToDictionary(f => f.FactoryId, _ => Enumerable.Repeat(1.0, Horizon).ToArray(), StringComparer.Ordinal);
        foreach (var a in input.Availability)
        {
            var t = Day(a.Date);
            if (t >= 0 && t < Horizon && _factors.TryGetValue(a.FactoryId, out var days))
                days[t] = a.Factor;
        }
        CapabilitiesBySku = input.Capabilities
            .Where(c => FactoryById.ContainsKey(c.FactoryId))
            .GroupBy(c => c.Sku, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<Capability>)g.OrderBy(c => c.FactoryId, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        Capability = input.Capabilities.ToDictionary(c => (c.FactoryId, c.Sku));
        DemandById = input.Demands.ToDictionary(d => d.RequestId, StringComparer.Ordinal);
        _excluded = input.Exclusions.Select(e => (e.FactoryId, e.DemandKey)).ToHashSet();
        ExcludingFactories = _excluded.Select(e => e.FactoryId).ToHashSet(StringComparer.Ordinal);
        Lots = [.. input.StockLots.Where(l => FactoryById.ContainsKey(l.FactoryId)).OrderBy(l => l.StockId, StringComparer.Ordinal)];
        LotsBySku = Lots
            .GroupBy(l => l.Sku, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<StockLot>)g.ToList(), StringComparer.Ordinal);
        LotById = Lots.ToDictionary(l => l.StockId, StringComparer.Ordinal);
        var rejected = input.RejectedOptions.ToHashSet(StringComparer.Ordinal);
        // Accepted options, and options with accepted work on their line (a factory that accepted work keeps the line).
        CommittedOptions = input.CommittedOptions
            .Concat(input.Commitments.Select(c => Sources.OptionId(c.Source)).OfType<string>())
            .Where(id => !rejected.Contains(id))
            .ToHashSet(StringComparer.Ordinal);
        AllOptionsById = input.Options.Where(o => FactoryById.ContainsKey(o.FactoryId)).ToDictionary(o => o.OptionId, StringComparer.Ordinal);
        // An option the plan could take: not rejected, and committed or within the budget on its own.
        Options = [.. AllOptionsById.Values
            .Where(o => !rejected.Contains(o.OptionId) && (CommittedOptions.Contains(o.OptionId) || o.FixedCost <= input.OptionBudget))
            .OrderBy(o => o.OptionId, StringComparer.Ordinal)];
        OptionById = Options.ToDictionary(o => o.OptionId, StringComparer.Ordinal);
        OptionsBySku = Options
            .GroupBy(o => o.Sku, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<ProductionOption>)g.ToList(), StringComparer.Ordinal);
        BomBySku = input.Bom
            .GroupBy(b => b.Sku, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<BomLine>)g.OrderBy(b => b.MaterialId, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        MaterialIds = [.. input.Bom.Select(b => b.MaterialId).Distinct().Order(StringComparer.Ordinal)];
        // Sums in key order, not input order: the same supply listed in another order gives the same bits.
        foreach (var s in input.MaterialSupply.OrderBy(m => m.MaterialId, StringComparer.Ordinal).ThenBy(m => m.Region, StringComparer.Ordinal).ThenBy(m => m.Date))
        {
            var t = Math.Max(0, Day(s.Date));
            if (t >= Horizon)
                continue;
            if (!_supply.TryGetValue((s.MaterialId, s.Region), out var days))
                _supply[(s.MaterialId, s.Region)] = days = new double[Horizon];
            days[t] += s.Quantity;
        }
        MovingLanes = [.. input.Lanes.Where(l => l.FromRegion != l.ToRegion)
            .OrderBy(l => l.FromRegion, StringComparer.Ordinal).ThenBy(l => l.ToRegion, StringComparer.Ordinal)];
        _lanesFrom = MovingLanes.ToLookup(l => l.FromRegion, StringComparer.Ordinal);
        _materialScale = MaterialIds.ToDictionary(
            k => k,
            k => input.Capabilities
                .Where(c => FactoryById.ContainsKey(c.FactoryId))
                .OrderBy(c => c.FactoryId, StringComparer.Ordinal).ThenBy(c => c.Sku, StringComparer.Ordinal)
                .SelectMany(c => BomOf(c.Sku).Where(b => b.MaterialId == k).Select(b => b.PerUnit * c.UnitsPerDay))
                .DefaultIfEmpty(1)
                .Average(),
            StringComparer.Ordinal);
    }

    /// <summary>The materials a unit of the sku consumes (MODEL.md bill of materials), in material id order; empty when it needs none.</summary>
    public IReadOnlyList<BomLine> BomOf(string sku) => BomBySku.TryGetValue(sku, out var lines) ? lines : [];

    public IReadOnlyDictionary<string, IReadOnlyList<BomLine>> BomBySku { get; }

    /// <summary>The materials some sku consumes, in id order: the materials the plan balances.</summary>
    public IReadOnlyList<string> MaterialIds { get; }

    /// <summary>Material arriving in a region on each day of the horizon (supply dated before the start on day 0); null when none.</summary>
    public double[]? Supply(string material, string region) => _supply.GetValueOrDefault((material, region));

    /// <summary>Regions that receive supply of a material inside the horizon, in order.</summary>
    public IEnumerable<string> SupplyRegions(string material) =>
        _supply.Keys.Where(k => k.Material == material).Select(k => k.Region).Order(StringComparer.Ordinal);

    /// <summary>The given lanes between two different regions, by from and to region: the lanes material moves along.</summary>
    public IReadOnlyList<Lane> MovingLanes { get; }

    /// <summary>
    /// A typical factory-day of a material: the average of per_unit × units_per_day over the capabilities whose sku
    /// consumes it (1 when none does). Models measure the material in it, so that their coefficients are near 1.
    /// </summary>
    public double MaterialScale(string material) => _materialScale.GetValueOrDefault(material, 1);

    /// <summary>
    /// The first day of the horizon on which any of a material can be in a region: the earliest supply there, or
    /// elsewhere plus the least lead time of a way along the lanes; <see cref="Horizon"/> when none can arrive inside it.
    /// Production that consumes the material cannot happen there before that day.
    /// </summary>
    public int EarliestMaterialDay(string material, string region)
    {
        lock (_earliest)
        {
            if (!_earliest.TryGetValue(material, out var days))
                _earliest[material] = days = EarliestMaterialDays(material);
            return days.GetValueOrDefault(region, Horizon);
        }
    }

    /// <summary>From every supplied region's first supply day, the least lead time of a way to each region it reaches.</summary>
    private Dictionary<string, int> EarliestMaterialDays(string material)
    {
        var earliest = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var origin in SupplyRegions(material))
        {
            var first = Array.FindIndex(Supply(material, origin)!, q => q > 0);
            if (first < 0)
                continue;
            foreach (var (region, (lead, _)) in WaysFrom(origin))
            {
                if (first + lead < Horizon && (!earliest.TryGetValue(region, out var known) || first + lead < known))
                    earliest[region] = first + lead;
            }
        }
        return earliest;
    }

    /// <summary>
    /// The regions a region reaches along the lanes between regions with less than <see cref="Horizon"/> lead days in
    /// all (itself with 0): for each, the least lead time and the last lane of such a way (null for the origin).
    /// Dijkstra over whole days; of equal ways, the first found in lane order.
    /// </summary>
    public Dictionary<string, (int Lead, Lane? Via)> WaysFrom(string origin)
    {
        var ways = new Dictionary<string, (int Lead, Lane? Via)>(StringComparer.Ordinal) { [origin] = (0, null) };
        var queue = new PriorityQueue<string, int>();
        queue.Enqueue(origin, 0);
        while (queue.TryDequeue(out var region, out var days))
        {
            if (days > ways[region].Lead)
                continue;
            foreach (var lane in _lanesFrom[region])
            {
                var arrival = days + lane.LeadDays;
                if (arrival < Horizon && (!ways.TryGetValue(lane.ToRegion, out var known) || arrival < known.Lead))
                {
                    ways[lane.ToRegion] = (arrival, lane);
                    queue.Enqueue(lane.ToRegion, arrival);
                }
            }
        }
        return ways;
    }

    /// <summary>The first day a factory in a region can make a sku, as far as the sku's materials go (0 for a sku that needs none).</summary>
    public int FirstMaterialDay(string sku, string region) =>
        BomOf(sku).Select(line => EarliestMaterialDay(line.MaterialId, region)).DefaultIfEmpty(0).Max();

    /// <summary>
    /// How far a plan's stock of a material may fall below zero and still count as not negative: a millionth of a
    /// typical factory-day of it, far below a unit's need and far above the floating-point noise of decimal quantities.
    /// </summary>
    public double MaterialTolerance(string material) => 1e-6 * MaterialScale(material);

    /// <summary>The options the plan could take (MODEL.md "servable"): at a factory that exists, not rejected, and committed or with a fixed cost within the budget; in id order.</summary>
    public IReadOnlyList<ProductionOption> Options { get; }

    public IReadOnlyDictionary<string, ProductionOption> OptionById { get; }

    /// <summary>Every option at a factory that exists, whether the plan could take it or not.</summary>
    public IReadOnlyDictionary<string, ProductionOption> AllOptionsById { get; }

    /// <summary>The options the plan could take, per sku, in id order.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ProductionOption>> OptionsBySku { get; }

    /// <summary>Options their factory accepted, or with accepted work on their line: taken, their fixed cost spent already (MODEL.md constraint 4).</summary>
    public IReadOnlySet<string> CommittedOptions { get; }

    /// <summary>
    /// An option line's capacity on day t in days of its full rate (MODEL.md constraint 6): its factory's factor times
    /// the ramp, 0 before the ready day r and min(1, (t − r + 1) / (ramp_days + 1)) from it on.
    /// </summary>
    public double OptionFactor(ProductionOption option, int day)
    {
        var ready = Day(option.ReadyDate);
        if (day < ready)
            return 0;
        var ramp = Math.Min(1.0, (day - ready + 1) / (double)(option.RampDays + 1));
        return Factor(option.FactoryId, day) * ramp;
    }

    /// <summary>Stock lots at sites that exist, in stock id order.</summary>
    public IReadOnlyList<StockLot> Lots { get; }

    /// <summary>Stock lots per sku, in stock id order.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<StockLot>> LotsBySku { get; }

    public IReadOnlyDictionary<string, StockLot> LotById { get; }

    /// <summary>The first day of the horizon a lot can ship on (a lot available before the start ships from day 0); may be past the horizon.</summary>
    public int FirstDay(StockLot lot) => Math.Max(0, Day(lot.AvailableDate));

    /// <summary>Whether a lot can reach a demand on time: a lane from its site (not excluded) and a first day early enough.</summary>
    public bool ArrivesInTime(StockLot lot, DemandLine demand) =>
        Route(lot.FactoryId, demand) is { } route && FirstDay(lot) <= LastOnTimeDay(demand, route.Lead);

    /// <summary>The last day of the horizon from which a lane of <paramref name="lead"/> days still arrives by the demand's due date (may be negative).</summary>
    public int LastOnTimeDay(DemandLine demand, int lead) => Math.Min(Horizon - 1, Day(demand.DueDate) - lead);

    /// <summary>Factories with at least one excluded demand.</summary>
    public IReadOnlySet<string> ExcludingFactories { get; }

    /// <summary>Whether the plan must not use the factory for the demand (see <see cref="Exclusion"/>).</summary>
    public bool IsExcluded(string factoryId, string requestId) => _excluded.Contains((factoryId, requestId));

    /// <summary>The lane a factory ships a demand by; null when there is none or the pair is excluded.</summary>
    public (int Lead, double Cost)? Route(string factoryId, DemandLine demand) =>
        IsExcluded(factoryId, demand.RequestId) ? null : Lane(FactoryById[factoryId].Region, demand.Region);

    public PlanningInput Input { get; }

    public int Horizon { get; }

    public IReadOnlyDictionary<string, Factory> FactoryById { get; }

    public IReadOnlyDictionary<string, DemandLine> DemandById { get; }

    /// <summary>Capabilities per sku, in factory id order.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Capability>> CapabilitiesBySku { get; }

    public IReadOnlyDictionary<(string FactoryId, string Sku), Capability> Capability { get; }

    /// <summary>Day index t of a date (may be outside 0..H-1).</summary>
    public int Day(DateOnly date) => date.DayNumber - Input.StartDate.DayNumber;

    public DateOnly Date(int day) => Input.StartDate.AddDays(day);

    /// <summary>The capacity factor of a factory on day t of the horizon.</summary>
    public double Factor(string factoryId, int day) => _factors[factoryId][day];

    /// <summary>The lane from one region to another: given, or implicit within a region (0 days, cost 0); null when none.</summary>
    public (int Lead, double Cost)? Lane(string fromRegion, string toRegion)
    {
        if (_lanes.TryGetValue((fromRegion, toRegion), out var lane))
            return lane;
        return fromRegion == toRegion ? (0, 0) : null;
    }

    /// <summary>
    /// Whether a demand can get anything on time, ignoring materials and other demand: a capable factory open on a day,
    /// the line of an option the plan could take with capacity on a day, or a lot available by a day, from which a lane
    /// arrives by the due date.
    /// </summary>
    public bool IsServable(DemandLine demand)
    {
        if (LotsBySku.TryGetValue(demand.Sku, out var lots)
            && lots.Any(l => ArrivesInTime(l, demand)))
            return true;
        foreach (var o in OptionsBySku.GetValueOrDefault(demand.Sku) ?? [])
        {
            if (Route(o.FactoryId, demand) is not { } route)
                continue;
            for (var t = 0; t <= LastOnTimeDay(demand, route.Lead); t++)
            {
                if (OptionFactor(o, t) > 0)
                    return true;
            }
        }
        if (!CapabilitiesBySku.TryGetValue(demand.Sku, out var capabilities))
            return false;
        foreach (var c in capabilities)
        {
            if (Route(c.FactoryId, demand) is not { } lane)
                continue;
            var last = LastOnTimeDay(demand, lane.Lead);
            for (var t = 0; t <= last; t++)
            {
                if (Factor(c.FactoryId, t) > 0)
                    return true;
            }
        }
        return false;
    }

    /// <summary>Whether any source (a capable factory, an option the plan could take, a lot of the sku) has a lane to the demand's region (and is not excluded from it).</summary>
    public bool HasCapableFactory(DemandLine demand) =>
        (CapabilitiesBySku.TryGetValue(demand.Sku, out var capabilities) && capabilities.Any(c => Route(c.FactoryId, demand) is not null))
        || (OptionsBySku.TryGetValue(demand.Sku, out var options) && options.Any(o => Route(o.FactoryId, demand) is not null))
        || (LotsBySku.TryGetValue(demand.Sku, out var lots) && lots.Any(l => Route(l.FactoryId, demand) is not null));
}
