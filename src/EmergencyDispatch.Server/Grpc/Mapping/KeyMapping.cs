using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Server.Security;
using ApiRole = EmergencyDispatch.Api.V1.Role;
using Role = EmergencyDispatch.Server.Security.Role;

namespace EmergencyDispatch.Server.Grpc.Mapping;

/// <summary>API keys as the API shows them (never their secret).</summary>
public static class KeyMapping
{
    public static ApiRole ToApi(Role role) => role switch
    {
        Role.Admin => ApiRole.Admin,
        Role.Coordinator => ApiRole.Coordinator,
        Role.Factory => ApiRole.Factory,
        Role.Auditor => ApiRole.Auditor,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "not a role"),
    };

    public static ApiKey ToApi(ApiKeyRow r)
    {
        var key = new ApiKey
        {
            KeyId = r.KeyId,
            Name = r.Name,
            Role = Caller.ParseRole(r.Role) is { } role ? ToApi(role) : throw new FormatException($"'{r.Role}' is not a stored role"),
            FactoryId = r.FactoryId ?? "",
            CreatedAt = ApiValues.Time(r.CreatedAt),
            CreatedBy = r.CreatedBy,
        };
        if (r.RevokedAt is { } revoked)
            key.RevokedAt = ApiValues.Time(revoked);
        return key;
    }
}
