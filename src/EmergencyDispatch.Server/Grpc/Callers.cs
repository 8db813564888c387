using EmergencyDispatch.Server.Security;
using Grpc.Core;

namespace EmergencyDispatch.Server.Grpc;

/// <summary>Who is calling: the authenticated caller's name (its key's name, or its token's subject).</summary>
public static class Callers
{
    public const string Anonymous = "anonymous";

    public static string Name(ServerCallContext context) => SecurityInterceptor.CallerOf(context)?.Name ?? Anonymous;
}
