using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Cli.Infrastructure;
using Google.Protobuf.WellKnownTypes;

namespace EmergencyDispatch.Cli.Commands;

/// <summary><c>dispatchctl audit plans|inputs|explain|diff|replay|events|head|verify</c>: the auditor's read-only view.</summary>
public static class AuditCommands
{
    public const int DefaultLimit = 20;

    /// <summary>Most differing rows ReplayPlan lists (audit.proto).</summary>
    private const int MaxReplayDifferences = 100;

    /// <summary>The columns of <c>audit plans</c>; the last, the on-time share per priority, only when the table fits.</summary>
    private static readonly string[] PlanColumns =
    [
        "plan_id", "status", "created_at", "created_by", "start_date", "horizon_days", "planner", "completion",
        "assignments", "demands", "published_at", "on_time",
    ];

    public static Command Create(CliHost host) =>
        new("audit", "Audit stored plans (read-only): list them, show the inputs a plan was made from, compare two, replay one.")
        {
            Plans(host),
            Inputs(host),
            Explain(host),
            Diff(host),
            Replay(host),
            Events(host),
            Head(host),
            Verify(host),
        };

    private static Command Explain(CliHost host)
    {
        var demand = new Argument<string>("demand") { Description = "The demand: its demand_id, or its request_id." };
        var submitter = new Option<string>("--submitter") { Description = "The submitter, when several used the request_id.", HelpName = "NAME" };
        var command = new Command("explain", "Why a demand got what it got in every plan that included it, newest first.") { demand, submitter };
        host.SetAction(command, async (context, ct) =>
        {
            var given = context.Get(demand);
            var request = long.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out var demandId)
                ? new ExplainDemandRequest { DemandId = demandId }
                : new ExplainDemandRequest { RequestId = given, Submitter = context.Get(submitter) ?? "" };
            request.Page = new PageRequest { PageSize = 1000 };
            var response = await context.Audit.ExplainDemandAsync(request, cancellationToken: ct);
            if (context.Json)
            {
                Output.WriteJson(context.Console, response);
                return ExitCodes.Ok;
            }
            context.Console.WriteLine(
                $"demand {ProtoText.Number(response.DemandId)} ({response.RequestId} of {response.Submitter}), {ProtoText.Code(response.Priority)}, due {response.DueDate}: in {response.Plans.Count} plan(s)");
            foreach (var p in response.Plans)
            {
                var o = p.Outcome;
                context.Console.WriteLine(
                    $"plan {ProtoText.Number(p.PlanId)} ({ProtoText.Code(p.Status)}): {N(o.OnTime)} on time, {N(o.Late)} late, {N(o.Unmet)} unmet of {N(o.Quantity)}"
                    + (o.Reason == ShortfallReason.None ? "" : $"; {o.Reason}" + (o.BindingFactories.Count > 0 ? $" at {string.Join(", ", o.BindingFactories)}" : ""))
                    + (o.BindingMaterials.Count > 0 ? $" of {string.Join(", ", o.BindingMaterials)}" : ""));
                foreach (var c in p.Competitors.Take(10))
                {
                    context.Console.WriteLine(c.Materials.Count > 0
                        ? $"  {N(c.Units)} units made with {string.Join(", ", c.Materials)} went to {c.RequestId} ({ProtoText.Code(c.Priority)})"
                        : $"  {N(c.Units)} units went to {c.RequestId} ({ProtoText.Code(c.Priority)}) from {string.Join(", ", c.Factories)}");
                }
                var more = Math.Max(0, p.Competitors.Count - 10) + p.MoreCompetitors;
                if (more > 0)
                    context.Console.WriteLine($"  … and {more} more demands ({N(p.Competitors.Skip(10).Sum(c => c.Units) + p.MoreUnits)} units)");
                foreach (var n in p.Options)
                    context.Console.WriteLine($"  option {n.OptionId} at {n.FactoryId} could have made {N(n.OnTimeCapacity)} units on time ({N(n.Units)} to this demand): {n.Note}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Events(CliHost host)
    {
        var rpc = new Option<string>("--rpc") { Description = "Only this RPC, e.g. DemandService/SubmitDemands.", HelpName = "SERVICE/METHOD" };
        var actor = new Option<string>("--actor") { Description = "Only writes by this caller.", HelpName = "NAME" };
        var from = ProtoText.TimeOption("--from", "Only events at or after this time (ISO-8601, or a date meaning midnight UTC).");
        var to = ProtoText.TimeOption("--to", "Only events before this time.");
        var paging = new PagingOptions();
        var command = new Command("events", "The append-only log of every write the service accepted, oldest first.") { rpc, actor, from, to };
        paging.AddTo(command);
        host.SetAction(command, (context, ct) => new PagedList<ListEventsResponse, Event>
        {
            Fetch = async (page, token) => await context.Audit.ListEventsAsync(new ListEventsRequest
            {
                Page = page, Rpc = context.Get(rpc) ?? "", Actor = context.Get(actor) ?? "", From = context.Get(from), To = context.Get(to),
            }, cancellationToken: token),
            Items = r => r.Events,
            NextPageToken = r => r.NextPageToken,
            ClearNextPageToken = r => r.NextPageToken = "",
            Columns = ["event_id", "at", "actor", "rpc", "objects"],
            Row = e => [ProtoText.Number(e.EventId), ProtoText.Time(e.At), e.Actor, e.Rpc, e.Objects],
        }.RunAsync(context, paging, ct));
        return command;
    }

    private static Command Head(CliHost host)
    {
        var command = new Command("head", "The ledger's latest entry: keep it outside the database, give it to `audit verify --seq --hash` later.");
        host.SetAction(command, async (context, ct) =>
        {
            var head = await context.Audit.GetLedgerHeadAsync(new GetLedgerHeadRequest(), cancellationToken: ct);
            if (context.Json)
                Output.WriteJson(context.Console, head);
            else
                context.Console.WriteLine($"ledger head: entry {ProtoText.Number(head.Seq)}, hash {head.Hash}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Verify(CliHost host)
    {
        var seq = new Option<long?>("--seq") { Description = "The seq of a head kept earlier.", HelpName = "N" };
        var hash = new Option<string>("--hash") { Description = "The hash of that head.", HelpName = "HEX" };
        var command = new Command("verify", "Check that no stored plan or event was altered, and with --seq/--hash that the log extends a head kept earlier.")
        {
            seq, hash,
        };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(seq) is null) != (result.GetValue(hash) is null))
                result.AddError("--seq and --hash go together.");
        });
        host.SetAction(command, async (context, ct) =>
        {
            var request = new VerifyLedgerRequest();
            if (context.Get(seq) is { } n)
                request.Head = new LedgerHead { Seq = n, Hash = context.Get(hash)! };
            var response = await context.Audit.VerifyLedgerAsync(request, deadline: DateTime.UtcNow.AddMinutes(10), cancellationToken: ct);
            if (context.Json)
                Output.WriteJson(context.Console, response);
            else if (response.Ok)
                context.Console.WriteLine($"ledger ok: {N(response.Entries)} entries, head entry {ProtoText.Number(response.Head.Seq)} {response.Head.Hash}");
            else
                context.Console.WriteLine($"ledger NOT ok at entry {ProtoText.Number(response.FirstBadSeq)}: {response.Problem}");
            return response.Ok ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static Command Plans(CliHost host)
    {
        var from = ProtoText.TimeOption(
            "--from", "Only plans created at or after this time: ISO-8601 such as 2026-11-28T10:00:00Z, or a date yyyy-MM-dd (midnight UTC).");
        var to = ProtoText.TimeOption("--to", "Only plans created before this time (the same forms as --from).");
        var status = ProtoText.ChoicesOption("--status", "Only plans in this status (repeat for several).", ProtoText.PlanStatuses);
        var paging = new PagingOptions();
        paging.All.Description = "Fetch every page (the default; --all false for one page).";
        paging.All.DefaultValueFactory = _ => true;
        var command = new Command("plans", "List stored plans, newest first, every page unless --all false.") { from, to, status };
        paging.AddTo(command);
        command.Validators.Add(result =>
        {
            if (Given(result, from) is { } start && Given(result, to) is { } end && start.CompareTo(end) >= 0)
                result.AddError("--to must be later than --from.");
        });

        host.SetAction(command, (context, ct) => new PagedList<ListPlansResponse, PlanSummary>
        {
            Fetch = async (page, token) =>
            {
                var request = new ListPlansRequest { Page = page, CreatedFrom = context.Get(from), CreatedTo = context.Get(to) };
                request.Statuses.AddRange(context.Get(status) ?? []);
                return await context.Audit.ListPlansAsync(request, cancellationToken: token);
            },
            Items = r => r.Plans,
            NextPageToken = r => r.NextPageToken,
            ClearNextPageToken = r => r.NextPageToken = "",
            Columns = PlanColumns,
            Row = PlanRow,
            RequiredColumns = PlanColumns.Length - 1,
        }.RunAsync(context, paging, ct));
        return command;
    }

    private static Command Inputs(CliHost host)
    {
        var id = PlanArgument("The plan's id.");
        var output = new Option<string>("--out")
        {
            Description = "Write the inputs JSON to this file, byte for byte (UTF-8, no BOM, no newline added), instead of printing it.",
            HelpName = "FILE",
        };
        var command = new Command("inputs", "Show the exact inputs a plan was made from: its request, and the canonical inputs JSON and its SHA-256.")
        {
            id, output,
        };

        host.SetAction(command, async (context, ct) =>
        {
            var response = await context.Audit.GetPlanInputsAsync(new GetPlanInputsRequest { PlanId = context.Get(id) }, cancellationToken: ct);
            var planId = ProtoText.Number(response.PlanId);
            if (context.Get(output) is { } path)
            {
                await File.WriteAllBytesAsync(path, Encoding.UTF8.GetBytes(response.InputsJson), ct);
                var written = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path, ct)));
                if (written != response.InputsSha256)
                {
                    context.Console.Error.WriteLine(
                        $"error: the inputs written to {path} (sha256 {written}) do not match plan {planId}'s inputs_sha256 {response.InputsSha256}");
                    return ExitCodes.Failed;
                }
                if (!context.Json)
                {
                    context.Console.WriteLine($"plan {planId}: inputs written to {path} (sha256 {written})");
                    return ExitCodes.Ok;
                }
            }
            if (context.Json)
            {
                Output.WriteJson(context.Console, response);
                return ExitCodes.Ok;
            }
            context.Console.Out.Write(Output.Fields(
            [
                ("plan_id", planId),
                .. PlanCommands.RequestFields(response.Request),
                ("inputs sha256", response.InputsSha256),
            ]));
            context.Console.Text.WriteLine(response.InputsJson);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Diff(CliHost host)
    {
        var a = PlanArgument("The plan compared from.", "plan_a");
        var b = PlanArgument("The plan compared to.", "plan_b");
        var limit = new Option<int>("--limit")
        {
            Description = $"Rows per table, largest changes first (default {DefaultLimit}; 0 for every row).",
            HelpName = "N",
            DefaultValueFactory = _ => DefaultLimit,
        };
        limit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0)
                r.AddError("--limit must be 0 (every row) or more.");
        });
        var command = new Command("diff", "Compare two stored plans: units per factory and per demand, and how many were kept, moved, dropped or added.")
        {
            a, b, limit,
        };

        host.SetAction(command, async (context, ct) =>
        {
            var request = new DiffPlansRequest { PlanA = context.Get(a), PlanB = context.Get(b) };
            var response = await context.Audit.DiffPlansAsync(request, cancellationToken: ct);
            if (context.Json)
            {
                Output.WriteJson(context.Console, response);
                return ExitCodes.Ok;
            }
            var t = response.Totals;
            context.Console.WriteLine($"plan {ProtoText.Number(request.PlanA)} → plan {ProtoText.Number(request.PlanB)}: units {N(t.UnitsA)} → {N(t.UnitsB)}; "
                + $"kept {N(t.Kept)}, moved {N(t.Moved)}, dropped {N(t.Dropped)}, added {N(t.Added)}");
            var rows = context.Get(limit) is var n && n > 0 ? n : int.MaxValue;
            WriteLargest(context, "factories", ["factory_id", "units_a", "units_b", "kept", "added", "removed"],
                response.Factories.OrderByDescending(f => f.Added + f.Removed).ThenBy(f => f.FactoryId, StringComparer.Ordinal).ToList(),
                f => [f.FactoryId, ProtoText.Number(f.UnitsA), ProtoText.Number(f.UnitsB), ProtoText.Number(f.Kept), ProtoText.Number(f.Added), ProtoText.Number(f.Removed)],
                rows);
            WriteLargest(context, "demands", ["demand_id", "request_id", "units_a", "units_b", "kept", "moved", "dropped", "added"],
                response.Demands.OrderByDescending(d => d.Moved + d.Dropped + d.Added).ThenBy(d => d.DemandId).ToList(),
                d =>
                [
                    ProtoText.Number(d.DemandId), d.RequestId, ProtoText.Number(d.UnitsA), ProtoText.Number(d.UnitsB),
                    ProtoText.Number(d.Kept), ProtoText.Number(d.Moved), ProtoText.Number(d.Dropped), ProtoText.Number(d.Added),
                ],
                rows);
            // Where the units come from, and the materials, once either plan draws on stock or uses one.
            if (response.Sources.Any(s => s.Source != EmergencyDispatch.Planning.Plans.Sources.Capacity))
            {
                WriteLargest(context, "sources", ["source", "units_a", "units_b"], [.. response.Sources],
                    s => [s.Source, ProtoText.Number(s.UnitsA), ProtoText.Number(s.UnitsB)], rows);
            }
            if (response.Options.Count > 0)
            {
                WriteLargest(context, "options", ["option_id", "factory_id", "fixed_cost", "state_a", "state_b", "units_a", "units_b"], [.. response.Options],
                    o => [o.OptionId, o.FactoryId, ProtoText.Number(o.FixedCost), ProtoText.Code(o.StateA), ProtoText.Code(o.StateB), ProtoText.Number(o.UnitsA), ProtoText.Number(o.UnitsB)],
                    rows);
                context.Console.WriteLine($"options spent: {ProtoText.Number(response.OptionSpentA)} in plan a, {ProtoText.Number(response.OptionSpentB)} in plan b");
            }
            if (response.Materials.Count > 0)
            {
                WriteLargest(context, "materials", ["material_id", "used_a", "used_b", "moved_a", "moved_b", "lanes that differ"], [.. response.Materials],
                    m => [m.MaterialId, ProtoText.Number(m.UsedA), ProtoText.Number(m.UsedB), ProtoText.Number(m.MovedA), ProtoText.Number(m.MovedB), ProtoText.Number(m.Lanes.Count)],
                    rows);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Replay(CliHost host)
    {
        var id = PlanArgument("The plan to solve again.");
        var command = new Command(
            "replay", "Solve a stored plan again from its stored inputs and options and compare the assignments by hash (exit 1 when they differ).") { id };

        host.SetAction(command, async (context, ct) =>
        {
            var response = await context.Audit.ReplayPlanAsync(new ReplayPlanRequest { PlanId = context.Get(id) }, cancellationToken: ct);
            var exit = response.Identical ? ExitCodes.Ok : ExitCodes.Failed;
            if (context.Json)
            {
                Output.WriteJson(context.Console, response);
                return exit;
            }
            var plan = $"plan {ProtoText.Number(response.PlanId)}";
            var seconds = response.Seconds.ToString("0.00", CultureInfo.InvariantCulture);
            if (response.Identical)
            {
                context.Console.WriteLine($"{plan} replays identically (sha256 {response.StoredSha256}) in {seconds} s");
                return exit;
            }
            context.Console.WriteLine($"{plan} does NOT replay: stored {response.StoredSha256} replayed {response.ReplayedSha256} "
                + $"(the replay ended {ProtoText.Code(response.Completion)} in {seconds} s)");
            if (response.Completion == PlanCompletion.TimeLimit)
                context.Console.WriteLine("the replay ran out of its time limit: a plan stored at its time limit may not replay the same.");
            if (response.Differences.Count == 0)
            {
                context.Console.WriteLine("(no differing rows listed)");
                return exit;
            }
            context.Console.Out.Write(Output.Table(
                ["factory_id", "request_id", "production_date", "stored", "replayed"],
                response.Differences.Select(d => new[]
                {
                    d.FactoryId, d.RequestId, d.ProductionDate, ProtoText.Number(d.StoredQuantity), ProtoText.Number(d.ReplayedQuantity),
                })));
            var count = response.Differences.Count;
            context.Console.WriteLine(count < MaxReplayDifferences
                ? $"{ProtoText.Number(count)} differing row(s)."
                : $"the first {ProtoText.Number(count)} differing rows (the server lists at most {MaxReplayDifferences}; there may be more).");
            return exit;
        });
        return command;
    }

    /// <summary>The time given to a --from or --to option; null when none was or it does not parse (the option's own error says why).</summary>
    private static Timestamp? Given(CommandResult result, Option<Timestamp?> option) =>
        result.GetResult(option) is { Tokens: [var token] } && ProtoText.TryParseTime(token.Value, out var time) ? time : null;

    private static Argument<long> PlanArgument(string description, string name = "plan_id") => new(name) { Description = description };

    private static IReadOnlyList<string> PlanRow(PlanSummary p) =>
    [
        ProtoText.Number(p.PlanId),
        ProtoText.Code(p.Status),
        ProtoText.Time(p.CreatedAt),
        p.CreatedBy,
        p.Request?.StartDate ?? "",
        ProtoText.Number(p.Request?.HorizonDays ?? 0),
        ProtoText.Code(p.Request?.Planner ?? Planner.Lp),
        ProtoText.Code(p.Completion),
        ProtoText.Number(p.AssignmentCount),
        ProtoText.Number(p.DemandCount),
        ProtoText.Time(p.PublishedAt),
        OnTime(p),
    ];

    /// <summary>The on-time share of each priority's units, compactly: <c>C 100% H 99.6% N - L -</c> ("-" when a tier has no demand).</summary>
    private static string OnTime(PlanSummary plan) =>
        string.Join(' ', plan.Priorities.Select(p => $"{ProtoText.Code(p.Priority)[0]} {Share(p.OnTime, p.Quantity)}"));

    /// <summary>A share as a percentage rounded down to 0.1, so that 100% means every unit.</summary>
    private static string Share(long part, long whole) =>
        whole <= 0 ? "-" : (Math.Floor(1000.0 * part / whole) / 10).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    /// <summary>A labelled table of the first <paramref name="limit"/> rows, saying how many more there are; "(none)" when empty.</summary>
    private static void WriteLargest<T>(
        CommandContext context, string title, IReadOnlyList<string> columns, IReadOnlyList<T> items, Func<T, IReadOnlyList<string>> row, int limit)
    {
        if (items.Count == 0)
        {
            context.Console.WriteLine($"{title}: (none)");
            return;
        }
        context.Console.WriteLine($"{title}:");
        context.Console.Out.Write(Output.Table(columns, items.Take(limit).Select(row)));
        if (items.Count > limit)
            context.Console.WriteLine($"{ProtoText.Number(limit)} of {ProtoText.Number(items.Count)} {title} shown, largest changes first; every row with --limit 0.");
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
