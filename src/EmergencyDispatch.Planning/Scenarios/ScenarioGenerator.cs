using System.Globalization;
using EmergencyDispatch.Planning.Model;

namespace EmergencyDispatch.Planning.Scenarios;

/// <summary>What <see cref="ScenarioGenerator"/> makes: sizes, horizon and seed.</summary>
public sealed class GeneratorOptions
{
    public const int MaxFactories = 1_000_000;
    public const int MaxDemands = 10_000_000;
    public const int MaxSkus = 9_999;
    public const int MaxRegions = 999;
    /// <summary>The longest horizon: a plan's (<see cref="Rules.MaxHorizonDays"/>).</summary>
    public const int MaxDays = Rules.MaxHorizonDays;

    public int Factories { get; init; } = 100;
    public int Demands { get; init; } = 500;
    public int Skus { get; init; } = 30;
    public int Regions { get; init; } = 31;

    /// <summary>The plan horizon H in days (scenario.json <c>horizon_days</c>).</summary>
    public int Days { get; init; } = Rules.DefaultHorizonDays;

    public long Seed { get; init; } = 1;
    public DateOnly StartDate { get; init; } = new(2020, 2, 3);

    public const int MaxDepots = 999;
    public const int MaxLots = 100_000;
    public const int MaxMaterials = 3;
    public const int MaxOptions = 10_000;

    /// <summary>Reserve depots: sites with no capabilities, in the industrial hubs first, that hold stock lots.</summary>
    public int Depots { get; init; }

    /// <summary>
    /// Stock lots: three in five at depots (a depot's share of the national reserve, on hand from the start), the rest
    /// at factories or depots arriving mid-horizon (donations, at no cost, and purchases).
    /// </summary>
    public int Lots { get; init; }

    /// <summary>Materials (0–3): each consumed by some product families, supplied in a few regions, short in others.</summary>
    public int Materials { get; init; }

    /// <summary>
    /// Options: half conversions of a factory to a sku it does not make, half expansions of a line it has; ready on
    /// days 2–8, ramps of 0–3 days, fixed costs of 3–10 days of the line's output at its unit cost.
    /// </summary>
    public int Options { get; init; }

    /// <summary>The option budget as a share (0–1) of the options' fixed costs in all (scenario.json <c>option_budget</c>).</summary>
    public double OptionBudgetShare { get; init; } = 1.0 / 3;

    /// <summary>The options that are out of range, each with its property name.</summary>
    public IReadOnlyList<Violation> Validate()
    {
        var v = new List<Violation>();
        Rules.Add(v, nameof(Factories), Factories is < 1 or > MaxFactories ? $"must be from 1 to {MaxFactories}, got {Factories}" : null);
        Rules.Add(v, nameof(Demands), Demands is < 1 or > MaxDemands ? $"must be from 1 to {MaxDemands}, got {Demands}" : null);
        Rules.Add(v, nameof(Skus), Skus is < 1 or > MaxSkus ? $"must be from 1 to {MaxSkus}, got {Skus}" : null);
        Rules.Add(v, nameof(Regions), Regions is < 1 or > MaxRegions ? $"must be from 1 to {MaxRegions}, got {Regions}" : null);
        Rules.Add(v, nameof(Days), Rules.CheckHorizonDays(Days));
        Rules.Add(v, nameof(Depots), Depots is < 0 or > MaxDepots ? $"must be from 0 to {MaxDepots}, got {Depots}" : null);
        Rules.Add(v, nameof(Lots), Lots is < 0 or > MaxLots ? $"must be from 0 to {MaxLots}, got {Lots}" : null);
        Rules.Add(v, nameof(Materials), Materials is < 0 or > MaxMaterials ? $"must be from 0 to {MaxMaterials}, got {Materials}" : null);
        Rules.Add(v, nameof(Options), Options is < 0 or > MaxOptions ? $"must be from 0 to {MaxOptions}, got {Options}" : null);
        Rules.Add(v, nameof(OptionBudgetShare), Rules.CheckNumber(OptionBudgetShare, 0, 1, minInclusive: true));
        // Due dates reach a few days past the horizon.
        Rules.Add(v, nameof(StartDate), StartDate < Rules.MinDate || StartDate.AddDays(MaxDays + 10) > Rules.MaxDate
            ? $"must be between {Rules.MinDate:yyyy-MM-dd} and {Rules.MaxDate.AddDays(-MaxDays - 10):yyyy-MM-dd}"
            : null);
        return v;
    }
}

/// <summary>A generated scenario with its demand against capacity.</summary>
/// <param name="Capacity">Σ over factories and days of factor × the mean units_per_day of the factory's skus.</param>
/// <param name="DemandUnits">Σ of all demand quantities.</param>
/// <param name="TargetRatio">The demand/capacity ratio drawn from the seed in [0.8, 1.3].</param>
/// <param name="UnreachableDemands">Demands with no capable factory that has a lane to their region (the planner reports NO_CAPABLE_FACTORY).</param>
public sealed record GeneratedScenario(Scenario Scenario, double Capacity, long DemandUnits, double TargetRatio, int UnreachableDemands)
{
    /// <summary>The achieved demand/capacity ratio.</summary>
    public double Ratio => Capacity > 0 ? DemandUnits / Capacity : double.PositiveInfinity;
}

