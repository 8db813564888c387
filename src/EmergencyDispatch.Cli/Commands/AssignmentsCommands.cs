using System.CommandLine;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Cli.Infrastructure;
using EmergencyDispatch.Planning.Model;
using Grpc.Core;

namespace EmergencyDispatch.Cli.Commands;

/// <summary>
/// <c>dispatchctl assignments list|watch|accept|reject|report|rejections|clear-rejection|accept-option|reject-option|option-rejections|clear-option-rejection</c>:
/// the factory loop of the active plan.
/// </summary>
public static class AssignmentsCommands
{
    private static readonly string[] Columns =
        ["id", "plan_id", "demand_id", "request_id", "sku", "production_date", "arrival_date", "quantity", "produced", "status", "reason"];

    public static Command Create(CliHost host) =>
        new("assignments", "A factory's work from the published plan: list, watch, accept, reject, report; coordinators clear rejections.")
        {
            List(host),
            Watch(host),
            Accept(host),
            Reject(host),
            Report(host),
            Rejections(host),
            ClearRejection(host),
            AcceptOption(host),
            RejectOption(host),
            OptionRejections(host),
            ClearOptionRejection(host),
        };

    /// <summary>The <c>--factory</c> option naming whose assignments (or capacity) a command is about.</summary>
    internal static Option<string> FactoryOption(string description = "The factory whose assignments these are.", bool required = true) =>
        new("--factory") { Description = description, HelpName = "FACTORY_ID", Required = required };

    private static Command List(CliHost host)
    {
        var factory = FactoryOption("The factory whose assignments these are (or --region).", required: false);
        var region = new Option<string>("--region") { Description = "Every factory of this region instead of one: a province's work.", HelpName = "REGION" };
        var from = new Option<string>("--from") { Description = "Only assignments produced on or after this date (yyyy-MM-dd).", HelpName = "DATE" };
        var to = new Option<string>("--to") { Description = "Only assignments produced on or before this date (yyyy-MM-dd).", HelpName = "DATE" };
        var withdrawn = new Option<bool>("--include-withdrawn") { Description = "Also list assignments a later plan withdrew." };
        var paging = new PagingOptions();
        paging.All.Description = "Fetch every page (the default; --all false for one page).";
        paging.All.DefaultValueFactory = _ => true;
        var command = new Command("list", "List a factory's assignments by production date, every page unless --all false.") { factory, region, from, to, withdrawn };
        paging.AddTo(command);
        command.Validators.Add(r =>
        {
            if ((r.GetValue(factory) is null) == (r.GetValue(region) is null))
                r.AddError("Name the factory (--factory) or the region (--region), one of them.");
        });

        host.SetAction(command, (context, ct) => new PagedList<ListAssignmentsResponse, WorkAssignment>
        {
            Fetch = async (page, token) =>
            {
                ListAssignmentsRequest Request(string factoryId, PageRequest p) => new()
                {
                    Page = p,
                    FactoryId = factoryId,
                    FromDate = context.Get(from) ?? "",
                    ToDate = context.Get(to) ?? "",
                    IncludeWithdrawn = context.Get(withdrawn),
                };
                if (context.Get(region) is not { } only)
                    return await context.Assignments.ListAssignmentsAsync(Request(context.Get(factory)!, page), cancellationToken: token);
                // A region: each of its factories' assignments, every page, in factory order, as one reply.
                var all = new ListAssignmentsResponse();
                var factories = await Pages.AllAsync(async next =>
                {
                    var listed = await context.Registry.ListFactoriesAsync(new ListFactoriesRequest { Region = only, Page = Pages.Largest(next) }, cancellationToken: token);
                    return (listed.Factories.Select(f => f.FactoryId), listed.NextPageToken);
                });
                foreach (var factoryId in factories)
                {
                    var orders = new List<OptionOrder>();
                    all.Assignments.AddRange(await Pages.AllAsync<WorkAssignment>(async next =>
                    {
                        var listed = await context.Assignments.ListAssignmentsAsync(Request(factoryId, Pages.Largest(next)), cancellationToken: token);
                        orders.AddRange(listed.OptionOrders);
                        return (listed.Assignments, listed.NextPageToken);
                    }));
                    all.OptionOrders.AddRange(orders);
                }
                return all;
            },
            Items = r => r.Assignments,
            NextPageToken = r => r.NextPageToken,
            ClearNextPageToken = r => r.NextPageToken = "",
            // A region's list names each row's factory.
            Columns = context.Get(region) is null ? Columns : ["factory", .. Columns],
            Row = context.Get(region) is null ? Row : a => [a.FactoryId, .. Row(a)],
            Footer = (c, r) =>
            {
                if (r.OptionOrders.Count == 0)
                    return;
                c.Console.WriteLine("option orders:");
                c.Console.Out.Write(Output.Table(
                    ["order_id", "plan_id", "option_id", "sku", "units", "first_date", "fixed_cost", "status", "reason"],
                    r.OptionOrders.Select(o => new[]
                    {
                        ProtoText.Number(o.OrderId), ProtoText.Number(o.PlanId), o.OptionId, o.Sku, ProtoText.Number(o.Units), o.FirstDate,
                        ProtoText.Number(o.FixedCost), Code(o.Status), o.Reason,
                    })));
            },
        }.RunAsync(context, paging, ct));
        return command;
    }

