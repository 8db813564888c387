using System.Net.Sockets;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;

namespace EmergencyDispatch.Cli.Infrastructure;

/// <summary>Turns a failed call into the lines a user reads: <c>error: Code: detail</c> and one line per field violation.</summary>
public static class RpcErrors
{
    /// <summary>The google.rpc.BadRequest field violations the server attached, if any.</summary>
    public static IReadOnlyList<BadRequest.Types.FieldViolation> FieldViolations(RpcException exception)
    {
        try
        {
            return exception.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations ?? [];
        }
        catch (InvalidProtocolBufferException)
        {
            // A malformed details trailer must not hide the status itself.
            return [];
        }
    }

    /// <summary>The error lines: the connection problem naming the server, or the status code, its detail and each field violation.</summary>
    public static IReadOnlyList<string> Format(RpcException exception, string serverUrl)
    {
        if (Unreachable(exception) is { } reason)
            return [$"error: cannot reach the dispatch server at {serverUrl}: {reason}. Is it running? Pass --server URL or set ${ServerOptions.EnvironmentVariable}."];

        var lines = new List<string> { $"error: {exception.StatusCode}: {Detail(exception)}" };
        foreach (var violation in FieldViolations(exception))
            lines.Add($"  {violation.Field}: {violation.Description}");
        return lines;
    }

    /// <summary>Writes <see cref="Format"/> to a writer.</summary>
    public static void Write(TextWriter writer, RpcException exception, string serverUrl)
    {
        foreach (var line in Format(exception, serverUrl))
            writer.WriteLine(line);
    }

    /// <summary>The status detail, or a stand-in when the server sent none.</summary>
    public static string Detail(RpcException exception) =>
        string.IsNullOrWhiteSpace(exception.Status.Detail) ? "(no detail)" : exception.Status.Detail;

    /// <summary>Why the server could not be reached at all, or null when it answered.</summary>
    public static string? Unreachable(RpcException exception)
    {
        if (exception.StatusCode != StatusCode.Unavailable)
            return null;
        for (Exception? e = exception.Status.DebugException; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return "connection refused";
                case SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain }:
                    return "host not found";
                case SocketException { SocketErrorCode: SocketError.TimedOut }:
                    return "connection timed out";
                case SocketException { SocketErrorCode: SocketError.NetworkUnreachable or SocketError.HostUnreachable }:
                    return "network unreachable";
            }
        }
        return exception.Status.DebugException is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } http
            ? http.Message
            : null;
    }
}
