using System.Security.Claims;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Server.Persistence;
using Grpc.Core;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ApiRole = EmergencyDispatch.Api.V1.Role;

namespace EmergencyDispatch.Tests.Server;

/// <summary>Keys, tokens, the rate limit and a full database, each on its own small database.</summary>
public sealed class SecurityTests : IDisposable
{
    private const string Issuer = "https://idp.example.org";
    private const string Audience = "emergency-dispatch";
    private static readonly byte[] SigningKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private readonly DispatchFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private WebApplicationFactory<Program> With(params (string Key, string Value)[] settings) =>
        _factory.WithWebHostBuilder(b =>
        {
            foreach (var (key, value) in settings)
                b.UseSetting(key, value);
        });

    [Fact]
    public async Task TheFirstAdminKeyIsWrittenForItsUserOnlyAndOnlyOnce()
    {
        var token = _factory.AdminToken;
        var file = Path.ChangeExtension(_factory.DatabasePath, ".admin-key");

        Assert.StartsWith("ed_1_", token, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        // The database keeps only a hash of the secret.
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_factory.DatabasePath};Pooling=False;Mode=ReadOnly"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT secret_sha256 FROM api_key WHERE key_id = 1";
            var stored = (string)command.ExecuteScalar()!;
            Assert.DoesNotContain(stored, token, StringComparison.Ordinal);
            Assert.Equal(64, stored.Length);
        }
        // A second start on the same database makes no new key.
        File.Delete(file);
        using var again = new DispatchFactory(_factory.DatabasePath);
        _ = again.Server;
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task ARevokedKeyIsRefusedFromTheMomentTheRevocationReturns()
    {
        var token = _factory.CreateKey(ApiRole.Auditor, name: "temp");
        using var channel = _factory.CreateChannel(token);
        var audit = new AuditService.AuditServiceClient(channel);
        await audit.GetLedgerHeadAsync(new GetLedgerHeadRequest());

        using var admin = _factory.CreateChannel();
        var keys = new AdminService.AdminServiceClient(admin);
        var key = (await keys.ListApiKeysAsync(new ListApiKeysRequest())).Keys.Single(k => k.Name == "temp");
        var revoked = await keys.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = key.KeyId });

        Assert.NotNull(revoked.RevokedAt);
        var e = await Rpc.Fails(StatusCode.Unauthenticated, () => audit.GetLedgerHeadAsync(new GetLedgerHeadRequest()).ResponseAsync);
        Assert.Contains("revoked", e.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain((await keys.ListApiKeysAsync(new ListApiKeysRequest())).Keys, k => k.Name == "temp");
        Assert.Contains((await keys.ListApiKeysAsync(new ListApiKeysRequest { IncludeRevoked = true })).Keys, k => k.Name == "temp");
        await Rpc.InvalidFields(() => keys.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "x", Role = ApiRole.Factory, FactoryId = "NOPE" }).ResponseAsync, "factory_id");
        await Rpc.InvalidFields(() => keys.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "x", Role = ApiRole.Auditor, FactoryId = "F1" }).ResponseAsync, "factory_id");
        await Rpc.InvalidFields(() => keys.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "", Role = ApiRole.Unspecified }).ResponseAsync, "name", "role");
        await Rpc.Fails(StatusCode.NotFound, () => keys.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = 999 }).ResponseAsync);
    }

    [Fact]
    public async Task TheSubmitterIsTheCallerNeverTheRequest()
    {
        using (var admin = _factory.CreateChannel())
            await Fixtures.RegisterSmallRegistry(new RegistryService.RegistryServiceClient(admin));
        using var channel = _factory.CreateChannel(_factory.CreateKey(ApiRole.Coordinator, name: "hubei"));
        var demand = new DemandService.DemandServiceClient(channel);

        var stored = (await demand.SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("S-1")))).Demands[0];

        Assert.Equal("hubei", stored.Submitter);
        Assert.Equal(DemandStatus.Open, stored.Status);
    }

    [Fact]
    public async Task PastItsRateAKeyGetsResourceExhaustedWithARetryTimeAndOtherKeysGoOn()
    {
        using var app = With(("Dispatch:Security:RequestsPerSecond", "0.5"), ("Dispatch:Security:Burst", "3"));
        var token = DispatchFactory.ReadAdminTokenAfterStart(app, _factory.DatabasePath);
        using var channel = DispatchFactory.CreateChannel(app.Server, token);
        var admin = new AdminService.AdminServiceClient(channel);
        var other = (await admin.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "other", Role = ApiRole.Auditor })).Token;
        await admin.ListApiKeysAsync(new ListApiKeysRequest());
        await admin.ListApiKeysAsync(new ListApiKeysRequest());

        var call = admin.ListApiKeysAsync(new ListApiKeysRequest());
        var e = await Rpc.Fails(StatusCode.ResourceExhausted, () => call.ResponseAsync);
        var retry = call.GetTrailers().GetValue("retry-after-ms");
        using var otherChannel = DispatchFactory.CreateChannel(app.Server, other);
        var head = await new AuditService.AuditServiceClient(otherChannel).GetLedgerHeadAsync(new GetLedgerHeadRequest());

        Assert.Contains("rate limit", e.Status.Detail, StringComparison.Ordinal);
        Assert.InRange(int.Parse(retry!, System.Globalization.CultureInfo.InvariantCulture), 1, 2000);
        Assert.True(head.Seq > 0);
    }

    [Fact]
    public async Task PastItsShareOfRowsAKeysWritesGetResourceExhaustedWithARetryTimeAndReadsAndOtherKeysGoOn()
    {
        // 10,000 rows at once (the least the bucket holds: one largest batch), then one row a second.
        using var app = With(("Dispatch:Security:RowsPerSecond", "1"), ("Dispatch:Security:RowsBurst", "1"));
        var token = DispatchFactory.ReadAdminTokenAfterStart(app, _factory.DatabasePath);
        using var channel = DispatchFactory.CreateChannel(app.Server, token);
        var admin = new AdminService.AdminServiceClient(channel);
        var other = (await admin.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "other", Role = ApiRole.Coordinator })).Token;
        var registry = new RegistryService.RegistryServiceClient(channel);
        static UpsertProductsRequest Products(int count, string prefix) => new()
        {
            Products = { Enumerable.Range(0, count).Select(i => new Product { Sku = $"{prefix}{i}", Name = "item", Unit = "piece" }) },
        };

        var first = await registry.UpsertProductsAsync(Products(9_990, "A"));
        var call = registry.UpsertProductsAsync(Products(20, "B"));
        var e = await Rpc.Fails(StatusCode.ResourceExhausted, () => call.ResponseAsync);
        var retry = call.GetTrailers().GetValue("retry-after-ms");
        var listed = await registry.ListProductsAsync(new ListProductsRequest { Page = new PageRequest { PageSize = 1 } });
        using var otherChannel = DispatchFactory.CreateChannel(app.Server, other);
        var byOther = await new RegistryService.RegistryServiceClient(otherChannel).UpsertProductsAsync(Products(20, "B"));

        Assert.Equal(9_990, first.Created);
        Assert.Contains("share of rows", e.Status.Detail, StringComparison.Ordinal);
        Assert.InRange(int.Parse(retry!, System.Globalization.CultureInfo.InvariantCulture), 1, 60_000);
        Assert.Single(listed.Products);
        Assert.Equal(20, byOther.Created);
    }

    [Fact]
    public async Task CallsWithoutValidCredentialsAreLimitedPerAddressAndAKnownKeyStillPasses()
    {
        using var app = With(("Dispatch:Security:AnonymousPerSecond", "0.5"), ("Dispatch:Security:AnonymousBurst", "3"));
        var admin = DispatchFactory.ReadAdminTokenAfterStart(app, _factory.DatabasePath);
        using var good = DispatchFactory.CreateChannel(app.Server, admin);
        await new AuditService.AuditServiceClient(good).GetLedgerHeadAsync(new GetLedgerHeadRequest());
        using var bad = DispatchFactory.CreateChannel(app.Server, "ed_424242_not-a-secret");
        var audit = new AuditService.AuditServiceClient(bad);

        var first = new List<StatusCode>();
        for (var i = 0; i < 3; i++)
            first.Add((await Rpc.Fails(StatusCode.Unauthenticated, () => audit.GetLedgerHeadAsync(new GetLedgerHeadRequest()).ResponseAsync)).StatusCode);
        var call = audit.GetLedgerHeadAsync(new GetLedgerHeadRequest());
        var limited = await Rpc.Fails(StatusCode.ResourceExhausted, () => call.ResponseAsync);
        using var none = DispatchFactory.CreateChannel(app.Server, "");
        var health = await Rpc.Fails(StatusCode.ResourceExhausted,
            () => new Grpc.Health.V1.Health.HealthClient(none).CheckAsync(new Grpc.Health.V1.HealthCheckRequest()).ResponseAsync);
        var head = await new AuditService.AuditServiceClient(good).GetLedgerHeadAsync(new GetLedgerHeadRequest());

        Assert.Equal(3, first.Count);
        Assert.Contains("without valid credentials from this address", limited.Status.Detail, StringComparison.Ordinal);
        Assert.InRange(int.Parse(call.GetTrailers().GetValue("retry-after-ms")!, System.Globalization.CultureInfo.InvariantCulture), 1, 2000);
        Assert.Contains("without credentials", health.Status.Detail, StringComparison.Ordinal);
        Assert.True(head.Seq > 0);
    }

    [Fact]
    public async Task AnIdThatNamesNoKeyIsRememberedAndMakingAKeyForgetsIt()
    {
        var admin = _factory.AdminToken;
        using var channel = _factory.CreateChannel(admin);
        var keys = new AdminService.AdminServiceClient(channel);
        var store = _factory.Services.GetRequiredService<EmergencyDispatch.Server.Security.ApiKeyStore>();
        // The next key the service makes has id 2: asking for it first must not keep it out once it is made.
        Assert.Null(store.Find("ed_2_guess", cachedOnly: false, out _));
        var made = await keys.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "second", Role = ApiRole.Auditor });
        using var second = _factory.CreateChannel(made.Token);
        var head = await new AuditService.AuditServiceClient(second).GetLedgerHeadAsync(new GetLedgerHeadRequest());
        // Key 50 is written behind the store's back after its id was found to name no key: it is not asked for again.
        const string planted = "ed_50_planted-secret";
        Assert.Null(store.Find(planted, cachedOnly: false, out _));
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_factory.DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO api_key (key_id, name, role, secret_sha256, created_at, created_by) VALUES (50, 'planted', 'admin', $sha, 0, 'test')";
            command.Parameters.AddWithValue("$sha", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("planted-secret"u8)));
            command.ExecuteNonQuery();
        }
        var remembered = store.Find(planted, cachedOnly: false, out _);
        var notLookedUp = store.Find("ed_77_x", cachedOnly: true, out var skipped);

        Assert.Null(remembered);
        Assert.Equal(2, made.Key.KeyId);
        Assert.True(head.Seq > 0);
        Assert.Null(notLookedUp);
        Assert.True(skipped);
    }

    [Fact]
    public async Task PastItsOpenStreamsAKeyGetsResourceExhaustedAndAnotherKeyStillWatches()
    {
        using var app = With(("Dispatch:Security:StreamsPerCaller", "2"));
        var admin = DispatchFactory.ReadAdminTokenAfterStart(app, _factory.DatabasePath);
        using var adminChannel = DispatchFactory.CreateChannel(app.Server, admin);
        await Fixtures.RegisterSmallRegistry(new RegistryService.RegistryServiceClient(adminChannel));
        var keys = new AdminService.AdminServiceClient(adminChannel);
        var f1 = (await keys.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "f1", Role = ApiRole.Factory, FactoryId = "F1" })).Token;
        var f2 = (await keys.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "f2", Role = ApiRole.Factory, FactoryId = "F2" })).Token;
        using var one = DispatchFactory.CreateChannel(app.Server, f1);
        using var two = DispatchFactory.CreateChannel(app.Server, f2);
        var first = new AssignmentService.AssignmentServiceClient(one);

        async Task<AsyncServerStreamingCall<WatchAssignmentsResponse>> Watch(AssignmentService.AssignmentServiceClient client, CancellationToken ct = default)
        {
            var call = client.WatchAssignments(new WatchAssignmentsRequest(), cancellationToken: ct);
            Assert.True(await call.ResponseStream.MoveNext());
            return call;
        }
        using var closing = new CancellationTokenSource();
        using var a = await Watch(first, closing.Token);
        using var b = await Watch(first);
        using var refused = first.WatchAssignments(new WatchAssignmentsRequest());
        var e = await Rpc.Fails(StatusCode.ResourceExhausted, () => refused.ResponseStream.MoveNext());
        using var otherKey = await Watch(new AssignmentService.AssignmentServiceClient(two));
        await closing.CancelAsync();
        // The closed stream's place is given back once its handler has ended.
        AsyncServerStreamingCall<WatchAssignmentsResponse>? reopened = null;
        for (var i = 0; i < 200 && reopened is null; i++)
        {
            try
            {
                reopened = await Watch(first);
            }
            catch (RpcException x) when (x.StatusCode == StatusCode.ResourceExhausted)
            {
                await Task.Delay(50);
            }
        }
        using var _ = reopened;

        Assert.Contains("this caller already holds 2 open streams", e.Status.Detail, StringComparison.Ordinal);
        Assert.NotNull(otherKey.ResponseStream.Current.Synced);
        Assert.NotNull(reopened);
    }

    [Fact]
    public async Task JwtFromTheConfiguredIssuerCarriesRoleAndFactory()
    {
        using var app = With(
            ("Dispatch:Security:Jwt:Issuer", Issuer), ("Dispatch:Security:Jwt:Audience", Audience),
            ("Dispatch:Security:Jwt:SigningKey", Convert.ToBase64String(SigningKey)));
        var admin = DispatchFactory.ReadAdminTokenAfterStart(app, _factory.DatabasePath);
        using (var channel = DispatchFactory.CreateChannel(app.Server, admin))
            await Fixtures.RegisterSmallRegistry(new RegistryService.RegistryServiceClient(channel));

        async Task<Status> Call(string token, Func<CallInvoker, Task> call)
        {
            using var channel = DispatchFactory.CreateChannel(app.Server, token);
            try
            {
                await call(channel.CreateCallInvoker());
                return Status.DefaultSuccess;
            }
            catch (RpcException e)
            {
                return e.Status;
            }
        }
        Task Submit(CallInvoker i) => new DemandService.DemandServiceClient(i).SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("J-1"))).ResponseAsync;
        Task List(CallInvoker i, string factory) => new AssignmentService.AssignmentServiceClient(i).ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = factory }).ResponseAsync;

        var coordinator = Token(("sub", "wuhan-hq"), ("role", "coordinator"));
        Assert.Equal(StatusCode.OK, (await Call(coordinator, Submit)).StatusCode);
        using (var channel = DispatchFactory.CreateChannel(app.Server, admin))
            Assert.Equal("wuhan-hq", (await new DemandService.DemandServiceClient(channel).GetDemandAsync(new GetDemandRequest { RequestId = "J-1", Submitter = "wuhan-hq" })).Submitter);
        var factory = Token(("sub", "f1-line"), ("role", "factory"), ("factory_id", "F1"));
        Assert.Equal(StatusCode.OK, (await Call(factory, i => List(i, "F1"))).StatusCode);
        Assert.Equal(StatusCode.NotFound, (await Call(factory, i => List(i, "F2"))).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Call(Token(("sub", "a"), ("role", "auditor")), Submit)).StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, (await Call(Token(("sub", "x"), ("role", "coordinator")).Replace('.', '!'), Submit)).StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, (await Call(Token(DateTime.UtcNow.AddHours(-2), Issuer, SigningKey, ("sub", "x"), ("role", "coordinator")), Submit)).StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, (await Call(Token(DateTime.UtcNow, "https://elsewhere", SigningKey, ("sub", "x"), ("role", "coordinator")), Submit)).StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, (await Call(Token(DateTime.UtcNow, Issuer, new byte[32], ("sub", "x"), ("role", "coordinator")), Submit)).StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, (await Call(Token(("sub", "x"), ("role", "superuser")), Submit)).StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, (await Call(Token(("sub", "x"), ("role", "factory")), i => List(i, "F1"))).StatusCode);
    }

    [Fact]
    public async Task ATokenWithTwoRolesOrAReservedSubjectIsRefused()
    {
        using var app = With(
            ("Dispatch:Security:Jwt:Issuer", Issuer), ("Dispatch:Security:Jwt:Audience", Audience),
            ("Dispatch:Security:Jwt:SigningKey", Convert.ToBase64String(SigningKey)));
        async Task<RpcException> Refused(string token)
        {
            using var channel = DispatchFactory.CreateChannel(app.Server, token);
            return await Rpc.Fails(StatusCode.Unauthenticated,
                () => new DemandService.DemandServiceClient(channel).ListDemandsAsync(new ListDemandsRequest()).ResponseAsync);
        }

        var twoRoles = await Refused(Token(("sub", "hq"), ("role", "auditor"), ("role", "admin")));
        var seed = await Refused(Token(("sub", "seed"), ("role", "coordinator")));
        var startup = await Refused(Token(("sub", "StartUp"), ("role", "admin")));

        Assert.Equal("the token carries more than one 'role' claim; it must carry one", twoRoles.Status.Detail);
        Assert.Contains("'seed' is reserved", seed.Status.Detail);
        Assert.Contains("'StartUp' is reserved", startup.Status.Detail);
    }

    [Fact]
    public async Task KeyNamesAreNotReservedAndUniqueAmongLiveKeys()
    {
        using var channel = DispatchFactory.CreateChannel(_factory.Server, _factory.AdminToken);
        var admin = new AdminService.AdminServiceClient(channel);
        Task<CreateApiKeyResponse> Create(string name) => admin.CreateApiKeyAsync(new CreateApiKeyRequest { Name = name, Role = Role.Coordinator }).ResponseAsync;

        foreach (var reserved in new[] { "seed", "Seed", "startup", "anonymous" })
            await Rpc.InvalidFields(() => Create(reserved), "name");
        var first = await Create("hubei-hq");
        await Rpc.InvalidFields(() => Create("hubei-hq"), "name");
        await Rpc.InvalidFields(() => Create("HUBEI-HQ"), "name");
        // The first admin key's name is taken too.
        await Rpc.InvalidFields(() => Create("admin"), "name");
        await admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = first.Key.KeyId });
        var again = await Create("hubei-hq");

        Assert.NotEqual(first.Key.KeyId, again.Key.KeyId);
    }

    [Fact]
    public async Task APageTokenLongerThanAnyTheServiceMakesIsRefusedUndecoded()
    {
        using var channel = DispatchFactory.CreateChannel(_factory.Server, _factory.AdminToken);
        var registry = new RegistryService.RegistryServiceClient(channel);
        await Fixtures.RegisterSmallRegistry(registry);
        // Well formed (one key, as a product page's token holds) but longer than any key the service stores.
        var forged = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(new string('A', 10_000))).TrimEnd('=');

        var e = await Rpc.Fails(StatusCode.InvalidArgument,
            () => registry.ListProductsAsync(new ListProductsRequest { Page = new PageRequest { PageToken = forged } }).ResponseAsync);

        Assert.Equal(["page.page_token"], Rpc.Fields(e));
        Assert.DoesNotContain("AAAA", e.Status.Detail);
    }

    private static string Token(params (string Type, string Value)[] claims) => Token(DateTime.UtcNow, Issuer, SigningKey, claims);

    private static string Token(DateTime issued, string issuer, byte[] key, params (string Type, string Value)[] claims) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = Audience,
            IssuedAt = issued,
            NotBefore = issued,
            Expires = issued.AddHours(1),
            Subject = new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value))),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
        });

    [Fact]
    public async Task ACancelledCallStopsTheLedgerCheckItStarted()
    {
        using (var channel = _factory.CreateChannel())
            await Fixtures.RegisterSmallRegistry(new RegistryService.RegistryServiceClient(channel));
        var audit = _factory.Services.GetRequiredService<AuditStore>();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        Assert.True(audit.Verify(null).Ok);
        Assert.ThrowsAny<OperationCanceledException>(() => audit.Verify(null, cancelled.Token));
    }

    [Fact]
    public async Task AFullDatabaseRefusesWritesClearlyKeepsReadingAndTakesWritesAgainWhenThereIsRoom()
    {
        using var channel = _factory.CreateChannel();
        await Fixtures.RegisterSmallRegistry(new RegistryService.RegistryServiceClient(channel));
        var demand = new DemandService.DemandServiceClient(channel);
        await demand.SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("FULL-0")));
        var database = _factory.Services.GetRequiredService<Database>();

        // The file may not grow: a batch that needs new pages is refused.
        database.MaxSizeBytes = new FileInfo(_factory.DatabasePath).Length;
        var big = Fixtures.Batch(Enumerable.Range(1, 2000).Select(i => Fixtures.Line($"FULL-{i}")).ToArray());
        var e = await Rpc.Fails(StatusCode.ResourceExhausted, () => demand.SubmitDemandsAsync(big).ResponseAsync);
        var read = await demand.GetDemandAsync(new GetDemandRequest { RequestId = "FULL-0", Submitter = "admin" });
        database.MaxSizeBytes = 0;
        var stored = await demand.SubmitDemandsAsync(big);

        Assert.Contains("out of space", e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(100, read.Line.Quantity);
        Assert.Equal(2000, stored.Created);
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_factory.DatabasePath};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM demand";
        Assert.Equal(2001L, (long)command.ExecuteScalar()!);
    }
}
