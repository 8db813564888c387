using Google.Protobuf;
using Grpc.Core;

namespace EmergencyDispatch.Tests.Cli;

/// <summary>A stand-in for the server: records every unary call and answers it with the handler registered for its method name.</summary>
public sealed class FakeDispatchServer : CallInvoker
{
    private readonly Dictionary<string, Func<IMessage, IMessage>> _handlers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<IMessage, IEnumerable<IMessage>>> _streams = new(StringComparer.Ordinal);

    /// <summary>Every call in order: the method name (such as <c>UpsertProducts</c>) and its request.</summary>
    public List<(string Method, IMessage Request)> Calls { get; } = [];

    /// <summary>Answers <paramref name="method"/> with <paramref name="handler"/>; a handler may throw an <see cref="RpcException"/>.</summary>
    public FakeDispatchServer On<TRequest, TResponse>(string method, Func<TRequest, TResponse> handler)
        where TRequest : IMessage
        where TResponse : IMessage
    {
        _handlers[method] = request => handler((TRequest)request);
        return this;
    }

    /// <summary>
    /// Answers a server-streaming <paramref name="method"/> with the messages <paramref name="handler"/> yields, then
    /// ends the stream; an <see cref="RpcException"/> the handler throws while yielding ends it with that status.
    /// </summary>
    public FakeDispatchServer OnStream<TRequest, TResponse>(string method, Func<TRequest, IEnumerable<TResponse>> handler)
        where TRequest : IMessage
        where TResponse : IMessage
    {
        _streams[method] = request => handler((TRequest)request).Cast<IMessage>();
        return this;
    }

    public IEnumerable<string> Methods => Calls.Select(c => c.Method);

    public IEnumerable<TRequest> Requests<TRequest>() => Calls.Select(c => c.Request).OfType<TRequest>();

    /// <summary>A channel whose calls go to this fake.</summary>
    public ChannelBase Channel() => new FakeChannel(this);

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        Calls.Add((method.Name, (IMessage)request));
        Task<TResponse> response;
        try
        {
            if (!_handlers.TryGetValue(method.Name, out var handler))
                throw new RpcException(new Status(StatusCode.Unimplemented, $"no fake handler for {method.Name}"));
            response = Task.FromResult((TResponse)handler((IMessage)request));
        }
        catch (RpcException e)
        {
            response = Task.FromException<TResponse>(e);
        }
        return new AsyncUnaryCall<TResponse>(response, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        throw new NotSupportedException();

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        Calls.Add((method.Name, (IMessage)request));
        var messages = _streams.TryGetValue(method.Name, out var handler)
            ? handler((IMessage)request).Cast<TResponse>()
            : throw new RpcException(new Status(StatusCode.Unimplemented, $"no fake stream for {method.Name}"));
        return new AsyncServerStreamingCall<TResponse>(new Reader<TResponse>(messages.GetEnumerator()), Task.FromResult(new Metadata()),
            () => Status.DefaultSuccess, () => [], () => { });
    }

    private sealed class Reader<T>(IEnumerator<T> messages) : IAsyncStreamReader<T>
    {
        public T Current => messages.Current;

        public Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(messages.MoveNext());
        }
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        throw new NotSupportedException();

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        throw new NotSupportedException();

    private sealed class FakeChannel(CallInvoker invoker) : ChannelBase("fake")
    {
        public override CallInvoker CreateCallInvoker() => invoker;
    }
}
