using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EmergencyDispatch.Cli.Infrastructure;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Scenarios;

namespace EmergencyDispatch.Cli.Commands;

/// <summary><c>dispatchctl generate</c>: writes a deterministic synthetic scenario folder (no server needed).</summary>
public static class GenerateCommand
{
    public static Command Create(CliHost host)
    {
        var defaults = new GeneratorOptions();
        var factories = Count("--factories", "Number of factories.", GeneratorOptions.MaxFactories, required: true);
        var demands = Count("--demands", "Number of demand lines.", GeneratorOptions.MaxDemands, required: true);
        var skus = Count("--skus", "Number of products.", GeneratorOptions.MaxSkus, defaults.Skus);
        var regions = Count("--regions", "Number of regions (coded R01, R02, …).", GeneratorOptions.MaxRegions, defaults.Regions);
        var days = Count("--days", "The plan horizon in days.", GeneratorOptions.MaxDays, defaults.Days);
        var depots = Count("--depots", "Reserve depots (sites with no capabilities) holding stock.", GeneratorOptions.MaxDepots, 0, min: 0);
        var lots = Count("--lots", "Stock lots: the reserve at depots, donations and purchases arriving mid-horizon.", GeneratorOptions.MaxLots, 0, min: 0);
        var materials = Count("--materials", "Materials consumed by two thirds of the skus, supplied in a few regions and short in others.", GeneratorOptions.MaxMaterials, 0, min: 0);
        var optionCount = Count("--options", "Options: conversions and expansions of lines, ready on days 2–8, with fixed costs.", GeneratorOptions.MaxOptions, 0, min: 0);
        var budgetShare = new Option<double>("--option-budget-share")
        {
            Description = "The option budget as a share (0–1) of the options' fixed costs in all.",
            HelpName = "F",
            DefaultValueFactory = _ => defaults.OptionBudgetShare,
        };
        var seed = new Option<long>("--seed")
        {
            Description = "The seed: the same seed and sizes give the same files, byte for byte, on any machine.",
            HelpName = "N",
            DefaultValueFactory = _ => defaults.Seed,
        };
        var start = new Option<string>("--start")
        {
            Description = "The first day of the horizon, yyyy-MM-dd.",
            HelpName = "DATE",
            DefaultValueFactory = _ => IsoDate.Text(defaults.StartDate),
        };
        start.Validators.Add(result =>
        {
            if (Rules.CheckDate(result.GetValueOrDefault<string>(), out _) is { } problem)
                result.AddError($"--start {problem}.");
        });
        var output = new Option<string>("--out")
        {
            Description = "The folder to write the scenario into (created if missing; files of the same names are replaced).",
            HelpName = "DIR",
            Required = true,
        };

        var command = new Command("generate", "Write a synthetic scenario folder: factories, lanes, closures and demand at 80–130% of capacity.")
        {
            factories, demands, skus, regions, days, depots, lots, materials, optionCount, budgetShare, seed, start, output,
        };
        host.SetAction(command, (context, _) =>
        {
            Rules.CheckDate(context.Get(start), out var startDate);
            var options = new GeneratorOptions
            {
                Factories = context.Get(factories),
                Demands = context.Get(demands),
                Skus = context.Get(skus),
                Regions = context.Get(regions),
                Days = context.Get(days),
                Depots = context.Get(depots),
                Lots = context.Get(lots),
                Materials = context.Get(materials),
                Options = context.Get(optionCount),
                OptionBudgetShare = context.Get(budgetShare),
                Seed = context.Get(seed),
                StartDate = startDate,
            };
            return Task.FromResult(Run(context.Console, options, context.Get(output)!));
        });
        return command;
    }

    private static int Run(CliConsole console, GeneratorOptions options, string directory)
    {
        if (options.Validate() is { Count: > 0 } problems)
        {
            foreach (var problem in problems)
                console.Error.WriteLine($"error: {problem.Field}: {problem.Description}");
            return ExitCodes.InvalidInput;
        }

        var clock = Stopwatch.StartNew();
        var generated = ScenarioGenerator.Generate(options);
        var generatedIn = clock.Elapsed;
        ScenarioWriter.Write(generated.Scenario, directory);
        var writtenIn = clock.Elapsed - generatedIn;

        var s = generated.Scenario;
        console.Out.Write(Output.Table(["file", "rows"],
        [
            Row(ScenarioReader.ProductsFile, s.Products.Count),
            Row(ScenarioReader.FactoriesFile, s.Factories.Count),
            Row(ScenarioReader.CapabilitiesFile, s.Capabilities.Count),
            Row(ScenarioReader.AvailabilityFile, s.Availability.Count),
            Row(ScenarioReader.LanesFile, s.Lanes.Count),
            Row(ScenarioReader.DemandsFile, s.Demands.Count),
            .. s.StockLots.Count > 0 ? [Row(ScenarioReader.StockFile, s.StockLots.Count)] : Array.Empty<string[]>(),
            .. s.Materials.Count > 0
                ? [Row(ScenarioReader.MaterialsFile, s.Materials.Count), Row(ScenarioReader.BomFile, s.Bom.Count), Row(ScenarioReader.MaterialSupplyFile, s.MaterialSupply.Count)]
                : Array.Empty<string[]>(),
            .. s.Options.Count > 0 ? [Row(ScenarioReader.OptionsFile, s.Options.Count)] : Array.Empty<string[]>(),
        ]));
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"demand/capacity: {generated.Ratio:0.0000} ({generated.DemandUnits:N0} units demanded, {generated.Capacity:N0} units of capacity over {options.Days} days)"));
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{generated.UnreachableDemands:N0} demand line(s) have no capable factory with a lane to their region"));
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"written to {directory} (generated in {generatedIn.TotalSeconds:0.00} s, written in {writtenIn.TotalSeconds:0.00} s)"));
        return ExitCodes.Ok;
    }

    private static Option<int> Count(string name, string description, int max, int defaultValue = 0, bool required = false, int min = 1)
    {
        var option = new Option<int>(name)
        {
            Description = $"{description} {min} to {max.ToString("N0", CultureInfo.InvariantCulture)}.",
            HelpName = "N",
            Required = required,
        };
        if (!required)
            option.DefaultValueFactory = _ => defaultValue;
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value < min || value > max)
                result.AddError($"{name} must be from {min} to {max}, got {value}.");
        });
        return option;
    }

    private static string[] Row(string file, int rows) => [file, rows.ToString("N0", CultureInfo.InvariantCulture)];
}
