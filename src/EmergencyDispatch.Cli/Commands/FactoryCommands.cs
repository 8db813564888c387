using System.CommandLine;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Cli.Infrastructure;

namespace EmergencyDispatch.Cli.Commands;

/// <summary><c>dispatchctl factory availability</c>: what a factory announces about its own capacity.</summary>
public static class FactoryCommands
{
    public static Command Create(CliHost host) => new("factory", "Announce a factory's outages and expansions.")
    {
        Availability(host),
    };

    private static Command Availability(CliHost host)
    {
        var factory = AssignmentsCommands.FactoryOption("The factory whose capacity changes.");
        var from = new Option<string>("--from") { Description = "First day, yyyy-MM-dd.", HelpName = "DATE", Required = true };
        var to = new Option<string>("--to") { Description = "Last day, yyyy-MM-dd (at most 366 days in all).", HelpName = "DATE", Required = true };
        var factor = new Option<double>("--factor")
        {
            Description = "Capacity factor on each day, 0 to 10: 0 for an outage, 1 to resume, 1.5 for an expansion.",
            HelpName = "X",
            Required = true,
        };
        var command = new Command("availability", "Set a factory's capacity factor on every day of a range; the next plan uses it.") { factory, from, to, factor };

        host.SetAction(command, async (context, ct) =>
        {
            var request = new UpdateAvailabilityRequest
            {
                FactoryId = context.Get(factory)!,
                FromDate = context.Get(from)!,
                ToDate = context.Get(to)!,
                Factor = context.Get(factor),
            };
            var response = await context.Assignments.UpdateAvailabilityAsync(request, cancellationToken: ct);
            if (context.Json)
            {
                Output.WriteJson(context.Console, response);
            }
            else
            {
                context.Console.WriteLine($"{request.FactoryId}: capacity factor {ProtoText.Number(request.Factor)} set on "
                    + $"{ProtoText.Number(response.Days)} day(s), {request.FromDate} to {request.ToDate}; the next plan uses it.");
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