/// <summary>
/// A deterministic synthetic scenario: the same options give the same scenario, to the byte once written, on every machine and .NET version.
/// </summary>
/// <remarks>
/// Randomness comes from SplitMix64 streams of the seed, one per part (regions, lanes, factories, …), so that more demands
/// leave the factories unchanged. Only integer arithmetic, + − × ÷ and square roots (all exactly rounded in IEEE 754) touch
/// the data: no Math.Log, Exp or Pow, whose last bit may differ between platforms.
/// </remarks>
public static class ScenarioGenerator
{
    // Data.

    /// <summary>A product family: skus of one family are made on the same lines, so a factory's skus come from one family.</summary>
    private sealed record Family(string Stem, string Name, string Unit, string Maker, int UnitsPerDay, double UnitCost, string[] Variants);

    private static readonly Family[] Catalogue =
    [
        new("MASK", "Respirator mask", "piece", "Medical Textiles", 100_000, 0.8, ["N95 respirator", "Surgical mask", "KN95 respirator"]),
        new("GLOVE", "Examination gloves", "box", "Latex Products", 20_000, 6, ["Nitrile gloves, box of 100", "Latex gloves, box of 100", "Vinyl gloves, box of 100"]),
        new("SUIT", "Protective coverall", "set", "Garments", 5_000, 25, ["Protective coverall", "Chemical splash suit", "Disposable coverall"]),
        new("GOWN", "Isolation gown", "piece", "Nonwovens", 10_000, 4, ["Isolation gown", "Surgical gown", "Shoe covers"]),
        new("SHIELD", "Face shield", "piece", "Plastics", 20_000, 1.5, ["Face shield", "Protective goggles", "Safety glasses"]),
        new("DISINF", "Disinfectant", "litre", "Chemicals", 30_000, 2, ["Ethanol 75%", "Chlorine disinfectant", "Hand sanitiser"]),
        new("TEST", "Test kit", "kit", "Biotech", 20_000, 9, ["PCR test kit", "Antigen test kit", "Sampling swab kit"]),
        new("THERMO", "Thermometer", "piece", "Electronics", 2_000, 30, ["Infrared thermometer", "Thermal camera", "Digital thermometer"]),
        new("OXY", "Oxygen supply", "piece", "Medical Devices", 100, 900, ["Oxygen concentrator", "Oxygen cylinder", "Pulse oximeter"]),
        new("VENT", "Ventilator", "piece", "Life Support Systems", 20, 20_000, ["ICU ventilator", "Non-invasive ventilator", "Transport ventilator"]),
    ];

    private const int ClusterSize = 3;

    /// <summary>The E12 preferred numbers: twelve steps spread evenly over one decade on a log scale.</summary>
    private static readonly int[] E12 = [10, 12, 15, 18, 22, 27, 33, 39, 47, 56, 68, 82];

    private static readonly string[] TownStarts = ["Ash", "Bel", "Cal", "Dun", "El", "Fair", "Glen", "Har", "Iron", "Kings", "Lin", "Mar", "New", "Oak", "Pine", "Red", "Stan", "Thorn", "Val", "West"];
    private static readonly string[] TownEnds = ["ford", "ton", "bury", "field", "wick", "dale", "mouth", "port", "ham", "stead"];
    private static readonly string[] CompanyForms = ["Co.", "Industries", "Group", "Manufacturing", "Co., Ltd."];

    private const double MapSize = 1000;
    private const double KmPerLeadDay = 300;
    private const int MaxLeadDays = 5;

    // Random streams, one per part.
    private const ulong RegionStream = 1, LaneStream = 2, SkuStream = 3, FactoryStream = 4, AvailabilityStream = 5, DemandStream = 6, RatioStream = 7,
        StockStream = 8, MaterialStream = 9, OptionStream = 10;

