using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Plans;

namespace EmergencyDispatch.Tests.Planning;

/// <summary>
/// Tiny random plan inputs for cross-checks: 2–6 factories, 1–3 skus, 2–4 regions, 3–6 days, 3–12 demands over all
/// priorities, some closed or expanded days, some missing lanes and past-due or unreachable demands, and now and
/// then a few commitments. The same seed gives the same input.
/// </summary>
public static class RandomScenarios
{
    public static readonly DateOnly Start = new(2025, 3, 1);

    public static PlanningInput Build(int seed)
    {
        var random = new Random(seed);

        var regions = Enumerable.Range(0, random.Next(2, 5)).Select(r => $"R{r}").ToList();
        var products = Enumerable.Range(0, random.Next(1, 4)).Select(s => new Product($"S{s}", $"Sku {s}", "unit")).ToList();
        var factories = Enumerable.Range(0, random.Next(2, 7)).Select(f => new Factory($"F{f}", $"Factory {f}", Pick(random, regions))).ToList();
        var horizon = random.Next(3, 7);

        // Every factory makes one sku or more; whole units per day, so that a full day is a whole number of units.
        var capabilities = new List<Capability>();
        foreach (var f in factories)
        {
            var makes = products.Where(_ => random.NextDouble() < 0.6).ToList();
            if (makes.Count == 0)
                makes.Add(Pick(random, products));
            foreach (var p in makes)
                capabilities.Add(new Capability(f.FactoryId, p.Sku, random.Next(1, 9) * 5, random.Next(1, 11) / 2.0));
        }

        // About one factory-day in six closed, one in ten at a changed factor.
        var availability = new List<AvailabilityDay>();
        foreach (var f in factories)
        {
            for (var t = 0; t < horizon; t++)
            {
                var roll = random.NextDouble();
                if (roll < 0.17)
                    availability.Add(new AvailabilityDay(f.FactoryId, Start.AddDays(t), 0));
                else if (roll < 0.27)
                    availability.Add(new AvailabilityDay(f.FactoryId, Start.AddDays(t), Pick(random, [0.5, 1.5, 2.0])));
            }
        }

        // Most region pairs have a lane; now and then a region's own lane is given and replaces the implicit one.
        var lanes = new List<Lane>();
        foreach (var from in regions)
        {
            foreach (var to in regions)
            {
                if (from == to ? random.NextDouble() < 0.15 : random.NextDouble() < 0.7)
                    lanes.Add(new Lane(from, to, random.Next(0, 3) + (from == to ? 0 : 1), random.Next(0, 7) / 2.0));
            }
        }

        // Due dates mostly inside the horizon, some past due or beyond it; every priority.
        var demands = Enumerable.Range(0, random.Next(3, 13)).Select(d => new DemandLine(
            $"D{d}",
            Pick(random, products).Sku,
            random.Next(1, 13) * 5 + random.Next(0, 3),
            Pick(random, regions),
            Start.AddDays(random.Next(-1, horizon + 2)),
            Pick(random, Priorities.InOrder))).ToList();

        var commitments = random.NextDouble() < 0.3 ? Commitments(random, factories, capabilities, availability, lanes, demands, horizon) : [];

        return new PlanningInput(products, factories, capabilities, availability, lanes, demands, commitments, Start, horizon);
    }

    /// <summary>One or two small commitments that fit: at most a third of a factory-day and of a demand each.</summary>
    /// <summary>
    /// The scenario of <see cref="Build"/> with one to three capable (factory, demand) pairs excluded, as a factory's
    /// rejection excludes them; pairs with a commitment are left alone.
    /// </summary>
    public static PlanningInput BuildWithExclusions(int seed)
    {
        var input = Build(seed);
        var random = new Random(seed * 7919 + 1);
        var committed = input.Commitments.Select(c => (c.FactoryId, c.DemandKey)).ToHashSet();
        var pairs = (from d in input.Demands
                     from c in input.Capabilities
                     where c.Sku == d.Sku && !committed.Contains((c.FactoryId, d.RequestId))
                     select new Exclusion(c.FactoryId, d.RequestId)).ToList();
        var count = Math.Min(pairs.Count, random.Next(1, 4));
        return input with { Exclusions = [.. pairs.OrderBy(_ => random.Next()).Take(count)] };
    }

