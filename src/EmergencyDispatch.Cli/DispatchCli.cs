using System.CommandLine;
using EmergencyDispatch.Cli.Commands;
using EmergencyDispatch.Cli.Infrastructure;
using Grpc.Core;

namespace EmergencyDispatch.Cli;

/// <summary>Composes dispatchctl: the global options and one command group per file under Commands/.</summary>
public static class DispatchCli
{
    /// <summary>Builds the root command; <paramref name="channelFactory"/> replaces the gRPC channel to the --server URL (tests pass an in-process one).</summary>
    public static RootCommand CreateRootCommand(CliConsole console, Func<string, ChannelBase>? channelFactory = null)
    {
        var host = new CliHost(console, channelFactory);
        var root = new RootCommand("dispatchctl: the command-line client of EmergencyDispatch.");
        host.AddGlobalOptions(root);

        root.Add(ImportCommand.Create(host));
        root.Add(DemandsCommands.Create(host));
        root.Add(RegistryCommands.Create(host));
        root.Add(GenerateCommand.Create(host));
        root.Add(SolveCommand.Create(host));
        root.Add(OptionsCommands.Create(host));
        root.Add(PlanCommands.Create(host));
        root.Add(AssignmentsCommands.Create(host));
        root.Add(FactoryCommands.Create(host));
        root.Add(AuditCommands.Create(host));
        root.Add(AdminCommands.Create(host));
        return root;
    }
}
