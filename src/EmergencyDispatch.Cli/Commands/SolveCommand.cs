using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EmergencyDispatch.Cli.Infrastructure;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Plans;
using EmergencyDispatch.Planning.Scenarios;

namespace EmergencyDispatch.Cli.Commands;

/// <summary><c>dispatchctl solve</c>: plans a scenario folder without any server and writes the plan's files.</summary>
public static class SolveCommand
{
    public const string SummaryFile = "summary.json";

    public static Command Create(CliHost host)
    {
        var directory = new Argument<string>("scenario-dir") { Description = "A scenario folder in the MODEL.md format, with scenario.json." };
        var output = new Option<string>("--out") { Description = "The folder for assignments.csv, outcomes.csv and summary.json.", HelpName = "DIR", Required = true };
        var planner = new Option<string>("--planner")
        {
            Description = "lp (the lexicographic LP of MODEL.md) or greedy (the baseline).",
            DefaultValueFactory = _ => "lp",
        };
        planner.AcceptOnlyFromAmong("lp", "greedy");
        var timeLimit = TimeLimitOption($"Seconds the planner may take, at most {Rules.MaxTimeLimitSeconds} (default {Rules.DefaultTimeLimitSeconds}); when they run out, the plan of the last completed step is written.");

        var budget = OptionsCommands.BudgetOption(
            "The most the plan may spend on the fixed costs of options (options.csv); default: scenario.json's option_budget, else 0.");

        var command = new Command("solve", "Plan a scenario folder locally and write assignments.csv, outcomes.csv, decisions.csv (with options), material_flows.csv (with materials) and summary.json.")
        {
            directory, output, planner, timeLimit, budget,
        };
        host.SetAction(command, (context, cancellationToken) => Task.FromResult(Run(
            context.Console,
            context.Get(directory)!,
            context.Get(output)!,
            OptionsCommands.Budget(context.Get(budget)),
            new PlannerOptions
            {
                Planner = context.Get(planner) == "greedy" ? PlannerKind.Greedy : PlannerKind.Lp,
                TimeLimit = TimeSpan.FromSeconds(context.Get(timeLimit)),
            },
            cancellationToken)));
        return command;
    }

    private static int Run(CliConsole console, string directory, string output, double? budget, PlannerOptions options, CancellationToken cancellationToken)
    {
        if (ReadPlannable(console, directory) is not { } scenario)
            return ExitCodes.InvalidInput;

        var input = PlanningInput.From(scenario) with { OptionBudget = budget ?? scenario.OptionBudget };
        var clock = Stopwatch.StartNew();
        var plan = Planner.Plan(input, options, new Progress<PlanProgress>(p =>
            console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {p.StepIndex + 1}/{p.StepCount} {p.Step.Name} at {p.Elapsed.TotalSeconds:0.00} s"))),
            cancellationToken);
        var elapsed = clock.Elapsed;
        PlanFiles.Write(output, plan.Assignments, plan.Outcomes, input.Materials.Count > 0 || input.Bom.Count > 0 ? plan.MaterialFlows : null,
            input.Options.Count > 0 ? plan.Decisions : null);
        File.WriteAllText(Path.Combine(output, SummaryFile), Summary(plan, options, elapsed));

        PlanSummaryView.Write(console, input, plan);
        if (plan.Failure is { } failure)
            console.WriteLine($"the solver failed on step {failure.Step.Name} with status {failure.Status}; the plan holds the steps before it");
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{options.Planner} plan: {plan.Completion}, last step {plan.LastCompletedStep?.Name ?? "none (greedy fallback)"}, {plan.Assignments.Count:N0} assignments in {elapsed.TotalSeconds:0.00} s; written to {output}"));
        return ExitCodes.Ok;
    }

    /// <summary>A local plan's <c>--time-limit</c> in seconds, checked as every path checks it (default 60).</summary>
    public static Option<double> TimeLimitOption(string description)
    {
        var timeLimit = new Option<double>("--time-limit")
        {
            Description = description,
            HelpName = "S",
            DefaultValueFactory = _ => Rules.DefaultTimeLimitSeconds,
        };
        timeLimit.Validators.Add(r =>
        {
            if (Rules.CheckTimeLimitSeconds(r.GetValueOrDefault<double>()) is { } problem)
                r.AddError($"--time-limit {problem}.");
        });
        return timeLimit;
    }

    /// <summary>A scenario folder that can be planned (checked, with a start date), or null after printing why not.</summary>
    public static Scenario? ReadPlannable(CliConsole console, string directory)
    {
        var (scenario, errors) = ScenarioReader.Read(directory);
        if (scenario is null)
        {
            foreach (var error in errors)
                console.Error.WriteLine(error.ToString());
            return null;
        }
        if (scenario.StartDate is null)
        {
            console.Error.WriteLine($"{ScenarioReader.ScenarioFile}: start_date: is required to plan");
            return null;
        }
        return scenario;
    }

    /// <summary>The plan's step values and timings as JSON, in step order.</summary>
    public static string Summary(PlanResult plan, PlannerOptions options, TimeSpan elapsed) => JsonSerializer.Serialize(new
    {
        planner = options.Planner.ToString().ToLowerInvariant(),
        completion = Codes.Completions.Code(plan.Completion),
        solver_failure = plan.Failure is { } failure ? new { step = failure.Step.Name, status = failure.Status } : null,
        last_completed_step = plan.LastCompletedStep?.Name,
        seconds = Math.Round(elapsed.TotalSeconds, 3),
        steps = plan.StepValues.Select(v => new
        {
            step = v.Step.Name,
            value = v.Value,
            lp_bound = plan.Bounds.FirstOrDefault(b => b.Step == v.Step)?.Value,
            seconds = plan.Timings.FirstOrDefault(t => t.Step == v.Step)?.Elapsed.TotalSeconds,
        }),
        options_taken = plan.Decisions.Where(d => d.Taken).Select(d => new { option = d.OptionId, units = d.Units }),
    }, new JsonSerializerOptions { WriteIndented = true });
}
