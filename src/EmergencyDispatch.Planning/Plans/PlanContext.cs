using EmergencyDispatch.Planning.Model;

namespace EmergencyDispatch.Planning.Plans;

/// <summary>
/// The input prepared for planning: factories and demands in a fixed order, the capacity left on each factory-day
/// once commitments took theirs, and each demand's quantity still open after its committed units.
/// </summary>
internal sealed class PlanContext
{
    private readonly Dictionary<string, List<Capability>> _capabilitiesByFactory;
    private readonly Dictionary<string, List<Origin>> _originsBySku;
    private readonly Origin[] _origins;
    private readonly Dictionary<Priority, List<int>> _servable;

    public PlanContext(PlanningInput input)
    {
        Network = new Network(input);
        var horizon = Network.Horizon;
        Factories = [.. input.Factories.OrderBy(f => f.FactoryId, StringComparer.Ordinal)];
        FactoryIndex = Factories.Select((f, i) => (f.FactoryId, i)).ToDictionary(x => x.FactoryId, x => x.i, StringComparer.Ordinal);
        Demands = [.. input.Demands.OrderBy(d => d.RequestId, StringComparer.Ordinal)];
        DemandIndex = Demands.Select((d, i) => (d.RequestId, i)).ToDictionary(x => x.RequestId, x => x.i, StringComparer.Ordinal);
        _capabilitiesByFactory = input.Capabilities
            .Where(c => FactoryIndex.ContainsKey(c.FactoryId))
            .GroupBy(c => c.FactoryId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(c => c.Sku, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);

        Capacity = Factories.Select(f => Enumerable.Range(0, horizon).Select(t => Network.Factor(f.FactoryId, t)).ToArray()).ToArray();
        OpenQuantity = Demands.Select(d => d.Quantity).ToArray();
        CommittedOnTime = new long[Demands.Count];
        Lots = Network.Lots;
        LotIndex = Lots.Select((l, i) => (l.StockId, i)).ToDictionary(x => x.StockId, x => x.i, StringComparer.Ordinal);
        LotOpen = Lots.Select(l => l.Quantity).ToArray();
        Options = Network.Options;
        OptionIndex = Options.Select((o, i) => (o.OptionId, i)).ToDictionary(x => x.OptionId, x => x.i, StringComparer.Ordinal);
        OptionCapacity = Options.Select(o => Enumerable.Range(0, horizon).Select(t => Network.OptionFactor(o, t)).ToArray()).ToArray();
        OptionCommitted = Options.Select(o => Network.CommittedOptions.Contains(o.OptionId)).ToArray();
        BudgetCanBind = Enumerable.Range(0, Options.Count).Where(IsPriced).Sum(o => Options[o].FixedCost) > input.OptionBudget;
        Committed = [];
        foreach (var c in input.Commitments)
        {
            if (!FactoryIndex.TryGetValue(c.FactoryId, out var fi) || !DemandIndex.TryGetValue(c.DemandKey, out var di))
                throw new ArgumentException($"commitment of {c.FactoryId} to {c.DemandKey}: unknown factory or demand");
            var demand = Demands[di];
            var t = Network.Day(c.ProductionDate);
            var lot = Sources.StockId(c.Source) is { } stockId ? LotIndex.GetValueOrDefault(stockId, -1) : (int?)null;
            var option = Sources.OptionId(c.Source) is { } optionId ? OptionIndex.GetValueOrDefault(optionId, -1) : (int?)null;
            Capability? capability = null;
            var possible = t >= 0 && t < horizon && c.Quantity > 0
                && (lot is { } li
                    ? li >= 0 && Lots[li].FactoryId == c.FactoryId && Lots[li].Sku == demand.Sku && t >= Network.FirstDay(Lots[li])
                    : option is { } oi
                        ? oi >= 0 && Options[oi].FactoryId == c.FactoryId && Options[oi].Sku == demand.Sku
                        : Network.Capability.TryGetValue((c.FactoryId, demand.Sku), out capability));
            if (!possible || Network.Lane(Factories[fi].Region, demand.Region) is not { } lane)
                throw new ArgumentException($"commitment of {c.FactoryId} to {c.DemandKey} on {c.ProductionDate:yyyy-MM-dd} from {c.Source}: not a possible assignment of this plan");
            // Commitments consume capacity (or stock) before anything else is planned.
            if (lot is { } held)
            {
                LotOpen[held] = Math.Max(0, LotOpen[held] - c.Quantity);
            }
            else if (option is { } line)
            {
                OptionCapacity[line][t] = Math.Max(0, OptionCapacity[line][t] - c.Quantity / Options[line].UnitsPerDay);
            }
            else
                Capacity[fi][t] = Math.Max(0, Capacity[fi][t] - c.Quantity / capability!.UnitsPerDay);
            OpenQuantity[di] = Math.Max(0, OpenQuantity[di] - c.Quantity);
            if (t + lane.Lead <= Network.Day(demand.DueDate))
                CommittedOnTime[di] += c.Quantity;
            Committed.Add(new Assignment(c.FactoryId, c.DemandKey, demand.Sku, c.ProductionDate, c.ProductionDate.AddDays(lane.Lead), c.Quantity, c.Source));
        }

        _origins = Factories.Select(f => new Origin(f.Region, Network.ExcludingFactories.Contains(f.FactoryId) ? f.FactoryId : null)).ToArray();
        _originsBySku = input.Capabilities
            .Where(c => FactoryIndex.ContainsKey(c.FactoryId))
            .Select(c => (c.Sku, c.FactoryId))
            .Concat(Lots.Select(l => (l.Sku, l.FactoryId)))
            .Concat(Options.Select(o => (o.Sku, o.FactoryId)))
            .GroupBy(c => c.Sku, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => g.Select(c => _origins[FactoryIndex[c.FactoryId]]).Distinct().Order().ToList(),
                StringComparer.Ordinal);
        _servable = Priorities.InOrder.ToDictionary(
            p => p,
            p => Enumerable.Range(0, Demands.Count).Where(i => Demands[i].Priority == p && Network.IsServable(Demands[i])).ToList());
    }

    public Network Network { get; }

    /// <summary>
    /// The independent parts of the plan: skus made by a common factory, consuming a common material or, where the
    /// budget can bind, with options that compete for it; with their factories, options, lots and demands. Nothing couples two parts (capacity is per factory, inventory per sku, material per
    /// material, lanes have no capacity), so each is its own LP; only the objective's tier totals and fair shares span them. Demands of a sku nobody makes or holds are
    /// in no part.
    /// </summary>
    public IReadOnlyList<PlanComponent> Components()
    {
        var parent = new Dictionary<string, string>(StringComparer.Ordinal);
        string Find(string sku)
        {
            while (parent[sku] != sku)
                sku = parent[sku] = parent[parent[sku]];
            return sku;
        }
        for (var fi = 0; fi < Factories.Count; fi++)
        {
            var skus = CapabilitiesOf(fi).Select(c => c.Sku).ToList();
            foreach (var sku in skus)
                parent.TryAdd(sku, sku);
            for (var i = 1; i < skus.Count; i++)
                Union(skus[0], skus[i]);
        }
        void Union(string first, string second)
        {
            var (a, b) = (Find(first), Find(second));
            if (a != b)
                parent[string.CompareOrdinal(a, b) < 0 ? b : a] = string.CompareOrdinal(a, b) < 0 ? a : b;
        }
        foreach (var lot in Lots)
            parent.TryAdd(lot.Sku, lot.Sku);
        // An option's line has its own capacity: it joins its sku, not its factory's other skus. Where the budget can
        // bind (the options it could pay for cost more in all), it couples every part with such an option.
        foreach (var option in Options)
            parent.TryAdd(option.Sku, option.Sku);
        if (BudgetCanBind)
        {
            var priced = Enumerable.Range(0, Options.Count).Where(IsPriced).Select(o => Options[o].Sku).Distinct().Order(StringComparer.Ordinal).ToList();
            for (var i = 1; i < priced.Count; i++)
                Union(priced[0], priced[i]);
        }
        // Skus that consume a common material share its supply (MODEL.md constraint 8).
        foreach (var users in Network.BomBySku.Where(b => parent.ContainsKey(b.Key))
            .SelectMany(b => b.Value.Select(line => (line.MaterialId, Sku: b.Key)))
            .GroupBy(u => u.MaterialId, StringComparer.Ordinal))
        {
            var skus = users.Select(u => u.Sku).Order(StringComparer.Ordinal).ToList();
            for (var i = 1; i < skus.Count; i++)
                Union(skus[0], skus[i]);
        }
        var factories = Enumerable.Range(0, Factories.Count)
            .Where(fi => CapabilitiesOf(fi).Count > 0)
            .GroupBy(fi => Find(CapabilitiesOf(fi)[0].Sku), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var lots = Enumerable.Range(0, Lots.Count)
            .GroupBy(li => Find(Lots[li].Sku), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var options = Enumerable.Range(0, Options.Count)
            .GroupBy(oi => Find(Options[oi].Sku), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var demands = Enumerable.Range(0, Demands.Count)
            .Where(di => parent.ContainsKey(Demands[di].Sku))
            .GroupBy(di => Find(Demands[di].Sku), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToHashSet(), StringComparer.Ordinal);
        return factories.Keys.Union(lots.Keys).Union(options.Keys).Order(StringComparer.Ordinal)
            .Select(root => new PlanComponent(
                factories.TryGetValue(root, out var f) ? f : [],
                demands.TryGetValue(root, out var d) ? d : [],
                lots.TryGetValue(root, out var l) ? l : [])
            {
                Options = options.TryGetValue(root, out var o) ? o : [],
            })
            .ToList();
    }

    public IReadOnlyList<Factory> Factories { get; }

    public IReadOnlyDictionary<string, int> FactoryIndex { get; }

    public IReadOnlyList<DemandLine> Demands { get; }

    public IReadOnlyDictionary<string, int> DemandIndex { get; }

    /// <summary>Capacity factor left per factory and day after commitments.</summary>
    public double[][] Capacity { get; }

    /// <summary>Units of each demand not yet committed.</summary>
    public long[] OpenQuantity { get; }

    /// <summary>Stock lots at sites that exist, in stock id order.</summary>
    public IReadOnlyList<StockLot> Lots { get; }

    public IReadOnlyDictionary<string, int> LotIndex { get; }

    /// <summary>Units of each lot not yet committed.</summary>
    public long[] LotOpen { get; }

    /// <summary>The options the plan could take (<see cref="Network.Options"/>), in id order.</summary>
    public IReadOnlyList<ProductionOption> Options { get; }

    public IReadOnlyDictionary<string, int> OptionIndex { get; }

    /// <summary>Each option line's capacity per day, in days of its full rate, left after commitments (MODEL.md constraint 6).</summary>
    public double[][] OptionCapacity { get; }

    /// <summary>Whether each option is committed: accepted by its factory (or with accepted work on its line), taken, its fixed cost spent already.</summary>
    public bool[] OptionCommitted { get; }

    /// <summary>Whether taking an option costs the plan: it is not committed and has a fixed cost (MODEL.md constraint 7 and the option-cost step).</summary>
    public bool IsPriced(int option) => !OptionCommitted[option] && Options[option].FixedCost > 0;

    /// <summary>Whether the budget can bind: the priced options the plan could take cost more in all than the budget.</summary>
    public bool BudgetCanBind { get; }

    /// <summary>Committed units of each demand that arrive on time.</summary>
    public long[] CommittedOnTime { get; }

    /// <summary>The commitments as assignments; every plan contains them unchanged.</summary>
    public List<Assignment> Committed { get; }

    public IReadOnlyList<Capability> CapabilitiesOf(int factory) =>
        _capabilitiesByFactory.TryGetValue(Factories[factory].FactoryId, out var list) ? list : [];

    /// <summary>
    /// Where a factory's production waits to be shipped: its region's pool, shared with the region's other factories;
    /// or, for a factory excluded from some demand, a pool of its own in that region, which does not ship to those demands.
    /// </summary>
    public Origin OriginOf(int factory) => _origins[factory];

    /// <summary>Whether an origin must not ship to a demand: it is one factory's own, and that factory is excluded from it.</summary>
    public bool Excludes(Origin origin, int demand) =>
        origin.OwnFactory is { } factory && Network.IsExcluded(factory, Demands[demand].RequestId);

    /// <summary>Origins with a factory that makes the sku or a lot that holds it, in order.</summary>
    public IReadOnlyList<Origin> OriginsMaking(string sku) => _originsBySku.TryGetValue(sku, out var list) ? list : [];

    /// <summary>The tier's demands that can get something on time (they count for its fair share).</summary>
    public IReadOnlyList<int> ServableOf(Priority tier) => _servable[tier];

    /// <summary>
    /// Whether the tier's fair share is 0 whatever the plan: one of its servable demands has nothing committed on time
    /// and no source left that could deliver a unit on time, counting materials and commitments (which servable does
    /// not): every capacity in time is taken by commitments or comes before the sku's materials can be there, and
    /// no lot in time has units left.
    /// </summary>
    public bool FairShareIsZero(Priority tier) => _servable[tier].Any(di => CommittedOnTime[di] == 0 && !CanGetOnTime(di));

    private bool CanGetOnTime(int di)
    {
        var demand = Demands[di];
        foreach (var lot in Network.LotsBySku.GetValueOrDefault(demand.Sku) ?? [])
        {
            if (LotOpen[LotIndex[lot.StockId]] > 0 && Network.ArrivesInTime(lot, demand))
                return true;
        }
        foreach (var c in Network.CapabilitiesBySku.GetValueOrDefault(demand.Sku) ?? [])
        {
            if (Network.Route(c.FactoryId, demand) is not { } lane)
                continue;
            var fi = FactoryIndex[c.FactoryId];
            for (var t = Network.FirstMaterialDay(demand.Sku, Factories[fi].Region); t <= Network.LastOnTimeDay(demand, lane.Lead); t++)
            {
                if (Capacity[fi][t] > 0)
                    return true;
            }
        }
        foreach (var o in Network.OptionsBySku.GetValueOrDefault(demand.Sku) ?? [])
        {
            if (Network.Route(o.FactoryId, demand) is not { } lane)
                continue;
            var oi = OptionIndex[o.OptionId];
            for (var t = Network.FirstMaterialDay(demand.Sku, Network.FactoryById[o.FactoryId].Region); t <= Network.LastOnTimeDay(demand, lane.Lead); t++)
            {
                if (OptionCapacity[oi][t] > 0)
                    return true;
            }
        }
        return false;
    }
}

/// <summary>
/// Where production waits to be shipped, and which lanes it leaves on (those of <see cref="Region"/>): a region's
/// pool, shared by its factories, or the pool of one factory (<see cref="OwnFactory"/>) that is excluded from some
/// demand. Ordered by region, then the region's pool before its factories' own, by factory id.
/// </summary>
internal readonly record struct Origin(string Region, string? OwnFactory) : IComparable<Origin>
{
    public int CompareTo(Origin other)
    {
        var byRegion = string.CompareOrdinal(Region, other.Region);
        return byRegion != 0 ? byRegion : string.CompareOrdinal(OwnFactory, other.OwnFactory);
    }
}

/// <summary>One independent part of a plan: its factories (in order), its demands and its stock lots (in order), and the options whose lines it plans.</summary>
internal sealed record PlanComponent(IReadOnlyList<int> Factories, IReadOnlySet<int> Demands, IReadOnlyList<int> Lots)
{
    public IReadOnlyList<int> Options { get; init; } = [];
}
