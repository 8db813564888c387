using System.CommandLine;
using System.Globalization;
using EmergencyDispatch.Cli.Infrastructure;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Plans;
using EmergencyDispatch.Planning.Scenarios;

namespace EmergencyDispatch.Cli.Commands;

/// <summary><c>dispatchctl options frontier</c>: the budget sweep of a scenario folder, planned locally.</summary>
public static class OptionsCommands
{
    public static Command Create(CliHost host)
    {
        var directory = new Argument<string>("scenario-dir") { Description = "A scenario folder in the MODEL.md format, with options.csv and scenario.json." };
        var budgets = new Option<string>("--budgets")
        {
            Description = "The budgets to plan with, comma-separated (e.g. 0,1e6,5e6).",
            HelpName = "B,B,…",
            Required = true,
        };
        budgets.Validators.Add(r =>
        {
            if (ParseBudgets(r.GetValueOrDefault<string>() ?? "", out _) is { } problem)
                r.AddError($"--budgets {problem}.");
        });
        var timeLimit = SolveCommand.TimeLimitOption($"Seconds each plan may take, at most {Rules.MaxTimeLimitSeconds} (default {Rules.DefaultTimeLimitSeconds}).");
        var frontier = new Command("frontier", "Plan a scenario folder once per budget and print, per budget, the options taken and the service per priority.")
        {
            directory, budgets, timeLimit,
        };
        host.SetAction(frontier, (context, cancellationToken) =>
        {
            ParseBudgets(context.Get(budgets)!, out var values);
            return Task.FromResult(Run(context.Console, context.Get(directory)!, values,
                new PlannerOptions { TimeLimit = TimeSpan.FromSeconds(context.Get(timeLimit)) }, cancellationToken));
        });
        return new Command("options", "Capacity decisions: conversions and expansions of lines within a budget.") { frontier };
    }

    /// <summary>Budgets as the option writes them: numbers from 0 to 1e15, at most 20; the problem, or null.</summary>
    public static string? ParseBudgets(string text, out List<double> budgets)
    {
        budgets = [];
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length > MaxBudgets)
            return $"may list at most {MaxBudgets} budgets";
        foreach (var part in parts)
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var budget))
                return $"'{ErrorText.Quote(part)}' is not a number";
            if (Rules.CheckFixedCost(budget) is { } problem)
                return $"{part} {problem}";
            budgets.Add(budget);
        }
        return null;
    }

    public const int MaxBudgets = Rules.MaxSweepBudgets;

    private static int Run(CliConsole console, string directory, List<double> budgets, PlannerOptions options, CancellationToken cancellationToken)
    {
        if (SolveCommand.ReadPlannable(console, directory) is not { } scenario)
            return ExitCodes.InvalidInput;
        var points = OptionFrontier.Sweep(PlanningInput.From(scenario), budgets, options, cancellationToken);
        console.Out.Write(Output.Table(
            ["budget", "options", "spent", "priority", "fair share", "on time", "delivered"],
            points.SelectMany(p => p.Tiers.Select((t, i) => new[]
            {
                i == 0 ? Q(p.Budget) : "",
                i == 0 ? p.OptionsTaken.Count.ToString(CultureInfo.InvariantCulture) : "",
                i == 0 ? Q(p.Spent) : "",
                t.Priority.ToCode(),
                t.ServableDemands == 0 ? "-" : t.SmallestFillRatio.ToString("0.0000", CultureInfo.InvariantCulture),
                Q(t.OnTime),
                Q(t.OnTime + t.Late),
            }))));
        foreach (var p in points)
        {
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"budget {Q(p.Budget)}: {(p.OptionsTaken.Count == 0 ? "no option" : string.Join(", ", p.OptionsTaken))}{(p.Completion == PlanCompletion.Complete ? "" : $" ({Codes.Completions.Code(p.Completion)})")}"));
        }
        return ExitCodes.Ok;
    }

    private static string Q(double value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);
}
