using System.CommandLine;
using System.Text.RegularExpressions;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Cli;
using EmergencyDispatch.Cli.Infrastructure;
using Grpc.Net.Client;

namespace EmergencyDispatch.Tests.Cli;

/// <summary>
/// dispatchctl's capacity decisions against the real service in-process: plan create --option-budget, the option
/// order on the factory's list and its acceptance, the budget sweep of the server's open demand, and audit explain
/// naming the line that could have served a short demand.
/// </summary>
public sealed class OptionLoopCliTests : IDisposable
{
    private readonly DispatchFactory _factory = new();
    private readonly GrpcChannel _channel;

    public OptionLoopCliTests() => _channel = _factory.CreateChannel();

    public void Dispose()
    {
        _channel.Dispose();
        _factory.Dispose();
    }

    /// <summary>F1 makes 1,000 masks a day and can add a 3,000-a-day line from 2020-02-04 for 400,000; 8,000 critical masks are due in R3 on 2020-02-08.</summary>
    private async Task Setup()
    {
        var registry = new RegistryService.RegistryServiceClient(_channel);
        await Fixtures.RegisterSmallRegistry(registry);
        await Fixtures.RegisterLineAndCriticalDemand(registry, new DemandService.DemandServiceClient(_channel));
    }

    private async Task<(int Exit, string Out, string Error)> Run(params string[] args)
    {
        var output = new SharedWriter();
        var error = new SharedWriter();
        var root = DispatchCli.CreateRootCommand(CliConsole.FromWriters(output, error), _ => _channel);
        var exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task APlanWithABudgetOrdersTheLineAndTheFactoryAcceptsIt()
    {
        await Setup();

        var (exit, output, error) = await Run("plan", "create", "--start", "2020-02-03", "--horizon", "5", "--option-budget", "1e6", "--publish");

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("options: 1 of 1 taken, 400,000 of the budget 1,000,000 spent", output);
        Assert.Matches(@"│ O-LINE +│ F1 +│ MASK +│ 4,000 +│ 2020-02-05 +│ 1 +│ 4,000 +│ 0 +│ 0 +│ 0 +│ 400,000", output);

        var (_, listed, _) = await Run("assignments", "list", "--factory", "F1");
        Assert.Contains("option orders:", listed);
        var order = Regex.Match(listed, @"│ (\d+) +│ \d+ +│ O-LINE +│ MASK +│ 4000 +│ 2020-02-05 +│ 400000 +│ PENDING");
        Assert.True(order.Success, listed);

        var (acceptExit, accepted, acceptError) = await Run("assignments", "accept-option", order.Groups[1].Value, "--factory", "F1");
        Assert.True(acceptExit == ExitCodes.Ok, acceptError);
        Assert.Matches($@"^v\d+ option order {order.Groups[1].Value} ACCEPTED: line O-LINE for MASK, 4000 units from 2020-02-05", accepted);

        var (_, again, _) = await Run("plan", "create", "--start", "2020-02-03", "--horizon", "5");
        Assert.Contains("options: 1 of 1 taken, 0 of the budget 0 spent", again);
        Assert.Matches(@"│ O-LINE .*│ committed", again);
    }

    [Fact]
    public async Task TheFrontierPlansTheServersOpenDemandOncePerBudget()
    {
        await Setup();

        var (exit, output, error) = await Run("options", "frontier", "--budgets", "0,1e6", "--start", "2020-02-03", "--horizon", "5");

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("1 open demands, 1 options in the registry", output);
        Assert.Contains("budget 0: no option", output);
        Assert.Contains("budget 1,000,000: O-LINE", output);
        Assert.Matches(@"│ 1,000,000 +│ 1 +│ 400,000 +│ CRITICAL +│ 1\.0000 +│ 8,000 ", output);
    }

    [Fact]
    public async Task ExplainNamesTheLineABudgetOfNothingLeftOut()
    {
        await Setup();
        await Run("plan", "create", "--start", "2020-02-03", "--horizon", "5");

        var (exit, output, error) = await Run("audit", "explain", "D-CRIT");

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("option O-LINE at F1 could have made 7,500 units on time (0 to this demand): not available: its fixed cost 400,000 alone is over the budget 0", output);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("1,2")]
    [InlineData("lots")]
    public void ABadBudgetIsRefusedBeforeAnyCall(string budget)
    {
        var root = DispatchCli.CreateRootCommand(CliConsole.FromWriters(new StringWriter(), new StringWriter()), _ => throw new InvalidOperationException("no call is made"));

        var errors = root.Parse(["plan", "create", "--option-budget", budget]).Errors;

        Assert.Contains(errors, e => e.Message.StartsWith("--option-budget ", StringComparison.Ordinal));
    }
}
