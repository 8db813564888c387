namespace EmergencyDispatch.Server.Security;

/// <summary>The roles a key or token can have; see the README's security model.</summary>
public enum Role
{
    Admin,
    Coordinator,
    Factory,
    Auditor,
}

/// <summary>
/// An authenticated caller: the name that becomes the submitter of its demand and the actor of its events, its role,
/// the factory a factory caller speaks for, and what its requests are counted against by the rate limit.
/// </summary>
public sealed record Caller(string Name, Role Role, string? FactoryId, string Partition)
{
    public static string RoleName(Role role) => role switch
    {
        Role.Admin => "admin",
        Role.Coordinator => "coordinator",
        Role.Factory => "factory",
        _ => "auditor",
    };

    public static Role? ParseRole(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "admin" => Role.Admin,
        "coordinator" => Role.Coordinator,
        "factory" => Role.Factory,
        "auditor" => Role.Auditor,
        _ => null,
    };
}
