using System.CommandLine;
using System.Globalization;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Cli.Infrastructure;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Plans;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Spectre.Console;
using ApiPlanner = EmergencyDispatch.Api.V1.Planner;
using DomainAssignment = EmergencyDispatch.Planning.Plans.Assignment;

namespace EmergencyDispatch.Cli.Commands;

/// <summary><c>dispatchctl plan create|show|export|publish</c>: plans on the server.</summary>
public static class PlanCommands
{
    public static Command Create(CliHost host) => new("plan", "Create, show, export and publish plans of all open demand.")
    {
        CreatePlan(host),
        Show(host),
        Export(host),
        Publish(host),
    };

    private static Command CreatePlan(CliHost host)
    {
        var start = new Option<string>("--start") { Description = "Day 0 of the plan, yyyy-MM-dd (default: today, UTC, by the server's clock).", HelpName = "DATE" };
        var horizon = new Option<int>("--horizon") { Description = $"Days to plan, 1 to {Rules.MaxHorizonDays} (default {Rules.DefaultHorizonDays}).", HelpName = "N" };
        horizon.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is var days and not 0 && Rules.CheckHorizonDays(days) is { } problem)
                r.AddError($"--horizon {problem}.");
        });
        var planner = new Option<string>("--planner")
        {
            Description = "lp (the lexicographic LP of MODEL.md) or greedy (the baseline).",
            DefaultValueFactory = _ => "lp",
        };
        planner.AcceptOnlyFromAmong("lp", "greedy");
        var timeLimit = new Option<double?>("--time-limit")
        {
            Description = $"Seconds the solve may take, at most {Rules.MaxTimeLimitSeconds} (default: the server's, {Rules.DefaultTimeLimitSeconds}); when they run out the plan of the last completed step is stored.",
            HelpName = "S",
        };
        timeLimit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double?>() is { } value && Rules.CheckTimeLimitSeconds(value) is { } problem)
                r.AddError($"--time-limit {problem}.");
        });
        var frozenDays = new Option<int?>("--frozen-days")
        {
            Description = $"Days from the start whose accepted assignments are kept unchanged, 0 to the horizon (default {Rules.DefaultFrozenDays}).",
            HelpName = "N",
        };

        var budget = OptionsCommands.BudgetOption("The most the plan may spend on the fixed costs of the registry's options (default 0: none but those their factories accepted).");
        var publish = new Option<bool>("--publish")
        {
            Description = "Publish the plan as soon as it is stored, so its assignments reach the factories (if publishing is refused it stays a DRAFT).",
        };
        var command = new Command(
            "create", "Plan all open demand against the registry, show progress, then the plan's summary (the plan is stored as a DRAFT unless --publish).")
        {
            start, horizon, planner, timeLimit, frozenDays, budget, publish,
        };
        command.Validators.Add(r =>
        {
            var days = r.GetValue(horizon) is var h and not 0 ? h : Rules.DefaultHorizonDays;
            if (r.GetValue(frozenDays) is { } frozen && Rules.CheckFrozenDays(frozen, days) is { } problem)
                r.AddError($"--frozen-days {problem.Replace("horizon_days", "--horizon", StringComparison.Ordinal)}.");
        });

        host.SetAction(command, async (context, ct) =>
        {
            var request = new CreatePlanRequest
            {
                StartDate = context.Get(start) ?? "",
                HorizonDays = context.Get(horizon),
                Planner = context.Get(planner) == "greedy" ? ApiPlanner.Greedy : ApiPlanner.Lp,
                Publish = context.Get(publish),
            };
            if (context.Get(timeLimit) is { } seconds)
                request.TimeLimit = Duration.FromTimeSpan(TimeSpan.FromSeconds(seconds));
            if (context.Get(frozenDays) is { } days)
                request.FrozenDays = days;
            if (OptionsCommands.Budget(context.Get(budget)) is { } optionBudget)
                request.OptionBudget = optionBudget;
            using var call = context.Planning.CreatePlan(request, cancellationToken: ct);
            var summary = await WithProgressAsync(context, call.ResponseStream, ct);
            WriteSummary(context, summary);
            await WarnIfAllOverdueAsync(context, summary, ct);
            // A refused --publish fails the call after the plan: the summary above shows the stored draft, the error why.
            await ReadToEndAsync(call.ResponseStream, ct);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Warns (on stderr) when nothing of the plan is on time because every open demand was due before its start: a
    /// --start left out (today) or mistyped, not a shortage.
    /// </summary>
    private static async Task WarnIfAllOverdueAsync(CommandContext context, PlanSummary summary, CancellationToken ct)
    {
        if (summary.Priorities.Sum(p => p.Quantity) == 0 || summary.Priorities.Sum(p => p.OnTime) > 0)
            return;
        var open = await DemandsAsync(context, new ListDemandsRequest { Statuses = { DemandStatus.Open, DemandStatus.PartiallyFulfilled } }, ct);
        var latest = open.Select(d => d.Line.DueDate).DefaultIfEmpty("").Max(StringComparer.Ordinal)!;
        var start = summary.Request.StartDate;
        if (latest.Length > 0 && string.CompareOrdinal(latest, start) < 0)
            context.Console.Error.WriteLine($"warning: every open demand is due before the plan's start {start} (the latest on {latest}), so none of it can be on time; plan from an earlier --start?");
    }

    private static Command Show(CliHost host)
    {
        var id = new Argument<long>("plan_id") { Description = "The plan's id." };
        var region = RegionOption();
        var command = new Command("show", "Show a stored plan's summary: request, steps, each priority, the largest shortfalls and, with materials, each material's supply, use and transfers.") { id, region };
        host.SetAction(command, async (context, ct) =>
        {
            if (context.Get(region) is { } only)
                return await ShowRegionAsync(context, context.Get(id), only, ct);
            var response = await context.Planning.GetPlanAsync(new GetPlanRequest { PlanId = context.Get(id), View = PlanView.Summary }, cancellationToken: ct);
            WriteSummary(context, response.Summary);
            if (!context.Json && response.Summary.Materials.Count > 0)
            {
                // The transfers: material moved per lane over the horizon.
                var (_, flows) = await ReadAllAsync(context.Planning, context.Get(id), PlanView.MaterialFlows, r => r.MaterialFlows.Select(ToDomain), ct);
                var lanes = flows.GroupBy(f => (f.MaterialId, f.FromRegion, f.ToRegion))
                    .Select(g => new[] { g.Key.MaterialId, g.Key.FromRegion, g.Key.ToRegion, g.Count().ToString(CultureInfo.InvariantCulture), g.Sum(f => f.Quantity).ToString("#,0.###", CultureInfo.InvariantCulture) })
                    .ToList();
                if (lanes.Count > 0)
                    context.Console.Out.Write(Output.Table(["material", "from", "to", "moves", "quantity"], lanes));
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Export(CliHost host)
    {
        var id = new Argument<long>("plan_id") { Description = "The plan's id." };
        var output = new Option<string>("--out") { Description = "The folder for assignments.csv and outcomes.csv.", HelpName = "DIR", Required = true };
        var region = RegionOption();
        var command = new Command("export", "Write a stored plan's assignments.csv and outcomes.csv (MODEL.md format) and check them against its hash.") { id, output, region };
        host.SetAction(command, async (context, ct) =>
        {
            var planId = context.Get(id);
            var directory = context.Get(output)!;
            var client = context.Planning;
            var (summary, planned) = await ReadAllAsync(client, planId, PlanView.Assignments, r => r.Assignments, ct);
            var (_, stored) = await ReadAllAsync(client, planId, PlanView.Outcomes, r => r.Outcomes, ct);
            var assignments = planned.Select(ToDomain).ToList();
            var outcomes = stored.Select(PlanSummaryView.ToDomain).ToList();
            // A plan made with materials exports its flows too (MODEL.md: material_flows.csv when the scenario has materials).
            var flows = summary.Materials.Count > 0
                ? (await ReadAllAsync(client, planId, PlanView.MaterialFlows, r => r.MaterialFlows.Select(ToDomain), ct)).Item2
                : null;

            if (context.Get(region) is { } only)
            {
                // A province's part: the rows of the demands destined to it; the hash is the whole plan's, so not checked.
                var ids = (await RegionDemandsAsync(context, only, ct)).Select(d => d.DemandId).ToHashSet();
                var mine = planned.Where(a => ids.Contains(a.DemandId)).Select(ToDomain).ToList();
                var theirs = stored.Where(o => ids.Contains(o.DemandId)).Select(PlanSummaryView.ToDomain).ToList();
                PlanFiles.Write(directory, mine, theirs, null);
                context.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"plan {planId}, region {only}: {mine.Count:N0} of {assignments.Count:N0} assignments and {theirs.Count:N0} outcomes written to {directory} (the demands destined to {only}; material flows are the whole plan's, left out)"));
                return ExitCodes.Ok;
            }

            PlanFiles.Write(directory, assignments, outcomes, flows);
            // The file read back, so that what is on disk is what is checked.
            var (back, _) = PlanFiles.ReadAssignments(Path.Combine(directory, PlanFiles.AssignmentsFile));
            var written = PlanFiles.AssignmentsSha256(back ?? []);
            if (written != summary.AssignmentsSha256 || assignments.Count != summary.AssignmentCount)
            {
                context.Console.Error.WriteLine(
                    $"error: the exported {PlanFiles.AssignmentsFile} ({assignments.Count} rows, sha256 {written}) does not match plan {planId} "
                    + $"({summary.AssignmentCount} rows, sha256 {summary.AssignmentsSha256}); the plan may have been read while the server changed");
                return ExitCodes.Failed;
            }
            context.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"plan {planId}: {assignments.Count:N0} assignments and {outcomes.Count:N0} outcomes written to {directory} ({PlanFiles.AssignmentsFile} sha256 {written})"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Option<string> RegionOption() => new("--region")
    {
        Description = "Only the demands destined to this region: a province's view of the plan.",
        HelpName = "REGION",
    };

    /// <summary>Every demand the filters of <paramref name="request"/> select, all pages.</summary>
    private static Task<List<Demand>> DemandsAsync(CommandContext context, ListDemandsRequest request, CancellationToken ct) =>
        Pages.AllAsync<Demand>(async token =>
        {
            var page = await context.Demands.ListDemandsAsync(new ListDemandsRequest(request) { Page = Pages.Largest(token) }, cancellationToken: ct);
            return (page.Demands, page.NextPageToken);
        });

    /// <summary>Every demand destined to a region, of any status (a stored plan may hold cancelled ones).</summary>
    private static Task<List<Demand>> RegionDemandsAsync(CommandContext context, string region, CancellationToken ct) =>
        DemandsAsync(context, new ListDemandsRequest { Region = region }, ct);

    /// <summary>
    /// A plan as one region sees it: its demands' units per priority (the smallest fill ratio over those the plan could
    /// serve, that is, not short for want of a capable factory or an on-time route) and their largest shortfalls.
    /// </summary>
    private static async Task<int> ShowRegionAsync(CommandContext context, long planId, string region, CancellationToken ct)
    {
        var ids = (await RegionDemandsAsync(context, region, ct)).Select(d => d.DemandId).ToHashSet();
        var (summary, outcomes) = await ReadAllAsync(context.Planning, planId, PlanView.Outcomes, r => r.Outcomes, ct);
        var mine = outcomes.Where(o => ids.Contains(o.DemandId)).ToList();
        if (context.Json)
        {
            Output.WriteJson(context.Console, new GetPlanResponse { Summary = summary, Outcomes = { mine } });
            return ExitCodes.Ok;
        }
        context.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"plan {planId} ({ProtoText.Code(summary.Status)}, {summary.Request.StartDate} + {summary.Request.HorizonDays} days), region {region}: {mine.Count:N0} of its {outcomes.Count:N0} demands"));
        static bool Servable(Api.V1.Outcome o) => o.Reason is not (Api.V1.ShortfallReason.NoCapableFactory or Api.V1.ShortfallReason.NoOnTimeRoute);
        var tiers = mine.GroupBy(o => o.Priority).OrderBy(g => g.Key)
            .Select(g => new PlanSummaryView.Tier(ProtoText.Code(g.Key), g.Sum(o => o.Quantity), g.Sum(o => o.OnTime), g.Sum(o => o.Late), g.Sum(o => o.Unmet),
                g.Count(Servable), g.Where(Servable).Select(o => o.Quantity == 0 ? 1.0 : (double)o.OnTime / o.Quantity).DefaultIfEmpty(1.0).Min()))
            .ToList();
        var largest = mine.Where(o => o.Late + o.Unmet > 0).OrderByDescending(o => o.Unmet).ThenByDescending(o => o.Late).ThenBy(o => o.DemandId).Take(10)
            .Select(o => new PlanSummaryView.Shortfall(o.RequestId, ProtoText.Code(o.Priority), o.Quantity, o.Late, o.Unmet, PlanSummaryView.ToDomain(o).ReasonText))
            .ToList();
        PlanSummaryView.Write(context.Console, tiers, largest);
        return ExitCodes.Ok;
    }

    private static Command Publish(CliHost host)
    {
        var id = new Argument<long>("plan_id") { Description = "The draft to publish." };
        var command = new Command("publish", "Make a draft the active plan: its assignments reach the factories and the active plan is superseded.") { id };
        host.SetAction(command, async (context, ct) =>
        {
            var summary = await context.Planning.PublishPlanAsync(new PublishPlanRequest { PlanId = context.Get(id) }, cancellationToken: ct);
            if (context.Json)
                Output.WriteJson(context.Console, summary);
            else
                context.Console.WriteLine($"plan {ProtoText.Number(summary.PlanId)}: {ProtoText.Code(summary.Status)}, published {Published(summary)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Pages through one view of a plan; returns the summary of the first page and every item.</summary>
    private static async Task<(PlanSummary Summary, List<T> Items)> ReadAllAsync<T>(
        PlanningService.PlanningServiceClient client, long planId, PlanView view, Func<GetPlanResponse, IEnumerable<T>> items, CancellationToken ct)
    {
        PlanSummary? summary = null;
        var all = await Pages.AllAsync(async token =>
        {
            var page = Pages.Largest(token);
            var response = await client.GetPlanAsync(new GetPlanRequest { PlanId = planId, View = view, Page = page }, cancellationToken: ct);
            summary ??= response.Summary;
            return (items(response), response.NextPageToken);
        });
        return (summary!, all);
    }

    /// <summary>Reads the CreatePlan stream to its plan: a progress bar on a terminal, else one line per step on stderr.</summary>
    private static async Task<PlanSummary> WithProgressAsync(CommandContext context, IAsyncStreamReader<CreatePlanProgress> stream, CancellationToken ct)
    {
        var console = context.Console;
        if (context.Json || !console.Out.Profile.Capabilities.Interactive)
            return await ReadAsync(stream, m => console.Error.WriteLine(Line(m)), ct);

        PlanSummary? summary = null;
        await console.Out.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask("waiting for the planner", maxValue: Step.All.Count);
                summary = await ReadAsync(stream, m =>
                {
                    task.Description = Markup.Escape(Line(m));
                    if (m.EventCase == CreatePlanProgress.EventOneofCase.Step)
                    {
                        task.MaxValue = m.Step.StepCount;
                        task.Value = m.Step.StepIndex;
                    }
                }, ct);
                task.Description = "planned";
                task.Value = task.MaxValue;
                task.StopTask();
            });
        return summary!;
    }

    private static async Task<PlanSummary> ReadAsync(IAsyncStreamReader<CreatePlanProgress> stream, Action<CreatePlanProgress> onProgress, CancellationToken ct)
    {
        while (await stream.MoveNext(ct))
        {
            var message = stream.Current;
            if (message.EventCase == CreatePlanProgress.EventOneofCase.Plan)
                return message.Plan;
            onProgress(message);
        }
        throw new CliException("the server ended the plan stream without a plan");
    }

    /// <summary>Reads what follows the plan; the server ends the stream with an error when a requested publish was refused.</summary>
    private static async Task ReadToEndAsync(IAsyncStreamReader<CreatePlanProgress> stream, CancellationToken ct)
    {
        while (await stream.MoveNext(ct))
        {
            // Nothing follows the plan but the call's status.
        }
    }

    private static string Line(CreatePlanProgress m) => m.EventCase switch
    {
        CreatePlanProgress.EventOneofCase.Queued => m.Queued.Ahead == 0 ? "planning" : $"queued behind {m.Queued.Ahead} plan request(s)",
        CreatePlanProgress.EventOneofCase.Step => string.Create(CultureInfo.InvariantCulture,
            $"step {m.Step.StepIndex + 1}/{m.Step.StepCount} {m.Step.Step} at {m.Step.Elapsed.ToTimeSpan().TotalSeconds:0.00} s"),
        _ => m.EventCase.ToString(),
    };

    /// <summary>The summary as JSON, or as a table of its fields and the per-priority and shortfall tables.</summary>
    private static void WriteSummary(CommandContext context, PlanSummary summary)
    {
        if (context.Json)
        {
            Output.WriteJson(context.Console, summary);
            return;
        }
        context.Console.Out.Write(Output.Fields(
        [
            ("plan_id", ProtoText.Number(summary.PlanId)),
            ("status", ProtoText.Code(summary.Status)),
            ("created", $"{ProtoText.Time(summary.CreatedAt)} by {summary.CreatedBy}"),
            ("published", summary.PublishedAt is null ? "no" : Published(summary)),
            .. RequestFields(summary.Request),
            ("completion", ProtoText.Code(summary.Completion)),
            ("last completed step", summary.LastCompletedStep.Length > 0 ? summary.LastCompletedStep : "none"),
            ("assignments", summary.AssignmentCount.ToString("N0", CultureInfo.InvariantCulture)),
            ("demands", summary.DemandCount.ToString("N0", CultureInfo.InvariantCulture)),
            ("assignments sha256", summary.AssignmentsSha256),
        ]));
        PlanSummaryView.Write(context.Console, summary);
    }

    /// <summary>A plan request as summary fields: start and horizon, frozen days, planner and time limit.</summary>
    internal static IEnumerable<(string Name, string Value)> RequestFields(CreatePlanRequest request) =>
    [
        ("start, horizon", $"{request.StartDate}, {request.HorizonDays} days"),
        ("frozen days", ProtoText.Number(request.FrozenDays)),
        ("planner", ProtoText.Code(request.Planner)),
        ("time limit", string.Create(CultureInfo.InvariantCulture, $"{request.TimeLimit?.ToTimeSpan().TotalSeconds ?? 0:0.###} s")),
    ];

    private static string Published(PlanSummary summary) => $"{ProtoText.Time(summary.PublishedAt)} by {summary.PublishedBy}";

    private static DomainAssignment ToDomain(Api.V1.Assignment a) =>
        new(a.FactoryId, a.RequestId, a.Sku, Date(a.ProductionDate), Date(a.ArrivalDate), a.Quantity,
            a.Source.Length == 0 ? EmergencyDispatch.Planning.Plans.Sources.Capacity : a.Source);

    private static EmergencyDispatch.Planning.Plans.MaterialFlow ToDomain(Api.V1.MaterialFlow f) =>
        new(f.MaterialId, f.FromRegion, f.ToRegion, Date(f.ShipDate), Date(f.ArrivalDate), f.Quantity);

    private static DateOnly Date(string text) => EmergencyDispatch.Planning.Model.IsoDate.Parse(text);
}
