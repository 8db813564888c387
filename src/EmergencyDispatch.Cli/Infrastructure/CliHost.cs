using System.CommandLine;
using Grpc.Core;

namespace EmergencyDispatch.Cli.Infrastructure;

/// <summary>What every command shares: the console, the global options, and one place that turns failures into messages and exit codes.</summary>
public sealed class CliHost(CliConsole console, Func<string, ChannelBase>? channelFactory = null)
{
    public CliConsole Console { get; } = console;
    public ServerOptions Server { get; } = new();
    public OutputOptions Output { get; } = new();

    /// <summary>Adds --server and --json to the root; they apply to every subcommand.</summary>
    public void AddGlobalOptions(RootCommand root)
    {
        root.Options.Add(Server.Server);
        root.Options.Add(Server.ApiKey);
        root.Options.Add(Output.Json);
    }

    /// <summary>Runs <paramref name="action"/> for <paramref name="command"/>, printing a failed call as <c>error: Code: detail</c> with exit code 1, never a stack trace.</summary>
    public void SetAction(Command command, Func<CommandContext, CancellationToken, Task<int>> action)
    {
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var url = Server.GetUrl(parseResult);
            await using var context = new CommandContext(
                parseResult, Console, url, Output.IsJson(parseResult), channelFactory ?? ServerOptions.CreateChannel, ownsChannel: channelFactory is null,
                apiKey: () => Server.GetApiKey(parseResult));
            try
            {
                return await action(context, cancellationToken);
            }
            catch (Exception e) when (cancellationToken.IsCancellationRequested && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
                Console.Error.WriteLine("cancelled");
                return ExitCodes.Cancelled;
            }
            catch (RpcException e)
            {
                RpcErrors.Write(Console.Error, e, url);
                return ExitCodes.Failed;
            }
            catch (Exception e) when (e is CliException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.Failed;
            }
        });
    }
}
