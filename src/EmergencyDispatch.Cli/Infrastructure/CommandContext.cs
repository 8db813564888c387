using System.CommandLine;
using EmergencyDispatch.Api.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace EmergencyDispatch.Cli.Infrastructure;

/// <summary>One command invocation: its parse result, console, output mode and a lazily opened channel to the server.</summary>
public sealed class CommandContext(
    ParseResult parseResult, CliConsole console, string serverUrl, bool json, Func<string, ChannelBase> channelFactory, bool ownsChannel,
    Func<string?>? apiKey = null)
    : IAsyncDisposable
{
    private ChannelBase? _channel;
    private CallInvoker? _invoker;

    public ParseResult ParseResult { get; } = parseResult;
    public CliConsole Console { get; } = console;
    public string ServerUrl { get; } = serverUrl;

    /// <summary>Whether to print protobuf JSON instead of tables.</summary>
    public bool Json { get; } = json;

    /// <summary>The channel to the server, opened on first use.</summary>
    public ChannelBase Channel => _channel ??= channelFactory(ServerUrl);

    /// <summary>Calls over the channel, each with the API key as its bearer token when there is one.</summary>
    public CallInvoker Invoker => _invoker ??= apiKey?.Invoke() is { Length: > 0 } key
        ? Channel.Intercept(metadata =>
        {
            metadata.Add("authorization", "Bearer " + key);
            return metadata;
        })
        : Channel.CreateCallInvoker();

    public RegistryService.RegistryServiceClient Registry => new(Invoker);
    public DemandService.DemandServiceClient Demands => new(Invoker);
    public PlanningService.PlanningServiceClient Planning => new(Invoker);
    public AssignmentService.AssignmentServiceClient Assignments => new(Invoker);
    public AuditService.AuditServiceClient Audit => new(Invoker);
    public AdminService.AdminServiceClient Admin => new(Invoker);

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
