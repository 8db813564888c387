using EmergencyDispatch.Cli;
using EmergencyDispatch.Cli.Infrastructure;

return await DispatchCli.CreateRootCommand(CliConsole.FromSystemConsole()).Parse(args).InvokeAsync();
