using System.CommandLine;
using System.Globalization;
using BudgetPoint = EmergencyDispatch.Api.V1.BudgetPoint;
using SweepOptionBudgetsRequest = EmergencyDispatch.Api.V1.SweepOptionBudgetsRequest;
using EmergencyDispatch.Cli.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Plans;
using EmergencyDispatch.Planning.Scenarios;

namespace EmergencyDispatch.Cli.Commands;

/// <summary><c>dispatchctl options frontier</c>: the budget sweep, of a scenario folder planned here or of the server's open demand.</summary>
public static class OptionsCommands
{
    public static Command Create(CliHost host)
    {
        var directory = new Argument<string?>("scenario-dir")
        {
            Description = "A scenario folder in the MODEL.md format, with options.csv and scenario.json, to plan here; without it the server plans its open demand.",
            Arity = ArgumentArity.ZeroOrOne,
        };
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
        var start = new Option<string>("--start") { Description = "With the server: day 0 of the plans, yyyy-MM-dd (default: today, UTC, by the server's clock).", HelpName = "DATE" };
        var horizon = new Option<int>("--horizon") { Description = $"With the server: days to plan, 1 to {Rules.MaxHorizonDays} (default {Rules.DefaultHorizonDays}).", HelpName = "N" };
        var frozenDays = new Option<int?>("--frozen-days") { Description = $"With the server: days whose accepted assignments are kept (default {Rules.DefaultFrozenDays}).", HelpName = "N" };
        var frontier = new Command("frontier",
            "Plan once per budget (a scenario folder here, or the server's open demand) and print, per budget, the options taken and the service per priority.")
        {
            directory, budgets, timeLimit, start, horizon, frozenDays,
        };
        host.SetAction(frontier, async (context, cancellationToken) =>
        {
            ParseBudgets(context.Get(budgets)!, out var values);
            if (context.Get(directory) is { } folder)
                return Run(context.Console, folder, values, new PlannerOptions { TimeLimit = TimeSpan.FromSeconds(context.Get(timeLimit)) }, cancellationToken);
            var request = new SweepOptionBudgetsRequest
            {
                StartDate = context.Get(start) ?? "",
                HorizonDays = context.Get(horizon),
                TimeLimit = Duration.FromTimeSpan(TimeSpan.FromSeconds(context.Get(timeLimit))),
                Budgets = { values },
            };
            if (context.Get(frozenDays) is { } days)
                request.FrozenDays = days;
            var response = await context.Planning.SweepOptionBudgetsAsync(request, cancellationToken: cancellationToken);
            if (context.Json)
            {
                Output.WriteJson(context.Console, response);
                return ExitCodes.Ok;
            }
            context.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{response.DemandCount:N0} open demands, {response.OptionCount:N0} options in the registry"));
            Print(context.Console, [.. response.Points.Select(ToDomain)]);
            return ExitCodes.Ok;
        });
        return new Command("options", "Capacity decisions: conversions and expansions of lines within a budget.") { frontier };
    }

    /// <summary>The <c>--option-budget</c> option of a plan request: one budget, 0 to 1e15.</summary>
    public static Option<string?> BudgetOption(string description)
    {
        var budget = new Option<string?>("--option-budget") { Description = description, HelpName = "B" };
        budget.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } text && ParseBudgets(text, out var values) is var problem
                && (problem is not null || values.Count != 1))
                r.AddError($"--option-budget {problem ?? "is one number"}.");
        });
        return budget;
    }

    /// <summary>The budget an <see cref="BudgetOption"/> gave, or null when it was not given.</summary>
    public static double? Budget(string? text) => text is not null && ParseBudgets(text, out var values) is null ? values[0] : null;

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
        Print(console, OptionFrontier.Sweep(PlanningInput.From(scenario), budgets, options, cancellationToken));
        return ExitCodes.Ok;
    }

    /// <summary>The sweep as a table (per budget and tier) and one line per budget naming the options it takes.</summary>
    private static void Print(CliConsole console, IReadOnlyList<FrontierPoint> points)
    {
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
    }

    /// <summary>A budget the server planned, as the sweep here reports one.</summary>
    private static FrontierPoint ToDomain(BudgetPoint p) => new(
        p.Budget,
        p.Completion switch
        {
            Api.V1.PlanCompletion.Complete => PlanCompletion.Complete,
            Api.V1.PlanCompletion.TimeLimit => PlanCompletion.TimeLimit,
            _ => PlanCompletion.SolverFailed,
        },
        p.Spent,
        [.. p.OptionsTaken],
        [.. p.Priorities.Select(t => new TierMetrics((Priority)(int)t.Priority, t.Demands, t.ServableDemands, t.Quantity, t.OnTime, t.Late, t.Unmet, t.SmallestFillRatio))],
        []);

    private static string Q(double value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);
}
