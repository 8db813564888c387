using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Data.Sqlite;

namespace EmergencyDispatch.Server.Grpc;

/// <summary>Maps every failure a handler did not turn into a status itself; logs it, never sends its text.</summary>
public sealed class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    private RpcException Map(Exception e, ServerCallContext context)
    {
        // A cancelled call, a query the cancellation interrupted (SQLITE_INTERRUPT), or a stream write that found the
        // call over or its response aborted (the client left while it was being written), stops where it is. Past its
        // deadline a call is over before its token says so: grpc-dotnet ends the call first and cancels the token after.
        if (e is OperationCanceledException or SqliteException { SqliteErrorCode: 9 } or InvalidOperationException or IOException
            && (context.CancellationToken.IsCancellationRequested || context.Deadline <= DateTime.UtcNow))
        {
            return context.Deadline <= DateTime.UtcNow
                ? new RpcException(new Status(StatusCode.DeadlineExceeded, "the call's deadline passed; nothing was stored"))
                : new RpcException(new Status(StatusCode.Cancelled, "the call was cancelled; nothing was stored"));
        }
        if (e is SqliteException sqlite)
        {
            logger.LogWarning(e, "Storage failure in {Method}: SQLite error {Code}", context.Method, sqlite.SqliteErrorCode);
            return sqlite.SqliteErrorCode switch
            {
                13 => new RpcException(new Status(StatusCode.ResourceExhausted, "the database is out of space; the write was not stored")),
                _ => new RpcException(new Status(StatusCode.Unavailable, "the database is unavailable; the write was not stored, retry later")),
            };
        }
        logger.LogError(e, "Unhandled failure in {Method}", context.Method);
        return new RpcException(new Status(StatusCode.Internal, "internal error; the service logged it"));
    }
}
