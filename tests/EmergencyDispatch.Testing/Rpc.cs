using Google.Rpc;
using Grpc.Core;

namespace EmergencyDispatch.Testing;

/// <summary>Assertions on gRPC failures.</summary>
public static class Rpc
{
    /// <summary>Runs a call that must fail with <paramref name="code"/> and returns its exception.</summary>
    public static async Task<RpcException> Fails(StatusCode code, Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(code == e.StatusCode, $"expected {code}, got {e.StatusCode}: {e.Status.Detail}");
        return e;
    }

    /// <summary>
    /// Runs a call that must end at its deadline. The client's timer and the server's race: when the server's fires
    /// first, grpc-dotnet ends the call and resets its HTTP/2 stream (CANCEL, code 8), which the in-process test
    /// server hands the client as that reset instead of the DEADLINE_EXCEEDED a real connection delivers first.
    /// </summary>
    public static async Task<RpcException> EndsAtDeadline(Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(e.StatusCode == StatusCode.DeadlineExceeded || e.Status.Detail.Contains("reset the request with error code 8", StringComparison.Ordinal),
            $"expected DeadlineExceeded, got {e.StatusCode}: {e.Status.Detail}");
        return e;
    }

    /// <summary>The fields named by the google.rpc.BadRequest detail of a failure.</summary>
    public static IReadOnlyList<string> Fields(RpcException e) =>
        e.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field).ToList() ?? [];

    /// <summary>Asserts INVALID_ARGUMENT naming exactly these fields.</summary>
    public static async Task InvalidFields(Func<Task> call, params string[] fields)
    {
        var e = await Fails(StatusCode.InvalidArgument, call);
        Assert.Equal(fields.OrderBy(f => f, StringComparer.Ordinal), Fields(e).OrderBy(f => f, StringComparer.Ordinal));
    }
}
