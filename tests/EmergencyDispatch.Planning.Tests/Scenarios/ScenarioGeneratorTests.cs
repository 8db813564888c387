using System.Diagnostics;
using System.Security.Cryptography;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Scenarios;

namespace EmergencyDispatch.Tests.Scenarios;

public sealed class ScenarioGeneratorTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"dispatch-generator-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    private static readonly GeneratorOptions Province = new() { Factories = 100, Demands = 500 };

    private static Scenario Generate(GeneratorOptions options) => ScenarioGenerator.Generate(options).Scenario;

    /// <summary>Writes the scenario into a folder of its own and returns every file's bytes by name.</summary>
    private Dictionary<string, byte[]> Files(GeneratorOptions options, string name)
    {
        var directory = Path.Combine(_directory, name);
        ScenarioWriter.Write(Generate(options), directory);
        return Directory.GetFiles(directory).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
    }

    private static double Capacity(Scenario s)
    {
        var factors = s.Availability.ToDictionary(a => (a.FactoryId, a.Date), a => a.Factor);
        var total = 0.0;
        foreach (var lines in s.Capabilities.GroupBy(c => c.FactoryId))
        {
            var mean = lines.Average(c => c.UnitsPerDay);
            for (var t = 0; t < s.HorizonDays; t++)
                total += factors.GetValueOrDefault((lines.Key, s.StartDate!.Value.AddDays(t)), 1.0) * mean;
        }
        return total;
    }

    [Fact]
    public void SameSeedWritesByteIdenticalFiles()
    {
        var first = Files(Province, "first");
        var second = Files(new GeneratorOptions { Factories = 100, Demands = 500 }, "second");

        Assert.Equal(first.Keys.Order(), second.Keys.Order());
        foreach (var (file, bytes) in first)
            Assert.True(bytes.AsSpan().SequenceEqual(second[file]), $"{file} differs");
    }

    [Fact]
    public void DifferentSeedWritesDifferentFiles()
    {
        var first = Files(Province, "first");
        var second = Files(new GeneratorOptions { Factories = 100, Demands = 500, Seed = 2 }, "second");

        foreach (var file in new[] { ScenarioReader.FactoriesFile, ScenarioReader.CapabilitiesFile, ScenarioReader.LanesFile, ScenarioReader.DemandsFile })
            Assert.False(first[file].AsSpan().SequenceEqual(second[file]), $"{file} is the same for seeds 1 and 2");
    }

    [Fact]
    public void OptionsAreConversionsAndExpansionsReadyOnDays2To8WithABudgetOfTheShareAsked()
    {
        var options = new GeneratorOptions { Factories = 200, Demands = 500, Skus = 20, Regions = 12, Days = 14, Options = 120, OptionBudgetShare = 0.25 };
        var scenario = ScenarioGenerator.Generate(options).Scenario;
        ScenarioWriter.Write(scenario, Path.Combine(_directory, "options"));
        var (read, errors) = ScenarioReader.Read(Path.Combine(_directory, "options"));

        Assert.Empty(errors);
        Assert.Equal(120, read!.Options.Count);
        Assert.Equal(scenario.Options, read.Options);
        Assert.Equal(Math.Round(0.25 * scenario.Options.Sum(o => o.FixedCost)), read.OptionBudget);
        var makes = scenario.Capabilities.Select(c => (c.FactoryId, c.Sku)).ToHashSet();
        var conversions = scenario.Options.Count(o => !makes.Contains((o.FactoryId, o.Sku)));
        Assert.InRange(conversions, 30, 90);
        Assert.All(scenario.Options, o =>
        {
            Assert.InRange(o.ReadyDate.DayNumber - options.StartDate.DayNumber, 2, 8);
            Assert.InRange(o.RampDays, 0, 3);
            Assert.True(o.FixedCost > 0 && o.UnitsPerDay > 0);
        });
        Assert.Equal(scenario.Options.Count, scenario.Options.Select(o => o.OptionId).Distinct().Count());
    }

    [Fact]
    public void WithoutOptionsNoOptionsFileIsWritten()
    {
        var scenario = ScenarioGenerator.Generate(new GeneratorOptions { Factories = 20, Demands = 50 }).Scenario;
        ScenarioWriter.Write(scenario, Path.Combine(_directory, "none"));

        Assert.False(File.Exists(Path.Combine(_directory, "none", ScenarioReader.OptionsFile)));
        Assert.DoesNotContain("option_budget", File.ReadAllText(Path.Combine(_directory, "none", ScenarioReader.ScenarioFile)));
    }

    [Fact]
    public void OutputIsPinnedSoThatEveryMachineAndRuntimeWritesTheSameBytes()
    {
        // Update this hash only when the generator is changed on purpose.
        var files = Files(new GeneratorOptions { Factories = 40, Demands = 200, Skus = 12, Regions = 15, Days = 10, Seed = 42 }, "pinned");

        var hash = Convert.ToHexString(SHA256.HashData(files.OrderBy(f => f.Key, StringComparer.Ordinal).SelectMany(f => f.Value).ToArray()));

        Assert.Equal(PinnedHash, hash);
    }

    private const string PinnedHash = "9B3D8B689C056D20B840342702027F9DEC2A22BCA57DF977553DA2AE7B883D12";

    [Fact]
    public void MoreDemandsLeaveTheFactoriesAndLanesUnchanged()
    {
        var small = Generate(Province);

        var large = Generate(new GeneratorOptions { Factories = 100, Demands = 2000 });

        Assert.Equal(small.Factories, large.Factories);
        Assert.Equal(small.Capabilities, large.Capabilities);
        Assert.Equal(small.Availability, large.Availability);
        Assert.Equal(small.Lanes, large.Lanes);
    }

    [Fact]
    public void CountsAndHorizonFollowTheOptions()
    {
        var options = new GeneratorOptions { Factories = 77, Demands = 333, Skus = 20, Regions = 12, Days = 21, StartDate = new DateOnly(2024, 12, 30) };

        var s = Generate(options);

        Assert.Equal(77, s.Factories.Count);
        Assert.Equal(333, s.Demands.Count);
        Assert.Equal(20, s.Products.Count);
        Assert.Equal(21, s.HorizonDays);
        Assert.Equal(new DateOnly(2024, 12, 30), s.StartDate);
        var regions = ScenarioReader.KnownRegions(s.Factories, s.Lanes);
        Assert.Equal(Enumerable.Range(1, 12).Select(i => $"R{i:00}"), regions.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(1, 1, 1, 1, 1)]
    [InlineData(5, 50, 30, 31, 14)]
    [InlineData(300, 3000, 45, 120, 30)]
    public void EveryFileFollowsTheModelRules(int factories, int demands, int skus, int regions, int days)
    {
        var options = new GeneratorOptions { Factories = factories, Demands = demands, Skus = skus, Regions = regions, Days = days };

        ScenarioWriter.Write(Generate(options), _directory);
        var (scenario, errors) = ScenarioReader.Read(_directory);

        Assert.Empty(errors.Select(e => e.ToString()));
        Assert.Equal(demands, scenario!.Demands.Count);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void DemandIsBetween80And130PercentOfCapacity(long seed)
    {
        var options = new GeneratorOptions { Factories = 100, Demands = 500, Seed = seed };

        var generated = ScenarioGenerator.Generate(options);

        var s = generated.Scenario;
        var ratio = s.Demands.Sum(d => d.Quantity) / Capacity(s);
        Assert.InRange(ratio, 0.8, 1.3);
        Assert.Equal(ratio, generated.Ratio, 1e-9);
        Assert.Equal(generated.TargetRatio, generated.Ratio, 1e-4);
    }

    [Fact]
    public void TargetRatiosSpreadOverTheRange()
    {
        var ratios = Enumerable.Range(1, 20).Select(seed => ScenarioGenerator.Generate(new GeneratorOptions { Factories = 20, Demands = 50, Seed = seed }).TargetRatio).ToList();

        Assert.Contains(ratios, r => r < 1.0);
        Assert.Contains(ratios, r => r > 1.1);
    }

    [Fact]
    public void SomeFactoriesCloseSomeRampUpAndSomeExpand()
    {
        var s = Generate(Province);

        var byFactory = s.Availability.GroupBy(a => a.FactoryId).ToList();
        var closed = byFactory.Count(g => g.Any(a => a.Factor == 0));
        var rampUp = byFactory.Count(g => g.Any(a => a.Factor == 0.3) && g.Any(a => a.Factor == 0.6));
        var expanded = byFactory.Count(g => g.Any(a => a.Factor > 1));
        Assert.InRange(closed, 5, 30);
        Assert.InRange(rampUp, 1, 15);
        Assert.InRange(expanded, 2, 20);
        Assert.All(s.Availability.Where(a => a.Factor > 1), a => Assert.InRange(a.Factor, 1.2, 2.0));
        Assert.All(s.Availability, a => Assert.InRange(a.Date, s.StartDate!.Value, s.StartDate!.Value.AddDays(s.HorizonDays - 1)));
    }

    [Fact]
    public void LanesConnectEveryRegionBothWaysButNotAllPairs()
    {
        var s = Generate(Province);

        var regions = ScenarioReader.KnownRegions(s.Factories, s.Lanes).Order(StringComparer.Ordinal).ToList();
        var forward = s.Lanes.ToLookup(l => l.FromRegion, l => l.ToRegion);
        var backward = s.Lanes.ToLookup(l => l.ToRegion, l => l.FromRegion);
        Assert.Equal(regions.Count, Reachable(regions[0], forward));
        Assert.Equal(regions.Count, Reachable(regions[0], backward));
        Assert.InRange(s.Lanes.Count, 6 * regions.Count, regions.Count * (regions.Count - 1) * 3 / 4);
        Assert.All(s.Lanes, l => Assert.NotEqual(l.FromRegion, l.ToRegion));
        Assert.All(s.Lanes, l => Assert.InRange(l.LeadDays, 1, 5));
    }

    private static int Reachable(string from, ILookup<string, string> next)
    {
        var seen = new HashSet<string> { from };
        var queue = new Queue<string>([from]);
        while (queue.TryDequeue(out var region))
        {
            foreach (var to in next[region])
            {
                if (seen.Add(to))
                    queue.Enqueue(to);
            }
        }
        return seen.Count;
    }

    [Fact]
    public void EachFactoryMakesOneToThreeRelatedSkusAndEverySkuIsMade()
    {
        var s = Generate(Province);

        var lines = s.Capabilities.GroupBy(c => c.FactoryId).ToList();
        Assert.Equal(s.Factories.Count, lines.Count);
        Assert.All(lines, g => Assert.InRange(g.Count(), 1, 3));
        Assert.All(lines, g => Assert.Single(g.Select(c => c.Sku.Split('-')[0]).Distinct()));
        Assert.Equal(s.Products.Select(p => p.Sku).Order(), s.Capabilities.Select(c => c.Sku).Distinct().Order());
        var perDay = s.Capabilities.GroupBy(c => c.Sku).Select(g => g.Max(c => c.UnitsPerDay) / g.Min(c => c.UnitsPerDay));
        Assert.Contains(perDay, spread => spread >= 5);
    }

    [Fact]
    public void EveryDemandedSkuIsMadeEvenWithFewFactories()
    {
        var s = Generate(new GeneratorOptions { Factories = 4, Demands = 200 });

        var made = s.Capabilities.Select(c => c.Sku).ToHashSet();
        Assert.All(s.Demands, d => Assert.Contains(d.Sku, made));
    }

    [Fact]
    public void PrioritiesAndDueDatesFollowTheMix()
    {
        var s = Generate(new GeneratorOptions { Factories = 200, Demands = 20_000 });

        var share = s.Demands.GroupBy(d => d.Priority).ToDictionary(g => g.Key, g => (double)g.Count() / s.Demands.Count);
        Assert.InRange(share[Priority.Critical], 0.12, 0.17);
        Assert.InRange(share[Priority.High], 0.26, 0.31);
        Assert.InRange(share[Priority.Normal], 0.31, 0.36);
        Assert.InRange(share[Priority.Low], 0.21, 0.27);
        var start = s.StartDate!.Value;
        var afterHorizon = s.Demands.Count(d => d.DueDate >= start.AddDays(s.HorizonDays));
        var firstDay = s.Demands.Count(d => d.DueDate == start);
        Assert.InRange(afterHorizon, 0.05 * s.Demands.Count, 0.09 * s.Demands.Count);
        Assert.InRange(firstDay, 0.01 * s.Demands.Count, 0.03 * s.Demands.Count);
        Assert.Equal(ScenarioReader.KnownRegions(s.Factories, s.Lanes).Count, s.Demands.Select(d => d.Region).Distinct().Count());
    }

    [Fact]
    public void FewDemandsHaveNoCapableFactoryWithALane()
    {
        var generated = ScenarioGenerator.Generate(new GeneratorOptions { Factories = 100, Demands = 5000 });

        Assert.InRange(generated.UnreachableDemands, 1, 5000 / 10);
    }

    [Fact]
    public void ContinentalSizeIsGeneratedInUnderTenSeconds()
    {
        var clock = Stopwatch.StartNew();

        var generated = ScenarioGenerator.Generate(new GeneratorOptions { Factories = 5000, Demands = 50_000 });

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        Assert.Equal(50_000, generated.Scenario.Demands.Count);
    }

    [Theory]
    [InlineData(0, 10, 30, 31, 14)]
    [InlineData(10, 0, 30, 31, 14)]
    [InlineData(10, 10, 0, 31, 14)]
    [InlineData(10, 10, 30, 1000, 14)]
    [InlineData(10, 10, 30, 31, 91)]
    public void OptionsOutOfRangeAreRefused(int factories, int demands, int skus, int regions, int days)
    {
        var options = new GeneratorOptions { Factories = factories, Demands = demands, Skus = skus, Regions = regions, Days = days };

        var refusal = Record.Exception(() => ScenarioGenerator.Generate(options));

        Assert.IsType<ArgumentException>(refusal);
        Assert.Single(options.Validate());
    }
}
