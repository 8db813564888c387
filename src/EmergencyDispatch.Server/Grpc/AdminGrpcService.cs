using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Server.Security;
using EmergencyDispatch.Server.Grpc.Mapping;
using Grpc.Core;
using ApiRole = EmergencyDispatch.Api.V1.Role;
using Role = EmergencyDispatch.Server.Security.Role;

namespace EmergencyDispatch.Server.Grpc;

/// <summary>API keys, for admin callers: create (the secret is returned once), list, revoke.</summary>
public sealed class AdminGrpcService(ApiKeyStore keys) : AdminService.AdminServiceBase
{
    public override async Task<CreateApiKeyResponse> CreateApiKey(CreateApiKeyRequest request, ServerCallContext context)
    {
        var v = new List<Violation>();
        Rules.Add(v, "name", Rules.CheckKeyName(request.Name));
        Role? role = request.Role switch
        {
            ApiRole.Admin => Role.Admin,
            ApiRole.Coordinator => Role.Coordinator,
            ApiRole.Factory => Role.Factory,
            ApiRole.Auditor => Role.Auditor,
            _ => null,
        };
        if (role is null)
            v.Add(new Violation("role", "must be ADMIN, COORDINATOR, FACTORY or AUDITOR"));
        if (role == Role.Factory)
            Rules.Add(v, "factory_id", Rules.CheckId(request.FactoryId));
        else if (request.FactoryId.Length > 0)
            v.Add(new Violation("factory_id", "only a factory key speaks for a factory"));
        GrpcErrors.ThrowIfAny(v);
        var result = await keys.CreateAsync(request.Name, role!.Value, role == Role.Factory ? request.FactoryId : null, Callers.Call(context), context.CancellationToken);
        if (result.Violations.Count > 0)
            throw GrpcErrors.InvalidArgument(result.Violations);
        var (key, token) = result.Value;
        return new CreateApiKeyResponse { Key = KeyMapping.ToApi(key), Token = token };
    }

    public override Task<CallerInfo> GetCaller(GetCallerRequest request, ServerCallContext context)
    {
        var caller = SecurityInterceptor.CallerOf(context) ?? throw new InvalidOperationException("GetCaller ran without an authenticated caller");
        return Task.FromResult(new CallerInfo
        {
            Name = caller.Name,
            Role = KeyMapping.ToApi(caller.Role),
            FactoryId = caller.FactoryId ?? "",
        });
    }

    public override Task<ListApiKeysResponse> ListApiKeys(ListApiKeysRequest request, ServerCallContext context)
    {
        var (size, after) = Paging.ReadNumber(request.Page);
        var afterId = after ?? 0;
        var page = keys.List(afterId, request.IncludeRevoked, size);
        return Task.FromResult(new ListApiKeysResponse { Keys = { page.Items.Select(KeyMapping.ToApi) }, NextPageToken = Paging.Token(page) });
    }

    public override async Task<ApiKey> RevokeApiKey(RevokeApiKeyRequest request, ServerCallContext context)
    {
        if (request.KeyId <= 0)
            GrpcErrors.ThrowInvalid("key_id", "must be a key id (greater than 0)");
        var row = await keys.RevokeAsync(request.KeyId, Callers.Call(context), context.CancellationToken)
            ?? GrpcErrors.ThrowNotFound<ApiKeyRow>($"key {request.KeyId} does not exist");
        return KeyMapping.ToApi(row);
    }

}
