using EmergencyDispatch.Server.Grpc;
using EmergencyDispatch.Server.Security;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace EmergencyDispatch.Server.Observability;

/// <summary>
/// Outermost of the interceptors: counts every call by method and final status (gRPC and HTTP/JSON alike), counts
/// open server streams, and logs each refusal (no or bad credentials, a role's rule, a limit) with the method and the
/// key it came with, not only its status.
/// </summary>
public sealed class CallMetricsInterceptor(DispatchMetrics metrics, ILogger<CallMetricsInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            var response = await continuation(request, context);
            metrics.Called(Method(context), nameof(StatusCode.OK));
            return response;
        }
        catch (RpcException e)
        {
            Refused(context, e);
            throw;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var method = Method(context);
        metrics.StreamOpened(method);
        try
        {
            await continuation(request, responseStream, context);
            metrics.Called(method, nameof(StatusCode.OK));
        }
        catch (RpcException e)
        {
            Refused(context, e);
            throw;
        }
        finally
        {
            metrics.StreamClosed(method);
        }
    }

    /// <summary>The method as the metrics and logs name it: <c>Service/Method</c> without the package.</summary>
    private static string Method(ServerCallContext context)
    {
        var method = context.Method.TrimStart('/');
        var slash = method.IndexOf('/');
        var dot = slash > 0 ? method.LastIndexOf('.', slash) : -1;
        return dot >= 0 ? method[(dot + 1)..] : method;
    }

    private void Refused(ServerCallContext context, RpcException e)
    {
        var method = Method(context);
        metrics.Called(method, e.StatusCode.ToString());
        if (e.StatusCode is not (StatusCode.Unauthenticated or StatusCode.PermissionDenied or StatusCode.ResourceExhausted))
            return;
        var caller = SecurityInterceptor.CallerOf(context)?.Partition
            ?? (Authenticator.BearerToken(context.RequestHeaders.GetValue("authorization")) is { } token && ApiKeyStore.ClaimedKeyId(token) is { } keyId
                ? $"key {keyId} (claimed)" : "no API key");
        // The status message quotes what the caller sent only through ErrorText (cut, control characters escaped).
        logger.LogInformation("Refused {Method} for {Caller} from {Address}: {Status} {Detail}", method, caller,
            context.GetHttpContext().Connection.RemoteIpAddress, e.StatusCode, e.Status.Detail);
    }
}