    /// <summary>Generates a scenario; throws <see cref="ArgumentException"/> for options out of range.</summary>
    public static GeneratedScenario Generate(GeneratorOptions o)
    {
        var problems = o.Validate();
        if (problems.Count > 0)
            throw new ArgumentException(string.Join("; ", problems.Select(p => $"{p.Field} {p.Description}")), nameof(o));

        var regions = MakeRegions(o);
        var lanes = MakeLanes(o, regions);
        var skus = MakeSkus(o);
        var factories = MakeFactories(o, regions, skus);
        MakeAvailability(o, factories);
        var (capacity, skuCapacity) = Capacity(factories, skus.Length);
        var (demands, target) = MakeDemands(o, regions, skus, factories, skuCapacity, capacity);
        var depots = MakeDepots(o, regions);
        var lots = MakeLots(o, skus, factories, depots);
        var (materials, bom, supply) = MakeMaterials(o, regions, skus, factories);
        var options = MakeOptions(o, skus, factories);

        var scenario = new Scenario(
            skus.Select(s => new Product(s.Sku, s.Name, s.Unit)).ToList(),
            factories.Select(f => new Factory(f.Id, f.Name, regions[f.Region].Code)).Concat(depots).ToList(),
            factories.SelectMany(f => f.Lines.Select(l => new Capability(f.Id, skus[l.Sku].Sku, l.UnitsPerDay, l.UnitCost))).ToList(),
            factories.SelectMany(f => Enumerable.Range(0, o.Days)
                .Where(t => f.Factors[t] != 1)
                .Select(t => new AvailabilityDay(f.Id, o.StartDate.AddDays(t), f.Factors[t]))).ToList(),
            lanes.Select(l => new Lane(regions[l.From].Code, regions[l.To].Code, l.LeadDays, l.UnitCost)).ToList(),
            demands,
            o.StartDate,
            o.Days)
        {
            StockLots = lots,
            Materials = materials,
            Bom = bom,
            MaterialSupply = supply,
            Options = options,
            OptionBudget = Math.Round(o.OptionBudgetShare * options.Sum(x => x.FixedCost)),
        };
        var unreachable = CountUnreachable(scenario);
        return new GeneratedScenario(scenario, capacity, demands.Sum(d => d.Quantity), target, unreachable);
    }

    // Regions: points on a 1000 × 1000 km map, an industrial weight (where factories are) and a population weight
    // (where demand is); one region, the epicentre, has five times its population weight.

    private sealed record RegionInfo(string Code, int X, int Y, int Industry, int Population);

    private static readonly int[] IndustryWeights = [1, 2, 3, 5, 8, 13, 21];
    private static readonly int[] PopulationWeights = [1, 2, 3, 4, 6, 8, 10];

    private static RegionInfo[] MakeRegions(GeneratorOptions o)
    {
        var rng = new SplitMix64(o.Seed, RegionStream);
        var width = Math.Max(2, Digits(o.Regions));
        var epicentre = rng.Below(o.Regions);
        var regions = new RegionInfo[o.Regions];
        for (var i = 0; i < o.Regions; i++)
        {
            // A quarter of the regions have no industry; the others follow a Fibonacci-like spread so a few dominate.
            var weight = rng.Below(4) == 0 ? 0 : IndustryWeights[rng.Below(IndustryWeights.Length)];
            var people = PopulationWeights[rng.Below(PopulationWeights.Length)] * (i == epicentre ? 5 : 1);
            regions[i] = new RegionInfo("R" + (i + 1).ToString(CultureInfo.InvariantCulture).PadLeft(width, '0'),
                rng.Below((int)MapSize + 1), rng.Below((int)MapSize + 1), weight, people);
        }
        if (regions.All(r => r.Industry == 0))
            regions[0] = regions[0] with { Industry = 1 };
        return regions;
    }

    private static double Distance(RegionInfo a, RegionInfo b)
    {
        double dx = a.X - b.X, dy = a.Y - b.Y;
        return Math.Sqrt(dx * dx + dy * dy);
    }

    // Lanes: each region to its 6–10 nearest, bridges between any parts left apart, national distribution from the
    // industrial hubs, and a few long lanes. Lead time and cost grow with distance.

    private sealed record LaneInfo(int From, int To, int LeadDays, double UnitCost);

    private static List<LaneInfo> MakeLanes(GeneratorOptions o, RegionInfo[] regions)
    {
        var rng = new SplitMix64(o.Seed, LaneStream);
        var n = regions.Length;
        var pairs = new SortedSet<(int From, int To)>();
        void Both(int a, int b)
        {
            pairs.Add((a, b));
            pairs.Add((b, a));
        }

        // Each region reaches its nearest neighbours, both ways.
        var order = new int[n];
        var distance = new double[n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                order[j] = j;
                distance[j] = Distance(regions[i], regions[j]);
            }
            Array.Sort(order, (a, b) => distance[a] != distance[b] ? distance[a].CompareTo(distance[b]) : a.CompareTo(b));
            var k = Math.Min(n - 1, rng.Between(6, 10));
            // Skip the region itself, which need not sort first: another region may sit on the same point.
            for (int m = 0, added = 0; m < n && added < k; m++)
            {
                if (order[m] == i)
                    continue;
                Both(i, order[m]);
                added++;
            }
        }

        // The network is connected: join the part holding region 0 to its nearest region outside, until none is outside.
        var component = Components(n, pairs);
        while (component.Any(c => c != component[0]))
        {
            var best = (From: -1, To: -1, Distance: double.MaxValue);
            for (var i = 0; i < n; i++)
            {
                if (component[i] != component[0])
                    continue;
                for (var j = 0; j < n; j++)
                {
                    var d = Distance(regions[i], regions[j]);
                    if (component[j] != component[0] && d < best.Distance)
                        best = (i, j, d);
                }
            }
            Both(best.From, best.To);
            component = Components(n, pairs);
        }

        // The largest industrial regions ship to every region.
        foreach (var hub in Hubs(regions))
        {
            for (var j = 0; j < n; j++)
            {
                if (j != hub)
                    pairs.Add((hub, j));
            }
        }

