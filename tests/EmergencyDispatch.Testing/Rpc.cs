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
        Assert.Equal(code, e.StatusCode);
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
