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
        var timeLimit = new Option<double>("--time-limit")
        {
            Description = $"Seconds the planner may take, at most {Rules.MaxTimeLimitSeconds} (default {Rules.DefaultTimeLimitSeconds}); when they run out, the plan of the last completed step is written.",
            HelpName = "S",
            DefaultValueFactory = _ => Rules.DefaultTimeLimitSeconds,
        };
        timeLimit.Validators.Add(r =>
        {
            if (Rules.CheckTimeLimitSeconds(r.GetValueOrDefault<double>()) is { } problem)
                r.AddError($"--time-limit {problem}.");
        });

        var command = new Command("solve", "Plan a scenario folder locally and write assignments.csv, outcomes.csv and summary.json.")
        {
            directory, output, planner, timeLimit,
        };
        host.SetAction(command, (context, cancellationToken) => Task.FromResult(Run(
            context.Console,
            context.Get(directory)!,
            context.Get(output)!,
            new PlannerOptions
            {
                Planner = context.Get(planner) == "greedy" ? PlannerKind.Greedy : PlannerKind.Lp,
                TimeLimit = TimeSpan.FromSeconds(context.Get(timeLimit)),
            },
            cancellationToken)));
        return command;
    }

    private static int Run(CliConsole console, string directory, string output, PlannerOptions options, CancellationToken cancellationToken)
    {
        var (scenario, errors) = ScenarioReader.Read(directory);
        if (scenario is null)
        {
            foreach (var error in errors)
                console.Error.WriteLine(error.ToString());
            return ExitCodes.InvalidInput;
        }
        if (scenario.StartDate is null)
        {
            console.Error.WriteLine($"{ScenarioReader.ScenarioFile}: start_date: is required to plan");
            return ExitCodes.InvalidInput;
        }

        var input = PlanningInput.From(scenario);
        var clock = Stopwatch.StartNew();
        var plan = Planner.Plan(input, options, new Progress<PlanProgress>(p =>
            console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {p.StepIndex + 1}/{p.StepCount} {p.Step.Name} at {p.Elapsed.TotalSeconds:0.00} s"))),
            cancellationToken);
        var elapsed = clock.Elapsed;
        PlanFiles.Write(output, plan.Assignments, plan.Outcomes, input.Materials.Count > 0 || input.Bom.Count > 0 ? plan.MaterialFlows : null);
        File.WriteAllText(Path.Combine(output, SummaryFile), Summary(plan, options, elapsed));

        PlanSummaryView.Write(console, input, plan);
        if (plan.Failure is { } failure)
            console.WriteLine($"the solver failed on step {failure.Step.Name} with status {failure.Status}; the plan holds the steps before it");
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{options.Planner} plan: {plan.Completion}, last step {plan.LastCompletedStep?.Name ?? "none (greedy fallback)"}, {plan.Assignments.Count:N0} assignments in {elapsed.TotalSeconds:0.00} s; written to {output}"));
        return ExitCodes.Ok;
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
            seconds = plan.Timings.FirstOrDefault(t => t.Step == v.Step)?.Elapsed.TotalSeconds,
        }),
    }, new JsonSerializerOptions { WriteIndented = true });
}
