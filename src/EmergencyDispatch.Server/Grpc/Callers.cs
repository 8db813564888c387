using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Server.Persistence;
using EmergencyDispatch.Server.Security;
using Grpc.Core;

namespace EmergencyDispatch.Server.Grpc;

/// <summary>Who is calling: the authenticated caller's name (its key's name, or its token's subject).</summary>
public static class Callers
{
    public const string Anonymous = Rules.AnonymousActor;

    public static string Name(ServerCallContext context) => SecurityInterceptor.CallerOf(context)?.Name ?? Anonymous;

    /// <summary>The call as the event log names it: <c>Service/Method</c> without the package, and the caller.</summary>
    public static CallInfo Call(ServerCallContext context)
    {
        var method = context.Method.TrimStart('/');
        var dot = method.LastIndexOf('.', method.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0 ? slash : method.Length - 1);
        return new CallInfo(dot >= 0 ? method[(dot + 1)..] : method, Name(context));
    }
}