    /// <summary>
    /// The scenario of <see cref="Build"/> with a depot (a site with no capabilities) and one to four stock lots at the
    /// depot or at factories: 5–60 units of a sku, available from the day before the start to past the horizon, at a
    /// cost of 0–3 a unit; now and then one of them already committed in part to a demand it can reach.
    /// </summary>
    public static PlanningInput BuildWithStock(int seed)
    {
        var input = Build(seed);
        var random = new Random(seed * 104729 + 3);
        var regions = input.Factories.Select(f => f.Region).Concat(input.Lanes.Select(l => l.ToRegion)).Distinct().Order(StringComparer.Ordinal).ToList();
        var depot = new Factory("DEPOT", "Reserve depot", Pick(random, regions));
        var sites = input.Factories.Append(depot).ToList();
        var lots = Enumerable.Range(0, random.Next(1, 5)).Select(n => new StockLot(
            $"L{n}",
            random.NextDouble() < 0.6 ? depot.FactoryId : Pick(random, input.Factories).FactoryId,
            Pick(random, input.Products).Sku,
            random.Next(1, 13) * 5,
            Start.AddDays(random.Next(-1, input.HorizonDays + 1)),
            random.Next(0, 7) / 2.0)).ToList();
        var commitments = input.Commitments.ToList();
        if (random.NextDouble() < 0.3)
        {
            var candidates = (
                from lot in lots
                let region = sites.First(f => f.FactoryId == lot.FactoryId).Region
                let first = Math.Max(0, lot.AvailableDate.DayNumber - Start.DayNumber)
                where first < input.HorizonDays
                from d in input.Demands
                where d.Sku == lot.Sku && !commitments.Any(c => c.DemandKey == d.RequestId)
                where region == d.Region || input.Lanes.Any(l => l.FromRegion == region && l.ToRegion == d.Region)
                select new Commitment(lot.FactoryId, d.RequestId, Start.AddDays(first), Math.Max(1, Math.Min(lot.Quantity, d.Quantity) / 3), Sources.Stock(lot.StockId))).ToList();
            if (candidates.Count > 0)
                commitments.Add(Pick(random, candidates));
        }
        return input with { Factories = sites, Commitments = commitments, StockLots = lots };
    }

    /// <summary>
    /// The scenario of <see cref="Build"/> with one or two materials: each sku consumes each with chance 0.6, at 0.25–2
    /// a unit; about half the regions receive one or two supplies of it (dated from the day before the start to the
    /// horizon's last day, 5–100 each), usually less than the factories could use, so material binds somewhere.
    /// </summary>
    public static PlanningInput BuildWithMaterials(int seed) => WithMaterials(Build(seed), seed);

    /// <summary>The scenario of <see cref="BuildWithStock"/> with the materials of <see cref="BuildWithMaterials"/>: lots need none.</summary>
    public static PlanningInput BuildWithStockAndMaterials(int seed) => WithMaterials(BuildWithStock(seed), seed);

    /// <summary>
    /// The scenario of <see cref="Build"/> with one to four options (conversions to a sku the factory does not make
    /// and expansions of one it does; ready from before the start to late in the horizon, ramps of 0–2 days, fixed costs
    /// 10–100) and a budget of 30–90% of their fixed costs, so that it binds now and then; sometimes one option is
    /// committed and another rejected.
    /// </summary>
    public static PlanningInput BuildWithOptions(int seed) => WithOptions(Build(seed), seed);

