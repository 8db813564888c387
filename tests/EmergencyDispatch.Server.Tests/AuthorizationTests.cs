using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Server.Security;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;
using ApiRole = EmergencyDispatch.Api.V1.Role;
using Role = EmergencyDispatch.Server.Security.Role;

namespace EmergencyDispatch.Tests.Server;

/// <summary>
/// Every RPC of every mapped service, called with every kind of credential: the status each gets, and that a refused
/// call changes nothing. The calls are made from the services' descriptors, so an RPC added later is in the matrix too.
/// </summary>
public sealed class AuthorizationTests(ITestOutputHelper output) : IDisposable
{
    // Hundreds of calls with no, bad or revoked credentials from one address: past the address's budget for them
    // (SecurityTests covers it) the matrix would read RESOURCE_EXHAUSTED instead of each call's own status.
    private readonly DispatchFactory _factory = new(settings: new Dictionary<string, string> { ["Dispatch:Security:AnonymousBurst"] = "100000" });

    public void Dispose() => _factory.Dispose();

    private static readonly ServiceDescriptor[] Services =
    [
        RegistryService.Descriptor, DemandService.Descriptor, PlanningService.Descriptor, AssignmentService.Descriptor,
        AuditService.Descriptor, AdminService.Descriptor, Grpc.Health.V1.Health.Descriptor,
        Grpc.Reflection.V1Alpha.ServerReflection.Descriptor,
    ];

    private static IEnumerable<MethodDescriptor> Methods => Services.SelectMany(s => s.Methods);

    private static string PathOf(MethodDescriptor m) => $"/{m.Service.FullName}/{m.Name}";

    [Fact]
    public void EveryMethodOfEveryMappedServiceHasARule()
    {
        Assert.All(Methods, m => Assert.NotNull(AccessPolicy.For(PathOf(m))));
    }

    private enum Credential
    {
        None,
        Bad,
        Revoked,
        Admin,
        Coordinator,
        FactoryOwn,
        FactoryOther,
        Auditor,
    }