    private static Command Watch(CliHost host)
    {
        var factory = FactoryOption();
        var after = new Option<long>("--after-version")
        {
            Description = "Resume after this version (the last one printed); default 0: every current assignment first.",
            HelpName = "V",
        };
        var once = new Option<bool>("--no-reconnect")
        {
            Description = "End when the connection is lost or the server ends the watch, printing the version to resume from, instead of reconnecting.",
        };
        var command = new Command("watch", "Print a factory's assignments, then each change as it happens, until Ctrl+C; reconnects by itself from the last version it printed.")
            { factory, after, once };

        host.SetAction(command, async (context, ct) =>
        {
            var last = context.Get(after);
            var failures = 0;
            for (;;)
            {
                string why;
                try
                {
                    using var call = context.Assignments.WatchAssignments(new WatchAssignmentsRequest { FactoryId = context.Get(factory)!, AfterVersion = last }, cancellationToken: ct);
                    await foreach (var message in call.ResponseStream.ReadAllAsync(ct))
                    {
                        failures = 0;
                        last = Math.Max(last, message.Assignment?.Version ?? message.OptionOrder?.Version ?? message.Synced?.Version ?? 0);
                        if (context.Json)
                            Output.WriteJson(context.Console, message);
                        else
                            context.Console.WriteLine(WatchLine(message));
                    }
                    why = "the server ended the watch";
                }
                catch (RpcException e) when (!ct.IsCancellationRequested && IsTransient(e.StatusCode))
                {
                    why = $"{e.StatusCode}: {e.Status.Detail}";
                }
                if (context.Get(once))
                {
                    context.Console.Error.WriteLine($"error: {why}; resume with --after-version {ProtoText.Number(last)}");
                    return ExitCodes.Failed;
                }
                // 0.5 s, 1 s, 2 s, … up to 10 s between attempts while the service stays away.
                var wait = TimeSpan.FromMilliseconds(Math.Min(10_000, 500 * Math.Pow(2, Math.Min(failures, 5))));
                failures++;
                context.Console.Error.WriteLine($"watch interrupted ({why}); reconnecting in {wait.TotalSeconds:0.#} s from version {ProtoText.Number(last)}");
                await Task.Delay(wait, ct);
            }
        });
        return command;
    }

    /// <summary>Failures a watch outlives by reconnecting: the service or the connection away for a while, or busy.</summary>
    private static bool IsTransient(StatusCode code) =>
        code is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted or StatusCode.Aborted;

    private static Command Accept(CliHost host)
    {
        var factory = FactoryOption();
        var id = AssignmentArgument();
        var command = new Command("accept", "Accept a pending assignment: the factory will produce it.") { factory, id };
        host.SetAction(command, (context, ct) => AcknowledgeAsync(context, new AcknowledgeAssignmentRequest
        {
            FactoryId = context.Get(factory)!,
            AssignmentId = context.Get(id),
            Decision = Decision.Accept,
        }, ct));
        return command;
    }

    private static Command Reject(CliHost host)
    {
        var factory = FactoryOption();
        var id = AssignmentArgument();
        var reason = new Option<string>("--reason") { Description = "Why the factory will not produce it (up to 500 characters).", HelpName = "TEXT", Required = true };
        var command = new Command("reject", "Reject a pending assignment; the (factory, demand) pair is not planned again until a coordinator clears it.")
        {
            factory, id, reason,
        };
        host.SetAction(command, (context, ct) => AcknowledgeAsync(context, new AcknowledgeAssignmentRequest
        {
            FactoryId = context.Get(factory)!,
            AssignmentId = context.Get(id),
            Decision = Decision.Reject,
            Reason = context.Get(reason)!,
        }, ct));
        return command;
    }

