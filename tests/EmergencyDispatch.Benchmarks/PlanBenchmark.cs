using System.Diagnostics;
using System.Globalization;
using EmergencyDispatch.Planning.Plans;
using EmergencyDispatch.Planning.Scenarios;

namespace EmergencyDispatch.Benchmarks;

/// <summary>
/// The planner on generated scenarios (14 days, 30 skus, 31 regions, seed 1): wall time per step, peak memory, and the
/// LP plan's quality against the greedy baseline. Each size runs in its own process so that peak memory is its own.
/// </summary>
public static class PlanBenchmark
{
    public static readonly IReadOnlyDictionary<string, (int Factories, int Demands)> Sizes = new Dictionary<string, (int, int)>
    {
        ["province"] = (100, 500),
        ["national"] = (1_000, 5_000),
        ["continental"] = (5_000, 50_000),
    };

    /// <summary>Runs every size in a child process, one after the other.</summary>
    public static async Task<int> RunAllAsync(double timeLimit, bool supply, int options)
    {
        foreach (var size in Sizes.Keys)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
            foreach (var a in new[] { "plan", "--size", size, "--time-limit", timeLimit.ToString(CultureInfo.InvariantCulture) }.Concat(supply ? ["--supply"] : []).Concat(["--options", options.ToString(CultureInfo.InvariantCulture)]))
                start.ArgumentList.Add(a);
            using var child = Process.Start(start)!;
            await child.WaitForExitAsync();
            if (child.ExitCode != 0)
                return child.ExitCode;
        }
        return 0;
    }

    /// <summary>
    /// One size; with <paramref name="supply"/>, plus what the supply issue measures: 10 depots, 100 stock lots and 3
    /// materials consumed by two thirds of the skus; with <paramref name="options"/>, that many options (conversions and
    /// expansions, ready on days 2–8, ramps of 0–3 days) and a budget of a third of their fixed costs.
    /// </summary>
    public static int Run(string size, double timeLimit, bool supply, int options = 0, bool coupled = false)
    {
        var (factories, demands) = Sizes[size];
        var generated = ScenarioGenerator.Generate(new GeneratorOptions
        {
            Factories = factories, Demands = demands, Skus = 30, Regions = 31, Days = 14, Seed = 1,
            Depots = supply ? 10 : 0, Lots = supply ? 100 : 0, Materials = supply ? 3 : 0, Options = options,
        });
        var input = PlanningInput.From(generated.Scenario);
        var extra = supply
            ? $"; {input.StockLots.Count} stock lots ({generated.Scenario.Factories.Count - factories} depots), {input.Materials.Count} materials consumed by {input.Bom.Select(b => b.Sku).Distinct().Count()} skus"
            : "";
        if (options > 0)
            extra += string.Create(CultureInfo.InvariantCulture, $"; {input.Options.Count} options, budget {input.OptionBudget:N0} of {input.Options.Sum(o => o.FixedCost):N0} in fixed costs");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{size}: {factories:N0} factories, {demands:N0} demands, 30 skus, 31 regions, 14 days, demand/capacity {generated.Ratio:0.000}{extra}"));

        var greedy = Timed(() => Planner.Plan(input, new PlannerOptions { Planner = PlannerKind.Greedy }));
        var planner = new PlannerOptions { TimeLimit = TimeSpan.FromSeconds(timeLimit), CoupledDemandsLimit = coupled ? int.MaxValue : new PlannerOptions().CoupledDemandsLimit };
        var lp = Timed(() => Planner.Plan(input, planner));
        var peak = Process.GetCurrentProcess().PeakWorkingSet64;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  greedy: {greedy.Seconds:0.000} s; lp: {lp.Seconds:0.000} s (first plan of the process), {lp.Plan.Completion}, last step {lp.Plan.LastCompletedStep?.Name ?? "none"}; peak working set {peak / 1e6:0} MB"));
        if (lp.Seconds < 60)
        {
            // A service plans many times: the same plan again, with the solver loaded and the code compiled; small plans
            // a few times, since one run on a shared 2-core machine varies by a tenth.
            var runs = lp.Seconds < 2 ? 5 : 1;
            var again = Enumerable.Range(0, runs).Select(_ => Timed(() => Planner.Plan(input, planner))).ToList();
            var seconds = again.Select(a => a.Seconds).Order().ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  lp again ({runs} run(s)): best {seconds[0]:0.000} s, median {seconds[seconds.Count / 2]:0.000} s; same assignments: {again.All(a => a.Plan.Assignments.SequenceEqual(lp.Plan.Assignments))}"));
        }
        if (lp.Plan.Size is { } model)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  lp model: {model.Parts} parts (largest {model.LargestPartDemands:N0} demands), {model.Columns:N0} columns, {model.Rows:N0} rows; materials {model.MaterialColumns:N0} columns, {model.MaterialRows:N0} rows; {lp.Plan.MaterialFlows.Count:N0} material flows"));
        }
        if (options > 0)
        {
            var taken = lp.Plan.Decisions.Where(d => d.Taken).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  options: {taken.Count} of {lp.Plan.Decisions.Count} taken, {taken.Sum(d => d.Units):N0} units on their lines, {lp.Plan.StepValues.Single(v => v.Step.Kind == StepKind.OptionCost).Value:N0} spent"));
            if (lp.Plan.Choice is { } choice)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  options chosen first: {choice.Kept} of {choice.Priced} priced options kept ({choice.KeptFixedCost:N0} in fixed costs) in {choice.Elapsed.TotalSeconds:0.00} s; the bounds below are the plan's with them"));
            }
            Console.WriteLine("  gap to the LP bound per step (plan value / bound): " + string.Join(", ", lp.Plan.StepValues.Zip(lp.Plan.Bounds).Select(p =>
                string.Create(CultureInfo.InvariantCulture, $"{p.First.Step.Name} {Gap(p.First.Value, p.Second.Value)}"))));
        }
        Console.WriteLine("  lp time per step: " + string.Join(", ", lp.Plan.Timings.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Step.Name} {t.Elapsed.TotalSeconds:0.00}"))));
        Console.WriteLine("  step values (lp / greedy):");
        foreach (var (l, g) in lp.Plan.StepValues.Zip(greedy.Plan.StepValues))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {l.Step.Name,-20} {l.Value,18:G8} {g.Value,18:G8}"));
        Console.WriteLine("  quality: " + Compare(lp.Plan.StepValues, greedy.Plan.StepValues));
        var problems = PlanEvaluator.Check(input, lp.Plan.Assignments, lp.Plan.MaterialFlows);
        Console.WriteLine($"  lp plan check: {(problems.Count == 0 ? "no problems" : string.Join("; ", problems.Take(5)))}");
        return problems.Count == 0 ? 0 : 1;
    }

    /// <summary>Where two plans first differ in the lexicographic order, and which is better there.</summary>
    public static string Compare(IReadOnlyList<StepValue> lp, IReadOnlyList<StepValue> greedy)
    {
        foreach (var (l, g) in lp.Zip(greedy))
        {
            if (Math.Abs(l.Value - g.Value) <= 1e-9 * Math.Max(1, Math.Abs(g.Value)))
                continue;
            var lpBetter = l.Step.Maximise ? l.Value > g.Value : l.Value < g.Value;
            return string.Create(CultureInfo.InvariantCulture,
                $"first difference at {l.Step.Name}: lp {l.Value:G8} vs greedy {g.Value:G8}, {(lpBetter ? "lp is better" : "GREEDY IS BETTER")}");
        }
        return "identical step values";
    }

    private static (PlanResult Plan, double Seconds) Timed(Func<PlanResult> plan)
    {
        var clock = Stopwatch.StartNew();
        var result = plan();
        return (result, clock.Elapsed.TotalSeconds);
    }

    /// <summary>How far a plan's value is from its LP bound, relative to the bound.</summary>
    private static string Gap(double value, double bound) =>
        string.Create(CultureInfo.InvariantCulture, $"{100 * Math.Abs(bound - value) / Math.Max(1e-9, Math.Abs(bound)):0.###}%");
}