    [Fact]
    public async Task EveryRpcTimesEveryCredentialGetsItsStatusAndRefusedCallsChangeNothing()
    {
        using (var admin = _factory.CreateChannel())
            await Fixtures.RegisterSmallRegistry(new RegistryService.RegistryServiceClient(admin));
        var revoked = _factory.CreateKey(ApiRole.Coordinator, name: "gone");
        using (var admin = _factory.CreateChannel())
        {
            var keys = new AdminService.AdminServiceClient(admin);
            var id = (await keys.ListApiKeysAsync(new ListApiKeysRequest())).Keys.Single(k => k.Name == "gone").KeyId;
            await keys.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = id });
        }
        var tokens = new Dictionary<Credential, string>
        {
            [Credential.None] = "",
            [Credential.Bad] = "ed_1_not-the-secret",
            [Credential.Revoked] = revoked,
            [Credential.Admin] = _factory.AdminToken,
            [Credential.Coordinator] = _factory.CreateKey(ApiRole.Coordinator, name: "coord"),
            [Credential.FactoryOwn] = _factory.CreateKey(ApiRole.Factory, "F1", "f1"),
            [Credential.FactoryOther] = _factory.CreateKey(ApiRole.Factory, "F2", "f2"),
            [Credential.Auditor] = _factory.CreateKey(ApiRole.Auditor, name: "audit"),
        };

        var checkedCalls = 0;
        foreach (var method in Methods)
        {
            var rule = AccessPolicy.For(PathOf(method))!;
            foreach (var (credential, token) in tokens)
            {
                var before = Fingerprint();
                using var channel = _factory.CreateChannel(token);
                var status = await CallAsync(channel.CreateCallInvoker(), method);
                var expected = Expected(rule, credential);
                var what = $"{PathOf(method)} as {credential}: {status.StatusCode} {status.Detail}";
                if (expected is { } code)
                {
                    Assert.True(code == status.StatusCode, $"expected {code}; {what}");
                    Assert.True(before == Fingerprint(), $"a refused call changed stored data; {what}");
                }
                else
                {
                    Assert.True(status.StatusCode is not (StatusCode.Unauthenticated or StatusCode.PermissionDenied or StatusCode.Unknown or StatusCode.Internal), what);
                }
                checkedCalls++;
            }
        }
        output.WriteLine($"{checkedCalls} calls: {Methods.Count()} methods x {tokens.Count} credentials");
    }

    /// <summary>The status a call must get, or null when it is let through (its own validation decides).</summary>
    private static StatusCode? Expected(AccessRule rule, Credential credential)
    {
        if (rule.Open)
            return null;
        if (credential is Credential.None or Credential.Bad or Credential.Revoked)
            return StatusCode.Unauthenticated;
        var role = credential switch
        {
            Credential.Admin => Role.Admin,
            Credential.Coordinator => Role.Coordinator,
            Credential.Auditor => Role.Auditor,
            _ => Role.Factory,
        };
        if (!rule.Allows(role))
            return StatusCode.PermissionDenied;
        // Every request below names F1; the key of F2 may not see it, and is told it does not exist.
        if (rule.FactoryScoped && credential == Credential.FactoryOther)
            return StatusCode.NotFound;
        return null;
    }

    /// <summary>Calls the method with a request that names factory F1 and assignment/plan/demand 1 (and an unknown key) where it has such fields.</summary>
    private static async Task<Status> CallAsync(CallInvoker invoker, MethodDescriptor method)
    {
        var request = method.InputType.Parser.ParseFrom(ByteString.Empty);
        foreach (var field in method.InputType.Fields.InFieldNumberOrder())
        {
            if (field.Name == "factory_id" && field.FieldType == FieldType.String)
                field.Accessor.SetValue(request, "F1");
            else if (field.Name.EndsWith("_id", StringComparison.Ordinal) && field.FieldType == FieldType.Int64 && !field.IsRepeated)
                field.Accessor.SetValue(request, field.Name == "key_id" ? 999_999L : 1L); // never the keys the matrix calls with
        }
        var marshaller = Marshallers.Create<IMessage>(m => m.ToByteArray(), bytes => method.OutputType.Parser.ParseFrom(bytes));
        var requestMarshaller = Marshallers.Create<IMessage>(m => m.ToByteArray(), bytes => method.InputType.Parser.ParseFrom(bytes));
        var type = (method.IsClientStreaming, method.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (false, true) => MethodType.ServerStreaming,
            (true, false) => MethodType.ClientStreaming,
            _ => MethodType.DuplexStreaming,
        };
        var grpcMethod = new Method<IMessage, IMessage>(type, method.Service.FullName, method.Name, requestMarshaller, marshaller);
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(5));
        try
        {
            switch (type)
            {
                case MethodType.Unary:
                    using (var call = invoker.AsyncUnaryCall(grpcMethod, null, options, request))
                        await call.ResponseAsync;
                    break;
                case MethodType.ServerStreaming:
                    // A watch never ends by itself: the first message (or status) is enough.
                    using (var call = invoker.AsyncServerStreamingCall(grpcMethod, null, options.WithDeadline(DateTime.UtcNow.AddSeconds(2)), request))
                        await call.ResponseStream.MoveNext();
                    break;
                default:
                    using (var call = invoker.AsyncDuplexStreamingCall(grpcMethod, null, options))
                        return await DuplexStatusAsync(call, request);
            }
            return Status.DefaultSuccess;
        }
        catch (RpcException e)
        {
            return e.Status;
        }
    }

    /// <summary>
    /// Sends one request on a duplex call and reads it to its end: the status is the one in the call's trailers.
    /// A refused call is ended by the server before it reads the request; a write that comes later fails on the client
    /// side, as CANCELLED when the client has not yet read the trailers (a race that load decides), so the writes'
    /// failures are not the call's status.
    /// </summary>
    private static async Task<Status> DuplexStatusAsync(AsyncDuplexStreamingCall<IMessage, IMessage> call, IMessage request)
    {
        try
        {
            await call.RequestStream.WriteAsync(request);
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException or IOException)
        {
            // The call is over already; its status follows from the response stream.
        }
        try
        {
            while (await call.ResponseStream.MoveNext())
            {
            }
            return call.GetStatus();
        }
        catch (RpcException e)
        {
            return e.Status;
        }
    }

    [Fact]
    public async Task ADuplexCallWhoseWriteLostTheRaceWithTheRefusalReportsTheStatusOfItsTrailers()
    {
        // What the client sees when its write is still under way as the server ends the call: the write fails as
        // CANCELLED, the trailers say UNAUTHENTICATED.
        var refused = new Status(StatusCode.Unauthenticated, "unknown or revoked API key");
        using var call = new AsyncDuplexStreamingCall<IMessage, IMessage>(
            new FailingWriter(new RpcException(new Status(StatusCode.Cancelled, "Call canceled by the client."))),
            new EndedReader(new RpcException(refused)),
            Task.FromResult(new Metadata()), () => refused, () => [], () => { });

        var status = await DuplexStatusAsync(call, new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });

        Assert.Equal(StatusCode.Unauthenticated, status.StatusCode);
    }

    private sealed class FailingWriter(Exception failure) : IClientStreamWriter<IMessage>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(IMessage message) => Task.FromException(failure);

        public Task CompleteAsync() => Task.FromException(failure);
    }

    private sealed class EndedReader(Exception end) : IAsyncStreamReader<IMessage>
    {
        public IMessage Current => throw new InvalidOperationException("no message");

        public Task<bool> MoveNext(CancellationToken cancellationToken) => Task.FromException<bool>(end);
    }

    /// <summary>What a refused call must not change: the rows of every table that holds the service's data.</summary>
    private string Fingerprint()
    {
        using var connection = new SqliteConnection($"Data Source={_factory.DatabasePath};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT COUNT(*) FROM event) || '/' || (SELECT COUNT(*) FROM api_key WHERE revoked_at IS NULL) || '/' ||
                   (SELECT COUNT(*) FROM demand) || '/' || (SELECT COUNT(*) FROM plan) || '/' || (SELECT COUNT(*) FROM availability) || '/' ||
                   (SELECT COUNT(*) FROM assignment_change) || '/' || (SELECT COUNT(*) FROM rejection)
            """;
        return (string)command.ExecuteScalar()!;
    }
}
