using System.CommandLine;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Cli.Infrastructure;

namespace EmergencyDispatch.Cli.Commands;

/// <summary><c>dispatchctl demands list|get|cancel|submit</c>.</summary>
public static class DemandsCommands
{
    private static readonly string[] Columns = ["id", "request_id", "sku", "quantity", "produced", "region", "due", "priority", "status", "submitter"];

    public static Command Create(CliHost host) => new("demands", "Submit, import, list, inspect and cancel demand.")
    {
        List(host),
        Get(host),
        Cancel(host),
        Submit(host),
        ImportCommand.CreateDemandsImport(host),
    };

    private static Command List(CliHost host)
    {
        var status = ProtoText.ChoicesOption("--status", "Only demands in this status (repeat for several).", ProtoText.Statuses);
        var region = new Option<string>("--region") { Description = "Only demands for this destination region.", HelpName = "REGION" };
        var sku = new Option<string>("--sku") { Description = "Only demands for this sku.", HelpName = "SKU" };
        var priority = ProtoText.ChoiceOption("--priority", "Only demands of this priority.", ProtoText.Priorities);
        var submitter = new Option<string>("--submitter") { Description = "Only demands of this submitter.", HelpName = "SUBMITTER" };
        var paging = new PagingOptions();
        var command = new Command("list", "List demand in demand_id order.") { status, region, sku, priority, submitter };
        paging.AddTo(command);

        host.SetAction(command, (context, ct) => new PagedList<ListDemandsResponse, Demand>
        {
            Fetch = async (page, token) =>
            {
                var request = new ListDemandsRequest
                {
                    Page = page,
                    Region = context.Get(region) ?? "",
                    Sku = context.Get(sku) ?? "",
                    Priority = context.Get(priority) ?? Priority.Unspecified,
                    Submitter = context.Get(submitter) ?? "",
                };
                request.Statuses.AddRange(context.Get(status) ?? []);
                return await context.Demands.ListDemandsAsync(request, cancellationToken: token);
            },
            Items = r => r.Demands,
            NextPageToken = r => r.NextPageToken,
            ClearNextPageToken = r => r.NextPageToken = "",
            Columns = Columns,
            Row = Row,
        }.RunAsync(context, paging, ct));
        return command;
    }

    private static Command Get(CliHost host)
    {
        var id = new Argument<long?>("demand_id") { Description = "The demand's id.", Arity = ArgumentArity.ZeroOrOne };
        var requestId = new Option<string>("--request-id") { Description = "Find the demand by its request_id instead.", HelpName = "REQUEST_ID" };
        var submitter = new Option<string>("--submitter") { Description = "With --request-id: whose request_id (default: the caller's).", HelpName = "SUBMITTER" };
        var command = new Command("get", "Show one demand, by demand_id or by --request-id.") { id, requestId, submitter };
        command.Validators.Add(result =>
        {
            var hasId = result.GetValue(id) is not null;
            var hasRequestId = !string.IsNullOrEmpty(result.GetValue(requestId));
            if (hasId == hasRequestId)
                result.AddError("Give exactly one of demand_id or --request-id.");
            else if (hasId && !string.IsNullOrEmpty(result.GetValue(submitter)))
                result.AddError("--submitter goes with --request-id only.");
        });

        host.SetAction(command, async (context, ct) =>
        {
            var request = context.Get(id) is { } demandId
                ? new GetDemandRequest { DemandId = demandId }
                : new GetDemandRequest { RequestId = context.Get(requestId)!, Submitter = context.Get(submitter) ?? "" };
            WriteDemand(context, await context.Demands.GetDemandAsync(request, cancellationToken: ct));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Cancel(CliHost host)
    {
        var id = new Argument<long>("demand_id") { Description = "The demand to cancel." };
        var reason = new Option<string>("--reason") { Description = "Why it is cancelled (up to 500 characters, kept in the log).", HelpName = "TEXT" };
        var command = new Command("cancel", "Cancel an open demand (cancelling a cancelled demand changes nothing).") { id, reason };

        host.SetAction(command, async (context, ct) =>
        {
            var request = new CancelDemandRequest { DemandId = context.Get(id), Reason = context.Get(reason) ?? "" };
            WriteDemand(context, await context.Demands.CancelDemandAsync(request, cancellationToken: ct));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Submit(CliHost host)
    {
        var requestId = Required<string>("--request-id", "Your idempotency key: 1–64 chars of A-Z a-z 0-9 . _ -", "REQUEST_ID");
        var sku = Required<string>("--sku", "An existing product.", "SKU");
        var quantity = Required<long>("--quantity", "Whole units, 1 to 1,000,000,000.", "N");
        var region = Required<string>("--region", "Destination region.", "REGION");
        var due = Required<string>("--due", "Latest acceptable arrival day, yyyy-MM-dd.", "DATE");
        var priority = ProtoText.ChoiceOption("--priority", "How urgent.", ProtoText.Priorities);
        priority.Required = true;
        var command = new Command("submit", "Submit one demand line (submitting the same line again returns the stored demand).")
        {
            requestId, sku, quantity, region, due, priority,
        };

        host.SetAction(command, async (context, ct) =>
        {
            var line = new DemandLine
            {
                RequestId = context.Get(requestId)!,
                Sku = context.Get(sku)!,
                Quantity = context.Get(quantity),
                Region = context.Get(region)!,
                DueDate = context.Get(due)!,
                Priority = context.Get(priority) ?? Priority.Unspecified,
            };
            var response = await context.Demands.SubmitDemandsAsync(new SubmitDemandsRequest { Lines = { line } }, cancellationToken: ct);
            if (context.Json)
            {
                Output.WriteJson(context.Console, response);
                return ExitCodes.Ok;
            }
            context.Console.WriteLine(response.Created > 0 ? "Created:" : "Already stored (replayed):");
            foreach (var demand in response.Demands)
                WriteDemand(context, demand);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Option<T> Required<T>(string name, string description, string helpName) =>
        new(name) { Description = description, HelpName = helpName, Required = true };

    private static IReadOnlyList<string> Row(Demand d) =>
    [
        ProtoText.Number(d.DemandId),
        d.Line.RequestId,
        d.Line.Sku,
        ProtoText.Number(d.Line.Quantity),
        ProtoText.Number(d.Produced),
        d.Line.Region,
        d.Line.DueDate,
        ProtoText.Code(d.Line.Priority),
        ProtoText.Code(d.Status),
        d.Submitter,
    ];

    private static void WriteDemand(CommandContext context, Demand d)
    {
        if (context.Json)
        {
            Output.WriteJson(context.Console, d);
            return;
        }
        var fields = new List<(string, string)>
        {
            ("demand_id", ProtoText.Number(d.DemandId)),
            ("request_id", d.Line.RequestId),
            ("sku", d.Line.Sku),
            ("quantity", ProtoText.Number(d.Line.Quantity)),
            ("produced", ProtoText.Number(d.Produced)),
            ("region", d.Line.Region),
            ("due_date", d.Line.DueDate),
            ("priority", ProtoText.Code(d.Line.Priority)),
            ("status", ProtoText.Code(d.Status)),
            ("submitter", d.Submitter),
            ("submitted_at", ProtoText.Time(d.SubmittedAt)),
        };
        if (d.Status == DemandStatus.Cancelled)
        {
            fields.Add(("cancelled_at", ProtoText.Time(d.CancelledAt)));
            fields.Add(("cancel_reason", d.CancelReason));
        }
        context.Console.Out.Write(Output.Fields(fields));
    }
}
