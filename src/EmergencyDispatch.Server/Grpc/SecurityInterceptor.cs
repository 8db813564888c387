using System.Globalization;
using Google.Protobuf;
using EmergencyDispatch.Planning.Model;
using Grpc.Core;
using EmergencyDispatch.Server.Security;
using Grpc.Core.Interceptors;

namespace EmergencyDispatch.Server.Grpc;

/// <summary>
/// Every call passes here first: the peer's budget of calls without valid credentials (open methods and failed
/// authentications, RESOURCE_EXHAUSTED), authentication (UNAUTHENTICATED), the method's rule (PERMISSION_DENIED; a
/// method without a rule is closed), the key's rate limit (RESOURCE_EXHAUSTED), for a factory caller its own factory
/// (another factory is NOT_FOUND, exactly as a factory that does not exist, so nothing leaks) and, for a stream, a
/// place among the caller's open streams (RESOURCE_EXHAUSTED).
/// </summary>
public sealed class SecurityInterceptor(Authenticator authenticator, CallLimits limits) : Interceptor
{
    private const string CallerKey = "caller";

    /// <summary>The authenticated caller of a call (null for open methods such as health).</summary>
    public static Caller? CallerOf(ServerCallContext context) =>
        context.UserState.TryGetValue(CallerKey, out var caller) ? caller as Caller : null;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AdmitAsync(request, context);
        return await continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var stream = OpenStream(await AdmitAsync(request, context));
        await continuation(request, responseStream, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var stream = OpenStream(await AdmitAsync<TRequest>(default, context));
        return await continuation(requestStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var stream = OpenStream(await AdmitAsync<TRequest>(default, context));
        await continuation(requestStream, responseStream, context);
    }

    /// <summary>Admits the call or throws its status; returns what its streams count against: the key, or the peer's address.</summary>
    private async ValueTask<string> AdmitAsync<TRequest>(TRequest? request, ServerCallContext context)
    {
        var address = "address:" + CallLimits.AddressPartition(context.GetHttpContext().Connection.RemoteIpAddress);
        var rule = AccessPolicy.For(context.Method);
        if (rule is { Open: true })
        {
            if (!limits.TryTakeAnonymous(address, out var wait))
                throw Limited(context, wait, "calls without credentials from this address are over their rate limit");
            return address;
        }
        // An address over its budget costs no lookup: only keys already known (and tokens) are checked for it.
        var exhausted = limits.AnonymousExhausted(address);
        var (caller, problem) = await authenticator.AuthenticateAsync(context.RequestHeaders.GetValue("authorization"), knownKeysOnly: exhausted);
        if (caller is null)
        {
            if (!limits.TryTakeAnonymous(address, out var wait) || ReferenceEquals(problem, Authenticator.NotLookedUp))
                throw Limited(context, wait, "too many calls without valid credentials from this address");
            throw GrpcErrors.Error(StatusCode.Unauthenticated, $"{ErrorText.Own(problem)}");
        }
        // Known from here on, refused or not: the log of a refusal names the key.
        context.UserState[CallerKey] = caller;
        if (rule is null || !rule.Allows(caller.Role))
            throw GrpcErrors.Error(StatusCode.PermissionDenied, $"the {Caller.RoleName(caller.Role)} role may not call {context.Method.TrimStart('/')}");
        if (!limits.TryTake(caller.Partition, out var retryAfter))
            throw Limited(context, retryAfter, "rate limit of this key reached");
        if (request is IMessage written && WriteRows.Of(context.Method, written) is { } rows && !limits.TryTakeRows(caller.Partition, rows, out retryAfter))
            throw Limited(context, retryAfter, $"this key has written its share of rows for now ({rows} in this call)");
        if (rule.FactoryScoped && caller.Role == Role.Factory && request is IMessage message)
            HoldToOwnFactory(message, caller.FactoryId!);
        return caller.Partition;
    }

    private IDisposable OpenStream(string partition) =>
        limits.TryOpenStream(partition) ?? throw GrpcErrors.ResourceExhausted(
            $"{ErrorText.Own(partition.StartsWith("address:", StringComparison.Ordinal) ? "this address" : "this caller")} already holds {limits.StreamsPerCaller} open streams, the most allowed; close one, then try again");

    /// <summary>RESOURCE_EXHAUSTED with the wait in a <c>retry-after-ms</c> trailer (at least 1 ms).</summary>
    private static RpcException Limited(ServerCallContext context, TimeSpan retryAfter, string what)
    {
        var wait = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalMilliseconds));
        context.ResponseTrailers.Add("retry-after-ms", wait.ToString(CultureInfo.InvariantCulture));
        return GrpcErrors.ResourceExhausted($"{ErrorText.Own(what)}; retry in {wait} ms");
    }

    /// <summary>A factory caller's request names its own factory: an empty factory_id becomes it, another one is not found.</summary>
    private static void HoldToOwnFactory(IMessage message, string own)
    {
        var field = message.Descriptor.FindFieldByName("factory_id")
            ?? throw new InvalidOperationException($"{message.Descriptor.FullName} is factory-scoped but has no factory_id");
        var given = (string)field.Accessor.GetValue(message);
        if (given.Length == 0)
            field.Accessor.SetValue(message, own);
        else if (!string.Equals(given, own, StringComparison.Ordinal))
            throw GrpcErrors.Error(StatusCode.NotFound, $"factory {given} not found");
    }
}