    /// <summary>The scenario of <see cref="BuildWithOptions"/> with the materials of <see cref="BuildWithMaterials"/>: lines consume them too.</summary>
    public static PlanningInput BuildWithOptionsAndMaterials(int seed) => WithMaterials(BuildWithOptions(seed), seed);

    private static PlanningInput WithOptions(PlanningInput input, int seed)
    {
        var random = new Random(seed * 32452843 + 11);
        var options = Enumerable.Range(0, random.Next(1, 5)).Select(o => new ProductionOption(
            $"O{o}",
            Pick(random, input.Factories.ToList()).FactoryId,
            Pick(random, input.Products.ToList()).Sku,
            random.Next(1, 9) * 5,
            random.Next(0, 11) / 2.0,
            Start.AddDays(random.Next(-1, input.HorizonDays)),
            random.Next(0, 3),
            random.Next(1, 11) * 10)).ToList();
        var budget = Math.Round(options.Sum(o => o.FixedCost) * (0.3 + 0.6 * random.NextDouble()));
        var committed = options.Count > 1 && random.NextDouble() < 0.25 ? new[] { options[0].OptionId } : [];
        var rejected = options.Count > 2 && random.NextDouble() < 0.25 ? new[] { options[^1].OptionId } : [];
        return input with { Options = options, OptionBudget = budget, CommittedOptions = committed, RejectedOptions = rejected };
    }

    private static PlanningInput WithMaterials(PlanningInput input, int seed)
    {
        var random = new Random(seed * 15485863 + 5);
        var regions = input.Factories.Select(f => f.Region).Concat(input.Lanes.SelectMany(l => new[] { l.FromRegion, l.ToRegion }))
            .Distinct().Order(StringComparer.Ordinal).ToList();
        var materials = Enumerable.Range(0, random.Next(1, 3)).Select(k => new Material($"K{k}", $"Material {k}", "kg")).ToList();
        var bom = (from p in input.Products
                   from m in materials
                   where random.NextDouble() < 0.6
                   select new BomLine(p.Sku, m.MaterialId, Pick(random, [0.25, 0.5, 1.0, 2.0]))).ToList();
        var supply = new List<MaterialSupply>();
        foreach (var m in materials)
        {
            foreach (var region in regions.Where(_ => random.NextDouble() < 0.5))
            {
                foreach (var day in Enumerable.Range(0, random.Next(1, 3)).Select(_ => random.Next(-1, input.HorizonDays)).Distinct())
                    supply.Add(new MaterialSupply(m.MaterialId, region, Start.AddDays(day), random.Next(2, 41) * 2.5));
            }
        }
        return input with { Materials = materials, Bom = bom, MaterialSupply = supply };
    }

    private static List<Commitment> Commitments(
        Random random, List<Factory> factories, List<Capability> capabilities, List<AvailabilityDay> availability,
        List<Lane> lanes, List<DemandLine> demands, int horizon)
    {
        var commitments = new List<Commitment>();
        for (var n = random.Next(1, 3); n > 0; n--)
        {
            var demand = Pick(random, demands);
            var candidates = (
                from c in capabilities
                where c.Sku == demand.Sku
                let region = factories.First(f => f.FactoryId == c.FactoryId).Region
                where region == demand.Region || lanes.Any(l => l.FromRegion == region && l.ToRegion == demand.Region)
                from t in Enumerable.Range(0, horizon)
                let factor = availability.LastOrDefault(a => a.FactoryId == c.FactoryId && a.Date == Start.AddDays(t))?.Factor ?? 1.0
                let units = (long)Math.Min(demand.Quantity / 3, Math.Floor(c.UnitsPerDay * factor / 3))
                where units >= 1
                select new Commitment(c.FactoryId, demand.RequestId, Start.AddDays(t), units)).ToList();
            if (candidates.Count > 0 && !commitments.Any(c => c.DemandKey == demand.RequestId))
                commitments.Add(Pick(random, candidates));
        }
        return commitments;
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
