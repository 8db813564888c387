using Grpc.Core;

namespace EmergencyDispatch.Server.Grpc;

/// <summary>Who is calling: the authenticated principal's name, or "anonymous" where no authentication is configured.</summary>
public static class Callers
{
    public const string Anonymous = "anonymous";

    public static string Name(ServerCallContext context) =>
        context.GetHttpContext().User.Identity?.Name is { Length: > 0 } name ? name : Anonymous;
}
