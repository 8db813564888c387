using System.CommandLine;
using EmergencyDispatch.Api.V1;
using Grpc.Core;

namespace EmergencyDispatch.Cli.Infrastructure;

/// <summary>One command invocation: its parse result, console, output mode and a lazily opened channel to the server.</summary>
public sealed class CommandContext(
    ParseResult parseResult, CliConsole console, string serverUrl, bool json, Func<string, ChannelBase> channelFactory, bool ownsChannel)
    : IAsyncDisposable
{
    private ChannelBase? _channel;

    public ParseResult ParseResult { get; } = parseResult;
    public CliConsole Console { get; } = console;
    public string ServerUrl { get; } = serverUrl;

    /// <summary>Whether to print protobuf JSON instead of tables.</summary>
    public bool Json { get; } = json;

    /// <summary>The channel to the server, opened on first use.</summary>
    public ChannelBase Channel => _channel ??= channelFactory(ServerUrl);

    public RegistryService.RegistryServiceClient Registry => new(Channel);
    public DemandService.DemandServiceClient Demands => new(Channel);
    public PlanningService.PlanningServiceClient Planning => new(Channel);
    public AssignmentService.AssignmentServiceClient Assignments => new(Channel);
    public AuditService.AuditServiceClient Audit => new(Channel);

    public T? Get<T>(Option<T> option) => ParseResult.GetValue(option);
    public T? Get<T>(Argument<T> argument) => ParseResult.GetValue(argument);

    public async ValueTask DisposeAsync()
    {
        if (_channel is null || !ownsChannel)
            return;
        await _channel.ShutdownAsync();
        if (_channel is IDisposable disposable)
            disposable.Dispose();
    }
}