        // A few long lanes between otherwise unconnected regions.
        var longLanes = n / 6;
        for (var attempt = 0; longLanes > 0 && attempt < 20 * n; attempt++)
        {
            int a = rng.Below(n), b = rng.Below(n);
            if (a != b && !pairs.Contains((a, b)))
            {
                Both(a, b);
                longLanes--;
            }
        }

        return pairs.Select(p =>
        {
            var d = Distance(regions[p.From], regions[p.To]);
            var lead = Math.Min(MaxLeadDays, 1 + (int)(d / KmPerLeadDay));
            var milli = 20 + (long)Math.Round(d * 0.18);
            return new LaneInfo(p.From, p.To, lead, milli / 1000.0);
        }).ToList();
    }

    /// <summary>The industrial hubs: the tenth of the regions with the most industry (at least one).</summary>
    private static IEnumerable<int> Hubs(RegionInfo[] regions) => Enumerable.Range(0, regions.Length)
        .Where(i => regions[i].Industry > 0)
        .OrderByDescending(i => regions[i].Industry).ThenBy(i => i)
        .Take(Math.Max(1, (regions.Length + 5) / 10));

    /// <summary>The connected part of each region, lanes taken as undirected.</summary>
    private static int[] Components(int n, IEnumerable<(int From, int To)> pairs)
    {
        var parent = Enumerable.Range(0, n).ToArray();
        int Find(int x)
        {
            while (parent[x] != x)
                x = parent[x] = parent[parent[x]];
            return x;
        }
        foreach (var (a, b) in pairs)
            parent[Find(a)] = Find(b);
        return Enumerable.Range(0, n).Select(Find).ToArray();
    }

    // Skus: families of three related skus; each sku has its own scale of units per day and cost, and a popularity.

    private sealed record SkuInfo(string Sku, string Name, string Unit, int Cluster, Family Family, double UnitsPerDay, double UnitCost, int Popularity);

    private static SkuInfo[] MakeSkus(GeneratorOptions o)
    {
        var rng = new SplitMix64(o.Seed, SkuStream);
        var width = Math.Max(2, Digits(o.Skus));
        var skus = new SkuInfo[o.Skus];
        for (var i = 0; i < o.Skus; i++)
        {
            var cluster = i / ClusterSize;
            var family = Catalogue[cluster % Catalogue.Length];
            var variant = i % ClusterSize;
            var name = cluster < Catalogue.Length ? family.Variants[variant] : $"{family.Name} type {i + 1}";
            // Scale 0.5–2 and cost 0.7–1.4 of the family's.
            var units = family.UnitsPerDay * (rng.Between(50, 200) / 100.0);
            var cost = family.UnitCost * (rng.Between(70, 140) / 100.0);
            var sku = family.Stem + "-" + (i + 1).ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');
            skus[i] = new SkuInfo(sku, name, family.Unit, cluster, family, units, cost, rng.Between(1, 4));
        }
        return skus;
    }

    // Factories: a region by industrial weight, a main sku (every sku is some factory's main sku while there are
    // factories enough), up to two more of the same family, a size spread over a decade, and costs near the sku's.
    // The last sku is a specialty: one large factory in a region that is no hub makes it, so demand for it in regions
    // without a lane from there has no capable factory (NO_CAPABLE_FACTORY), as happens with real specialist goods.

    private sealed record Line(int Sku, double UnitsPerDay, double UnitCost);

    private sealed class FactoryInfo
    {
        public required string Id { get; set; }
        public required string Name { get; init; }
        public required int Region { get; init; }
        public required Line[] Lines { get; init; }
        public required double[] Factors { get; init; }
    }

    private static List<FactoryInfo> MakeFactories(GeneratorOptions o, RegionInfo[] regions, SkuInfo[] skus)
    {
        var rng = new SplitMix64(o.Seed, FactoryStream);
        var regionPick = new WeightedPick(regions.Select(r => (long)r.Industry));
        var specialty = skus.Length >= 2 ? skus.Length - 1 : -1;
        var skuPick = new WeightedPick(skus.Select((s, i) => i == specialty ? 0 : (long)s.Popularity));
        var everySku = Shuffle(Enumerable.Range(0, skus.Length).ToArray(), rng);
        var hubs = Hubs(regions).ToHashSet();
        var outside = Enumerable.Range(0, regions.Length).Where(r => !hubs.Contains(r)).ToArray();
        var industrialOutside = outside.Where(r => regions[r].Industry > 0).ToArray();
        var specialtyRegion = industrialOutside.Length > 0 ? industrialOutside[rng.Below(industrialOutside.Length)]
            : outside.Length > 0 ? outside[rng.Below(outside.Length)]
            : 0;

        var factories = new List<FactoryInfo>(o.Factories);
        for (var i = 0; i < o.Factories; i++)
        {
            var region = regionPick.Next(rng);
            var main = i < everySku.Length ? everySku[i] : skuPick.Next(rng);
            if (main == specialty)
                region = specialtyRegion;

            // 1 sku (50%), 2 (30%) or 3 (20%), all of the main sku's family.
            var roll = rng.Below(10);
            var count = roll < 5 ? 1 : roll < 8 ? 2 : 3;
            var cluster = Enumerable.Range(0, skus.Length).Where(s => skus[s].Cluster == skus[main].Cluster && s != main && s != specialty).ToArray();
            var made = new List<int> { main };
            made.AddRange(Shuffle(cluster, rng).Take(count - 1));
            made.Sort();

            // One decade of sizes: 0.3 × an E12 number (0.3–2.46); each line ±20% around the factory's size.
            var size = E12[rng.Below(E12.Length)] * 0.03;
            // The one specialty plant makes as much as all the plants of an ordinary sku together.
            if (main == specialty)
                size *= Math.Max(1, o.Factories / skus.Length);
            var costLevel = rng.Between(80, 130) / 100.0;
            var lines = made.Select(s => new Line(
                s,
                RoundUnits(skus[s].UnitsPerDay * size * (rng.Between(80, 120) / 100.0)),
                RoundCost(skus[s].UnitCost * costLevel * (rng.Between(95, 105) / 100.0)))).ToArray();

            var form = CompanyForms[rng.Below(CompanyForms.Length)];
            var town = TownStarts[rng.Below(TownStarts.Length)] + TownEnds[rng.Below(TownEnds.Length)];
            factories.Add(new FactoryInfo
            {
                Id = "",
                Name = $"{town} {skus[main].Family.Maker} {form}",
                Region = region,
                Lines = lines,
                Factors = Enumerable.Repeat(1.0, o.Days).ToArray(),
            });
        }

        // Ids F-<region>-<n>, numbered within the region; the list is in id order.
        var width = Math.Max(3, Digits(o.Factories));
        var numbers = new int[regions.Length];
        foreach (var f in factories)
            f.Id = $"F-{regions[f.Region].Code}-{(++numbers[f.Region]).ToString(CultureInfo.InvariantCulture).PadLeft(width, '0')}";
        return factories.OrderBy(f => f.Id, StringComparer.Ordinal).ToList();
    }

    // Availability: outages of 1–4 days (10% of factories), conversion lines that start closed and ramp up (5%),
    // expansions by 1.2–2.0 from some day on (8%) and short dips to 0.5–0.9 (5%).

    private static void MakeAvailability(GeneratorOptions o, List<FactoryInfo> factories)
    {
        var rng = new SplitMix64(o.Seed, AvailabilityStream);
        var h = o.Days;
        foreach (var f in factories)
        {
            var roll = rng.Below(100);
            if (roll < 10)
            {
                var start = rng.Below(h);
                var end = Math.Min(h, start + rng.Between(1, 4));
                for (var t = start; t < end; t++)
                    f.Factors[t] = 0;
                // Half of them come back at half output for a day.
                if (rng.Below(2) == 0 && end < h)
                    f.Factors[end] = 0.5;
            }
            else if (roll < 15)
            {
                var closed = Math.Min(h, rng.Between(2, 5));
                double[] ramp = [0.3, 0.6];
                for (var t = 0; t < h && t < closed + ramp.Length; t++)
                    f.Factors[t] = t < closed ? 0 : ramp[t - closed];
            }
            else if (roll < 23)
            {
                var from = rng.Between(h / 3, h - 1);
                var factor = rng.Between(12, 20) / 10.0;
                for (var t = from; t < h; t++)
                    f.Factors[t] = factor;
            }
            else if (roll < 28)
            {
                var start = rng.Below(h);
                var end = Math.Min(h, start + rng.Between(1, 3));
                var factor = rng.Between(5, 9) / 10.0;
                for (var t = start; t < end; t++)
                    f.Factors[t] = factor;
            }
        }
    }

    /// <summary>
    /// Capacity as the ratio counts it: Σ over factories and days of factor × the mean units_per_day of the factory's skus;
    /// each sku gets its share of it (a factory's capacity split evenly over its skus).
    /// </summary>
    private static (double Total, double[] PerSku) Capacity(List<FactoryInfo> factories, int skuCount)
    {
        var total = 0.0;
        var perSku = new double[skuCount];
        foreach (var f in factories)
        {
            var mean = f.Lines.Sum(l => l.UnitsPerDay) / f.Lines.Length;
            foreach (var factor in f.Factors)
                total += factor * mean;
            var days = f.Factors.Sum();
            foreach (var l in f.Lines)
                perSku[l.Sku] += days * l.UnitsPerDay / f.Lines.Length;
        }
        return (total, perSku);
    }

    // Demands: a made sku by popularity, a region by population, a priority (15:30:35:25), a due date and a weight;
    // then each sku's quantities are scaled to its share of target × capacity.

    private static (List<DemandLine> Demands, double Target) MakeDemands(
        GeneratorOptions o, RegionInfo[] regions, SkuInfo[] skus, List<FactoryInfo> factories, double[] skuCapacity, double capacity)
    {
        var rng = new SplitMix64(o.Seed, DemandStream);
        var made = new bool[skus.Length];
        foreach (var f in factories)
        {
            foreach (var l in f.Lines)
                made[l.Sku] = true;
        }
        var skuPick = new WeightedPick(skus.Select((s, i) => made[i] ? (long)s.Popularity : 0));
        var regionPick = new WeightedPick(regions.Select(r => (long)r.Population));
        var h = o.Days;

        var sku = new int[o.Demands];
        var region = new int[o.Demands];
        var priority = new Priority[o.Demands];
        var due = new int[o.Demands];
        var weight = new long[o.Demands];
        for (var i = 0; i < o.Demands; i++)
        {
            sku[i] = skuPick.Next(rng);
            region[i] = regionPick.Next(rng);
            var p = rng.Below(105);
            priority[i] = p < 15 ? Priority.Critical : p < 45 ? Priority.High : p < 80 ? Priority.Normal : Priority.Low;
            var when = rng.Below(100);
            // 2% due on the first day (only a local factory open that day could make it), 7% after the horizon,
            // the rest inside it, critical ones in its first two thirds.
            due[i] = when < 2 ? 0
                : when < 9 ? h + rng.Below(5)
                : priority[i] == Priority.Critical ? rng.Between(1, Math.Max(1, 2 * (h - 1) / 3))
                : rng.Between(1, Math.Max(1, h - 1));
            // Two decades of sizes: an E12 number times 1 or 10.
            weight[i] = E12[rng.Below(E12.Length)] * (rng.Below(2) == 0 ? 1 : 10);
        }

        // Each demanded sku gets target × capacity in proportion to its capacity times a pressure of 0.75–1.30,
        // so some skus are short and some have slack.
        var ratioRng = new SplitMix64(o.Seed, RatioStream);
        var target = 0.8 + ratioRng.Below(501) / 1000.0;
        var pressure = skus.Select(_ => ratioRng.Between(75, 130) / 100.0).ToArray();
        var demanded = new bool[skus.Length];
        foreach (var s in sku)
            demanded[s] = true;
        var weighted = 0.0;
        for (var s = 0; s < skus.Length; s++)
        {
            if (demanded[s])
                weighted += skuCapacity[s] * pressure[s];
        }

        var quantity = new long[o.Demands];
        var bySku = Enumerable.Range(0, o.Demands).GroupBy(i => sku[i]).OrderBy(g => g.Key);
        foreach (var group in bySku)
        {
            var s = group.Key;
            var members = group.ToArray();
            var total = weighted > 0 ? (long)Math.Round(target * capacity * skuCapacity[s] * pressure[s] / weighted) : 0;
            // Every demand gets 1 unit, the rest is split by weight with cumulative rounding, so the sku's total is exact.
            var rest = (UInt128)Math.Max(0, total - members.Length);
            var sum = (UInt128)members.Sum(i => weight[i]);
            UInt128 cumulative = 0, given = 0;
            foreach (var i in members)
            {
                cumulative += (UInt128)weight[i];
                var upTo = rest * cumulative / sum;
                quantity[i] = Math.Min(Rules.MaxQuantity, 1 + (long)(upTo - given));
                given = upTo;
            }
        }

        var width = Math.Max(6, Digits(o.Demands));
        var demands = new List<DemandLine>(o.Demands);
        for (var i = 0; i < o.Demands; i++)
        {
            demands.Add(new DemandLine(
                "REQ-" + (i + 1).ToString(CultureInfo.InvariantCulture).PadLeft(width, '0'),
                skus[sku[i]].Sku,
                quantity[i],
                regions[region[i]].Code,
                o.StartDate.AddDays(due[i]),
                priority[i]));
        }
        return (demands, target);
    }

    // Stock: depots in the hubs, then in the other industrial regions; lots of a few factory-days of a sku each.

    private static List<Factory> MakeDepots(GeneratorOptions o, RegionInfo[] regions)
    {
        var width = Math.Max(2, Digits(o.Depots));
        var order = Hubs(regions)
            .Concat(Enumerable.Range(0, regions.Length).Where(r => regions[r].Industry > 0).OrderByDescending(r => regions[r].Industry).ThenBy(r => r))
            .Concat(Enumerable.Range(0, regions.Length))
            .Distinct()
            .ToArray();
        return Enumerable.Range(0, o.Depots)
            .Select(i => new Factory(
                "DEPOT-" + (i + 1).ToString(CultureInfo.InvariantCulture).PadLeft(width, '0'),
                $"{regions[order[i % order.Length]].Code} reserve depot {i / order.Length + 1}",
                regions[order[i % order.Length]].Code))
            .ToList();
    }

    // Options: conversions (a carmaker to masks, a textile firm to gowns) and expansions (a mask maker adds a line).

    private static List<ProductionOption> MakeOptions(GeneratorOptions o, SkuInfo[] skus, List<FactoryInfo> factories)
    {
        var rng = new SplitMix64(o.Seed, OptionStream);
        var skuPick = new WeightedPick(skus.Select(s => (long)s.Popularity));
        var width = Math.Max(2, Digits(o.Options));
        var options = new List<ProductionOption>(o.Options);
        for (var i = 0; i < o.Options && factories.Count > 0; i++)
        {
            var factory = factories[rng.Below(factories.Count)];
            var expansion = rng.Below(2) == 0 && factory.Lines.Length > 0;
            var line = expansion ? factory.Lines[rng.Below(factory.Lines.Length)] : null;
            var sku = line is not null ? skus[line.Sku] : skus[skuPick.Next(rng)];
            var unitsPerDay = RoundUnits(line is not null ? line.UnitsPerDay * (rng.Between(30, 80) / 100.0) : sku.UnitsPerDay * (rng.Between(50, 150) / 100.0));
            var unitCost = RoundCost((line?.UnitCost ?? sku.UnitCost) * (rng.Between(100, 140) / 100.0));
            var ready = Math.Min(o.Days - 1, rng.Between(2, 8));
            var ramp = rng.Between(0, 3);
            var fixedCost = RoundCost(Math.Max(1, unitsPerDay) * Math.Max(0.01, unitCost) * rng.Between(3, 10));
            options.Add(new ProductionOption("OPT-" + (i + 1).ToString(CultureInfo.InvariantCulture).PadLeft(width, '0'),
                factory.Id, sku.Sku, Math.Max(1, unitsPerDay), unitCost, o.StartDate.AddDays(Math.Max(0, ready)), ramp, fixedCost));
        }
        return options;
    }

    private static List<StockLot> MakeLots(GeneratorOptions o, SkuInfo[] skus, List<FactoryInfo> factories, List<Factory> depots)
    {
        var rng = new SplitMix64(o.Seed, StockStream);
        var skuPick = new WeightedPick(skus.Select(s => (long)s.Popularity));
        var width = Math.Max(2, Digits(o.Lots));
        var lots = new List<StockLot>(o.Lots);
        for (var i = 0; i < o.Lots; i++)
        {
            var sku = skus[skuPick.Next(rng)];
            var reserve = depots.Count > 0 && rng.Below(5) < 3;
            // The reserve is on hand before the start; donations and purchases land from day 1 to two thirds of the way.
            var day = reserve ? -rng.Between(1, 30) : rng.Between(1, Math.Max(1, o.Days * 2 / 3));
            var donation = !reserve && rng.Below(2) == 0;
            var site = reserve || factories.Count == 0 || (depots.Count > 0 && rng.Below(2) == 0)
                ? depots.Count > 0 ? depots[rng.Below(depots.Count)].FactoryId : factories[rng.Below(factories.Count)].Id
                : factories[rng.Below(factories.Count)].Id;
            var quantity = (long)RoundUnits(sku.UnitsPerDay * rng.Between(1, 5));
            var cost = donation ? 0 : RoundCost(sku.UnitCost * (rng.Between(80, 150) / 100.0));
            lots.Add(new StockLot("LOT-" + (i + 1).ToString(CultureInfo.InvariantCulture).PadLeft(width, '0'), site, sku.Sku,
                Math.Max(1, quantity), o.StartDate.AddDays(day), cost));
        }
        return lots;
    }

    // Materials: melt-blown fabric, spunbond nonwoven and nitrile, each consumed by some families (two thirds of the
    // skus use one), at a tenth of a tonne per typical factory-day (quantities to three significant digits, as costs);
    // supplied in a third of the regions (by industry)
    // with stock on hand at the start and daily deliveries, in all about nine tenths of what the factories could use,
    // so that some regions run short and material moves along the lanes.

    private static readonly (string Id, string Name, string Unit)[] MaterialCatalogue =
    [
        ("MELTBLOWN", "Melt-blown fabric", "t"),
        ("NONWOVEN", "Spunbond nonwoven", "t"),
        ("NITRILE", "Nitrile latex", "t"),
    ];

    private static (List<Material> Materials, List<BomLine> Bom, List<MaterialSupply> Supply) MakeMaterials(
        GeneratorOptions o, RegionInfo[] regions, SkuInfo[] skus, List<FactoryInfo> factories)
    {
        if (o.Materials == 0)
            return ([], [], []);
        var rng = new SplitMix64(o.Seed, MaterialStream);
        var materials = MaterialCatalogue.Take(o.Materials).Select(m => new Material(m.Id, m.Name, m.Unit)).ToList();
        // Families 0, 1, 3, 4, 6, … consume one material each, in turn; families 2, 5, 8, … none.
        var clusters = skus.Select(s => s.Cluster).Distinct().Order().Where(c => c % 3 != 2).ToList();
        var materialOf = clusters.Select((c, i) => (c, i % materials.Count)).ToDictionary(x => x.c, x => x.Item2);
        var bom = skus.Where(s => materialOf.ContainsKey(s.Cluster))
            .Select(s => new BomLine(s.Sku, materials[materialOf[s.Cluster]].MaterialId, RoundCost(0.1 / s.Family.UnitsPerDay)))
            .ToList();

        // What the factories could use per material and day at full capacity.
        var perUnit = bom.ToDictionary(b => b.Sku, b => (b.MaterialId, b.PerUnit), StringComparer.Ordinal);
        var potential = new double[materials.Count];
        foreach (var f in factories)
        {
            foreach (var line in f.Lines)
            {
                if (perUnit.TryGetValue(skus[line.Sku].Sku, out var use))
                    potential[materials.FindIndex(m => m.MaterialId == use.MaterialId)] += use.PerUnit * line.UnitsPerDay / f.Lines.Length;
            }
        }
        var supply = new List<MaterialSupply>();
        var industrial = Enumerable.Range(0, regions.Length).Where(r => regions[r].Industry > 0).ToArray();
        for (var k = 0; k < materials.Count; k++)
        {
            var count = Math.Max(1, industrial.Length / 3);
            var suppliers = Shuffle((int[])industrial.Clone(), rng).Take(count).Order().ToArray();
            var weights = suppliers.Select(_ => rng.Between(1, 4)).ToArray();
            var total = 0.9 * potential[k] * o.Days;
            for (var j = 0; j < suppliers.Length; j++)
            {
                var share = total * weights[j] / weights.Sum();
                // A fifth on hand at the start, the rest in equal daily deliveries.
                supply.Add(new MaterialSupply(materials[k].MaterialId, regions[suppliers[j]].Code, o.StartDate.AddDays(-1), RoundCost(share / 5)));
                for (var t = 0; t < o.Days; t++)
                    supply.Add(new MaterialSupply(materials[k].MaterialId, regions[suppliers[j]].Code, o.StartDate.AddDays(t), RoundCost(share * 4 / 5 / o.Days)));
            }
        }
        return (materials, bom, supply.Where(s => s.Quantity > 0).ToList());
    }

    /// <summary>Demands whose region no capable factory has a lane to (own region included).</summary>
    private static int CountUnreachable(Scenario scenario)
    {
        var regionOf = scenario.Factories.ToDictionary(f => f.FactoryId, f => f.Region, StringComparer.Ordinal);
        var sources = scenario.Capabilities
            .GroupBy(c => c.Sku, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(c => regionOf[c.FactoryId]).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        var lanes = scenario.Lanes.Select(l => (l.FromRegion, l.ToRegion)).ToHashSet();
        return scenario.Demands.Count(d =>
            !sources.TryGetValue(d.Sku, out var from) || !from.Any(r => r == d.Region || lanes.Contains((r, d.Region))));
    }

    // Numbers that look like data: whole units per day with two significant digits, costs with three.

    private static double RoundUnits(double x)
    {
        if (x < 10)
            return Math.Max(1, Math.Round(x));
        long scale = 1;
        while (x / scale >= 100)
            scale *= 10;
        return Math.Round(x / scale) * scale;
    }

    private static double RoundCost(double x)
    {
        long scale = 1;
        if (x >= 1000)
        {
            while (x / scale >= 1000)
                scale *= 10;
            return Math.Round(x / scale) * scale;
        }
        // Below 1000: three significant digits, at most six decimals.
        while (x * scale < 100 && scale < 1_000_000)
            scale *= 10;
        return Math.Round(x * scale) / scale;
    }

    private static int Digits(int n) => n.ToString(CultureInfo.InvariantCulture).Length;

    private static int[] Shuffle(int[] items, SplitMix64 rng)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = rng.Below(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
        return items;
    }

    /// <summary>Picks an index with probability proportional to its whole-number weight.</summary>
    private sealed class WeightedPick
    {
        private readonly long[] _cumulative;

        public WeightedPick(IEnumerable<long> weights)
        {
            var sum = 0L;
            _cumulative = weights.Select(w => sum += w).ToArray();
        }

        public int Next(SplitMix64 rng)
        {
            var r = rng.Below(_cumulative[^1]);
            // The first index whose cumulative weight exceeds r.
            int lo = 0, hi = _cumulative.Length - 1;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (_cumulative[mid] > r)
                    hi = mid;
                else
                    lo = mid + 1;
            }
            return lo;
        }
    }

    /// <summary>SplitMix64 (Steele, Lea and Flood, 2014): a tiny PRNG whose output is fixed by its definition on every platform.</summary>
    private sealed class SplitMix64
    {
        private ulong _state;

        /// <summary>An independent stream per (seed, stream): the state starts from both, mixed.</summary>
        public SplitMix64(long seed, ulong stream)
        {
            _state = Mix((ulong)seed) ^ Mix(stream * 0xD1B54A32D192ED03UL + 1);
        }

        public ulong Next() => Mix(_state += 0x9E3779B97F4A7C15UL);

        /// <summary>A whole number in [0, n) by multiply-high (Lemire); the bias is below n / 2^64.</summary>
        public int Below(int n) => (int)Below((long)n);

        public long Below(long n) => (long)Math.BigMul(Next(), (ulong)n, out _);

        public int Between(int min, int maxInclusive) => min + Below(maxInclusive - min + 1);

        private static ulong Mix(ulong z)
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