    /// <summary>Sends a decision and shows the assignment as it now stands.</summary>
    private static async Task<int> AcknowledgeAsync(CommandContext context, AcknowledgeAssignmentRequest request, CancellationToken ct)
    {
        WriteAssignment(context, await context.Assignments.AcknowledgeAssignmentAsync(request, cancellationToken: ct));
        return ExitCodes.Ok;
    }

    private static Command Report(CliHost host)
    {
        var factory = FactoryOption();
        var id = AssignmentArgument();
        var reportId = new Option<string>("--report-id")
        {
            Description = "Your idempotency key for this report: 1–64 chars of A-Z a-z 0-9 . _ - (sending it again changes nothing).",
            HelpName = "ID",
            Required = true,
        };
        var date = new Option<string>("--date") { Description = "The day the units were produced, yyyy-MM-dd.", HelpName = "DATE", Required = true };
        var quantity = new Option<long>("--quantity") { Description = "Units produced, more than 0.", HelpName = "N", Required = true };
        var command = new Command("report", "Report units produced for an assignment (accepting it if pending).") { factory, id, reportId, date, quantity };

        host.SetAction(command, async (context, ct) =>
        {
            var request = new ReportProductionRequest
            {
                FactoryId = context.Get(factory)!,
                AssignmentId = context.Get(id),
                ReportId = context.Get(reportId)!,
                Date = context.Get(date)!,
                Quantity = context.Get(quantity),
            };
            var response = await context.Assignments.ReportProductionAsync(request, cancellationToken: ct);
            if (context.Json)
            {
                Output.WriteJson(context.Console, response);
                return ExitCodes.Ok;
            }
            var a = response.Assignment;
            if (response.Replayed)
                context.Console.WriteLine($"report {request.ReportId} was recorded before; nothing changed.");
            context.Console.WriteLine(
                $"assignment {ProtoText.Number(a.AssignmentId)}: {ProtoText.Number(a.Produced)} of {ProtoText.Number(a.Quantity)} units produced, {Code(a.Status)}");
            context.Console.WriteLine(
                $"demand {ProtoText.Number(a.DemandId)} ({a.RequestId}): {ProtoText.Code(response.DemandStatus)}, {ProtoText.Number(response.DemandProduced)} units produced in all");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Rejections(CliHost host)
    {
        var factory = FactoryOption("Only this factory's rejections (default: every factory's).", required: false);
        var paging = new PagingOptions();
        var command = new Command("rejections", "List the rejections in force, by factory then demand.") { factory };
        paging.AddTo(command);

        host.SetAction(command, (context, ct) => new PagedList<ListRejectionsResponse, Rejection>
        {
            Fetch = async (page, token) => await context.Assignments.ListRejectionsAsync(
                new ListRejectionsRequest { Page = page, FactoryId = context.Get(factory) ?? "" }, cancellationToken: token),
            Items = r => r.Rejections,
            NextPageToken = r => r.NextPageToken,
            ClearNextPageToken = r => r.NextPageToken = "",
            Columns = ["factory_id", "demand_id", "assignment_id", "reason", "rejected_at", "rejected_by"],
            Row = r =>
                [r.FactoryId, ProtoText.Number(r.DemandId), ProtoText.Number(r.AssignmentId), r.Reason, ProtoText.Time(r.RejectedAt), r.RejectedBy],
        }.RunAsync(context, paging, ct));
        return command;
    }

    private static Command ClearRejection(CliHost host)
    {
        var factory = FactoryOption("The factory that rejected the demand.");
        var demand = new Option<long>("--demand") { Description = "The demand it rejected.", HelpName = "DEMAND_ID", Required = true };
        var command = new Command("clear-rejection", "Let the planner propose a (factory, demand) pair again after the factory rejected it.") { factory, demand };

        host.SetAction(command, async (context, ct) =>
        {
            var request = new ClearRejectionRequest { FactoryId = context.Get(factory)!, DemandId = context.Get(demand) };
            var response = await context.Assignments.ClearRejectionAsync(request, cancellationToken: ct);
            if (context.Json)
                Output.WriteJson(context.Console, response);
            else
                context.Console.WriteLine(ClearedLine(request, response.Cleared));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string ClearedLine(ClearRejectionRequest request, int cleared)
    {
        var pair = $"demand {ProtoText.Number(request.DemandId)} by {request.FactoryId}";
        return cleared == 0
            ? $"no rejection of {pair} was in force; nothing changed."
            : $"cleared {ProtoText.Number(cleared)} rejection(s) of {pair}; the next plan may use the pair again.";
    }

    private static Argument<long> OrderArgument() => new("order_id") { Description = "The option order's id." };

    private static Command AcceptOption(CliHost host)
    {
        var factory = FactoryOption("The factory whose option order this is.");
        var id = OrderArgument();
        var command = new Command("accept-option", "Accept a pending option order: the factory sets the line up; later plans keep it at no further cost.") { factory, id };
        host.SetAction(command, (context, ct) => AcknowledgeOrderAsync(context, new AcknowledgeOptionOrderRequest
        {
            FactoryId = context.Get(factory)!,
            OrderId = context.Get(id),
            Decision = Decision.Accept,
        }, ct));
        return command;
    }

    private static Command RejectOption(CliHost host)
    {
        var factory = FactoryOption("The factory whose option order this is.");
        var id = OrderArgument();
        var reason = new Option<string>("--reason") { Description = "Why the factory will not set the line up (up to 500 characters).", HelpName = "TEXT", Required = true };
        var command = new Command("reject-option", "Reject a pending option order; plans do not use the option until a coordinator clears the rejection.")
        {
            factory, id, reason,
        };
        host.SetAction(command, (context, ct) => AcknowledgeOrderAsync(context, new AcknowledgeOptionOrderRequest
        {
            FactoryId = context.Get(factory)!,
            OrderId = context.Get(id),
            Decision = Decision.Reject,
            Reason = context.Get(reason)!,
        }, ct));
        return command;
    }

    private static async Task<int> AcknowledgeOrderAsync(CommandContext context, AcknowledgeOptionOrderRequest request, CancellationToken ct)
    {
        var order = await context.Assignments.AcknowledgeOptionOrderAsync(request, cancellationToken: ct);
        if (context.Json)
            Output.WriteJson(context.Console, order);
        else
            context.Console.WriteLine(OrderLine(order));
        return ExitCodes.Ok;
    }

    private static Command OptionRejections(CliHost host)
    {
        var factory = FactoryOption("Only this factory's option rejections (default: every factory's).", required: false);
        var paging = new PagingOptions();
        var command = new Command("option-rejections", "List the option rejections in force, by option.") { factory };
        paging.AddTo(command);

        host.SetAction(command, (context, ct) => new PagedList<ListOptionRejectionsResponse, OptionRejection>
        {
            Fetch = async (page, token) => await context.Assignments.ListOptionRejectionsAsync(
                new ListOptionRejectionsRequest { Page = page, FactoryId = context.Get(factory) ?? "" }, cancellationToken: token),
            Items = r => r.Rejections,
            NextPageToken = r => r.NextPageToken,
            ClearNextPageToken = r => r.NextPageToken = "",
            Columns = ["option_id", "factory_id", "order_id", "reason", "rejected_at", "rejected_by"],
            Row = r => [r.OptionId, r.FactoryId, ProtoText.Number(r.OrderId), r.Reason, ProtoText.Time(r.RejectedAt), r.RejectedBy],
        }.RunAsync(context, paging, ct));
        return command;
    }

    private static Command ClearOptionRejection(CliHost host)
    {
        var option = new Option<string>("--option") { Description = "The option its factory rejected.", HelpName = "OPTION_ID", Required = true };
        var command = new Command("clear-option-rejection", "Let the planner take an option again after its factory rejected it.") { option };
        host.SetAction(command, async (context, ct) =>
        {
            var request = new ClearOptionRejectionRequest { OptionId = context.Get(option)! };
            var response = await context.Assignments.ClearOptionRejectionAsync(request, cancellationToken: ct);
            if (context.Json)
                Output.WriteJson(context.Console, response);
            else
                context.Console.WriteLine(response.Cleared == 0
                    ? $"no rejection of option {request.OptionId} was in force; nothing changed."
                    : $"cleared {ProtoText.Number(response.Cleared)} rejection(s) of option {request.OptionId}; the next plan may take it again.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Argument<long> AssignmentArgument() => new("assignment_id") { Description = "The assignment's id." };

    /// <summary>One line of a watch: an assignment in its state at a version, or where the stream turned live.</summary>
    public static string WatchLine(WatchAssignmentsResponse message) => message.EventCase switch
    {
        WatchAssignmentsResponse.EventOneofCase.Assignment => AssignmentLine(message.Assignment),
        WatchAssignmentsResponse.EventOneofCase.Synced => SyncedLine(message.Synced.Version),
        WatchAssignmentsResponse.EventOneofCase.OptionOrder => OrderLine(message.OptionOrder),
        _ => message.EventCase.ToString(),
    };

    private static string SyncedLine(long version)
    {
        var v = ProtoText.Number(version);
        return $"synced at version {v}: watching for changes (to resume: --after-version {v}, or the version of the last line after this)";
    }

    /// <summary>An assignment on one line, its version first: <c>v12 assignment 3 PENDING: 300 MASK for demand 1 (D1), ...</c>.</summary>
    public static string AssignmentLine(WorkAssignment a)
    {
        var line = $"v{ProtoText.Number(a.Version)} assignment {ProtoText.Number(a.AssignmentId)} {Code(a.Status)}: "
            + $"{ProtoText.Number(a.Quantity)} {a.Sku} for demand {ProtoText.Number(a.DemandId)} ({a.RequestId}), "
            + $"produce {a.ProductionDate}, arrive {a.ArrivalDate}, produced {ProtoText.Number(a.Produced)}, plan {ProtoText.Number(a.PlanId)}";
        return a.Reason.Length > 0 ? $"{line}; reason: {a.Reason}" : line;
    }

    /// <summary>An option order on one line, its version first: <c>v14 option order 2 PENDING: line O7 for MASK, 4,000 units from 2020-02-05, ...</c>.</summary>
    public static string OrderLine(OptionOrder o)
    {
        var line = $"v{ProtoText.Number(o.Version)} option order {ProtoText.Number(o.OrderId)} {Code(o.Status)}: line {o.OptionId} for {o.Sku}, "
            + $"{ProtoText.Number(o.Units)} units from {o.FirstDate}, fixed cost {o.FixedCost.ToString("#,0.##", System.Globalization.CultureInfo.InvariantCulture)}, plan {ProtoText.Number(o.PlanId)}";
        return o.Reason.Length > 0 ? $"{line}; reason: {o.Reason}" : line;
    }

    /// <summary>An assignment status as the server stores it: PENDING, ACCEPTED, REJECTED, DONE or WITHDRAWN.</summary>
    public static string Code(AssignmentStatus status) => status switch
    {
        AssignmentStatus.Pending => "PENDING",
        AssignmentStatus.Accepted => "ACCEPTED",
        AssignmentStatus.Rejected => "REJECTED",
        AssignmentStatus.Done => "DONE",
        AssignmentStatus.Withdrawn => "WITHDRAWN",
        _ => status.ToString(),
    };

    private static IReadOnlyList<string> Row(WorkAssignment a) =>
    [
        ProtoText.Number(a.AssignmentId),
        ProtoText.Number(a.PlanId),
        ProtoText.Number(a.DemandId),
        a.RequestId,
        a.Sku,
        a.ProductionDate,
        a.ArrivalDate,
        ProtoText.Number(a.Quantity),
        ProtoText.Number(a.Produced),
        Code(a.Status),
        a.Reason,
    ];

    private static void WriteAssignment(CommandContext context, WorkAssignment a)
    {
        if (context.Json)
        {
            Output.WriteJson(context.Console, a);
            return;
        }
        var fields = new List<(string, string)>
        {
            ("assignment_id", ProtoText.Number(a.AssignmentId)),
            ("plan_id", ProtoText.Number(a.PlanId)),
            ("factory_id", a.FactoryId),
            ("demand_id", ProtoText.Number(a.DemandId)),
            ("request_id", a.RequestId),
            ("sku", a.Sku),
            ("production_date", a.ProductionDate),
            ("arrival_date", a.ArrivalDate),
            ("quantity", ProtoText.Number(a.Quantity)),
            ("produced", ProtoText.Number(a.Produced)),
            ("status", Code(a.Status)),
        };
        if (a.Reason.Length > 0)
            fields.Add(("reason", a.Reason));
        fields.Add(("version", ProtoText.Number(a.Version)));
        fields.Add(("updated_at", ProtoText.Time(a.UpdatedAt)));
        context.Console.Out.Write(Output.Fields(fields));
    }
}
