using System.CommandLine;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Cli.Infrastructure;

namespace EmergencyDispatch.Cli.Commands;

/// <summary><c>dispatchctl admin keys create|list|revoke</c>: API keys, with an admin key.</summary>
public static class AdminCommands
{
    public static Command Create(CliHost host) => new("admin", "Administer the service (admin keys only).")
    {
        new Command("keys", "API keys: create one for a person, a system or a factory; list; revoke.")
        {
            CreateKey(host),
            ListKeys(host),
            RevokeKey(host),
        },
    };

    private static Command CreateKey(CliHost host)
    {
        var name = new Option<string>("--name") { Description = "Who the key speaks for: the submitter of its demand and the actor of its writes.", HelpName = "NAME", Required = true };
        var role = ProtoText.ChoiceOption("--role", "The key's role.", ProtoText.Roles);
        role.Required = true;
        var factory = new Option<string>("--factory") { Description = "For a factory key: the factory it speaks for.", HelpName = "FACTORY_ID" };
        var command = new Command("create", "Create a key; its token is printed once, keep it safe.") { name, role, factory };
        host.SetAction(command, async (context, ct) =>
        {
            var response = await context.Admin.CreateApiKeyAsync(new CreateApiKeyRequest
            {
                Name = context.Get(name)!, Role = context.Get(role)!.Value, FactoryId = context.Get(factory) ?? "",
            }, cancellationToken: ct);
            if (context.Json)
            {
                Output.WriteJson(context.Console, response);
            }
            else
            {
                var k = response.Key;
                context.Console.WriteLine($"key {ProtoText.Number(k.KeyId)} ({ProtoText.Code(k.Role)} {k.Name}{(k.FactoryId.Length > 0 ? " for " + k.FactoryId : "")}); its token, shown only now:");
                context.Console.WriteLine(response.Token);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command ListKeys(CliHost host)
    {
        var revoked = new Option<bool>("--include-revoked") { Description = "Include revoked keys." };
        var paging = new PagingOptions();
        var command = new Command("list", "Keys by id (never their tokens).") { revoked };
        paging.AddTo(command);
        host.SetAction(command, (context, ct) => new PagedList<ListApiKeysResponse, ApiKey>
        {
            Fetch = async (page, token) => await context.Admin.ListApiKeysAsync(new ListApiKeysRequest { Page = page, IncludeRevoked = context.Get(revoked) }, cancellationToken: token),
            Items = r => r.Keys,
            NextPageToken = r => r.NextPageToken,
            ClearNextPageToken = r => r.NextPageToken = "",
            Columns = ["key_id", "name", "role", "factory_id", "created_at", "created_by", "revoked_at"],
            Row = k => [ProtoText.Number(k.KeyId), k.Name, ProtoText.Code(k.Role), k.FactoryId, ProtoText.Time(k.CreatedAt), k.CreatedBy, ProtoText.Time(k.RevokedAt)],
        }.RunAsync(context, paging, ct));
        return command;
    }

    private static Command RevokeKey(CliHost host)
    {
        var id = new Argument<long>("key_id") { Description = "The key to revoke." };
        var command = new Command("revoke", "Revoke a key: calls with it are refused from now on.") { id };
        host.SetAction(command, async (context, ct) =>
        {
            var key = await context.Admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = context.Get(id) }, cancellationToken: ct);
            if (context.Json)
                Output.WriteJson(context.Console, key);
            else
                context.Console.WriteLine($"key {ProtoText.Number(key.KeyId)} ({key.Name}) revoked at {ProtoText.Time(key.RevokedAt)}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
