using System.Globalization;
using Google.Protobuf;
using EmergencyDispatch.Planning.Model;
using Grpc.Core;
using EmergencyDispatch.Server.Security;
using Grpc.Core.Interceptors;

namespace EmergencyDispatch.Server.Grpc;

/// <summary>
/// Every call passes here first: authentication (UNAUTHENTICATED), the method's rule (PERMISSION_DENIED; a method
/// without a rule is closed), the key's rate limit (RESOURCE_EXHAUSTED) and, for a factory caller, its own factory
/// (another factory is NOT_FOUND, exactly as a factory that does not exist, so nothing leaks).
/// </summary>
public sealed class SecurityInterceptor(Authenticator authenticator, RateLimiter limiter) : Interceptor
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
        await AdmitAsync(request, context);
        await continuation(request, responseStream, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AdmitAsync<TRequest>(default, context);
        return await continuation(requestStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AdmitAsync<TRequest>(default, context);
        await continuation(requestStream, responseStream, context);
    }

    private async ValueTask AdmitAsync<TRequest>(TRequest? request, ServerCallContext context)
    {
        var rule = AccessPolicy.For(context.Method);
        if (rule is { Open: true })
            return;
        var (caller, problem) = await authenticator.AuthenticateAsync(context.RequestHeaders.GetValue("authorization"));
        if (caller is null)
            throw GrpcErrors.Error(StatusCode.Unauthenticated, $"{ErrorText.Own(problem)}");
        if (rule is null || !rule.Allows(caller.Role))
            throw GrpcErrors.Error(StatusCode.PermissionDenied, $"the {Caller.RoleName(caller.Role)} role may not call {context.Method.TrimStart('/')}");
        if (!limiter.TryTake(caller.Partition, out var retryAfter))
        {
            var wait = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalMilliseconds));
            context.ResponseTrailers.Add("retry-after-ms", wait.ToString(CultureInfo.InvariantCulture));
            throw GrpcErrors.ResourceExhausted($"rate limit of this key reached; retry in {wait} ms");
        }
        if (rule.FactoryScoped && caller.Role == Role.Factory && request is IMessage message)
            HoldToOwnFactory(message, caller.FactoryId!);
        context.UserState[CallerKey] = caller;
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
