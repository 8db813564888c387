using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EmergencyDispatch.Api.V1;
using Google.Api;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using EmergencyDispatch.Server.Extensions;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using Status = Google.Rpc.Status;

namespace EmergencyDispatch.Tests.Server;

/// <summary>
/// The HTTP/JSON face of the API (JSON transcoding): every route the protos' <c>google.api.http</c> options name
/// answers as its gRPC method does, with the same security, and errors a JSON client can read.
/// </summary>
public sealed class HttpApiTests : IDisposable
{
    private static readonly ServiceDescriptor[] Services = ApiCalls.Services;

    private static readonly TypeRegistry Details = TypeRegistry.FromMessages(BadRequest.Descriptor, ErrorInfo.Descriptor, RetryInfo.Descriptor);

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithTypeRegistry(Details).WithIgnoreUnknownFields(false));

    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
            owned.Dispose();
    }

    /// <summary>
    /// Two hosts built alike take the same calls in the same order, one over gRPC and one over HTTP/JSON, through
    /// every binding of every method (so none is missed), and give the same answers: the same messages, or the same
    /// status with the same details. Only what differs between any two hosts is left out of the comparison: times,
    /// durations (solve times in seconds among them), secrets and the ledger's hashes (which cover the times).
    /// </summary>
    [Fact]
    public async Task EveryRouteOfTheProtosAnswersAsItsGrpcMethod()
    {
        var methods = Services.SelectMany(s => s.Methods).ToList();
        var unrouted = methods.Where(m => Rule(m) is null).Select(ApiCalls.Name).ToList();
        Assert.True(unrouted.Count == 0, "methods without a google.api.http route: " + string.Join(", ", unrouted));
        Assert.DoesNotContain(methods, m => m.IsClientStreaming);

        var (grpcHost, grpcToken) = Start();
        var (httpHost, httpToken) = Start();
        using var channel = DispatchFactory.CreateChannel(grpcHost.Server, grpcToken);
        using var httpChannel = DispatchFactory.CreateChannel(httpHost.Server, httpToken);
        var grpcBases = ApiCalls.BaseRequests(await ApiCalls.Prepare(channel));
        var httpBases = ApiCalls.BaseRequests(await ApiCalls.Prepare(httpChannel));
        using var http = Client(httpHost, httpToken);

        var compared = 0;
        var differences = new List<string>();
        foreach (var method in methods)
        {
            var rule = Rule(method)!;
            foreach (var binding in new[] { rule }.Concat(rule.AdditionalBindings))
            {
                var viaGrpc = await CallGrpc(channel, method, grpcBases[ApiCalls.Name(method)]());
                var viaHttp = await CallHttp(http, method, binding, httpBases[ApiCalls.Name(method)]());
                compared++;
                var (verb, path) = Pattern(binding);
                if (Normalised(viaGrpc) != Normalised(viaHttp))
                    differences.Add($"{verb} {path} ({ApiCalls.Name(method)}):\n  gRPC {Normalised(viaGrpc)}\n  HTTP {Normalised(viaHttp)}");
            }
        }
        Assert.True(differences.Count == 0, string.Join("\n", differences));
        Assert.True(compared >= methods.Count, $"{compared} routes compared");
    }

    [Fact]
    public async Task ABadRequestIs400WithItsFieldViolations()
    {
        var (host, token) = Start();
        using var http = Client(host, token);
        var response = await http.PutAsync("/v1/products", Json("""{"products":[{"sku":"","name":"Mask","unit":"piece"}]}"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var status = Parser.Parse<Status>(await response.Content.ReadAsStringAsync());
        Assert.Equal((int)Code.InvalidArgument, status.Code);
        var badRequest = status.Details.Single().Unpack<BadRequest>();
        Assert.Equal("products[0].sku", badRequest.FieldViolations.Single().Field);

        // JSON that is not a message of the request's type is a bad request too, and nothing is stored.
        var broken = await http.PutAsync("/v1/products", Json("""{"products":[{"sku":"""));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Equal((int)Code.InvalidArgument, Parser.Parse<Status>(await broken.Content.ReadAsStringAsync()).Code);
        var listed = Parser.Parse<ListProductsResponse>(await http.GetStringAsync("/v1/products"));
        Assert.Empty(listed.Products);

        var missing = await http.GetAsync("/v1/products/NO-SUCH-SKU");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task NoKeyIs401AndAWrongRoleIs403()
    {
        var (host, token) = Start();
        using var anonymous = Client(host, "");
        var response = await anonymous.GetAsync("/v1/products");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal((int)Code.Unauthenticated, Parser.Parse<Status>(await response.Content.ReadAsStringAsync()).Code);

        using var wrong = Client(host, "ed_999_not-a-real-secret");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/v1/products")).StatusCode);

        using var channel = DispatchFactory.CreateChannel(host.Server, token);
        var auditor = (await new AdminService.AdminServiceClient(channel).CreateApiKeyAsync(new CreateApiKeyRequest { Name = "auditor", Role = Role.Auditor })).Token;
        using var reader = Client(host, auditor);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/v1/products")).StatusCode);
        var refused = await reader.PutAsync("/v1/products", Json("""{"products":[{"sku":"MASK","name":"Mask","unit":"piece"}]}"""));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal((int)Code.PermissionDenied, Parser.Parse<Status>(await refused.Content.ReadAsStringAsync()).Code);
    }

    [Fact]
    public async Task AFactoryKeyReadsOnlyItsOwnRowsOverHttp()
    {
        var (host, token) = Start();
        using var channel = DispatchFactory.CreateChannel(host.Server, token);
        await ApiCalls.Prepare(channel);
        var f1 = (await new AdminService.AdminServiceClient(channel).CreateApiKeyAsync(new CreateApiKeyRequest { Name = "f1", Role = Role.Factory, FactoryId = "F1" })).Token;
        using var factory = Client(host, f1);

        var own = Parser.Parse<ListAssignmentsResponse>(await factory.GetStringAsync("/v1/factories/F1/assignments"));
        Assert.NotEmpty(own.Assignments);
        Assert.All(own.Assignments, a => Assert.Equal("F1", a.FactoryId));

        // Another factory's rows are NOT_FOUND, exactly as a factory that does not exist.
        var other = await factory.GetAsync("/v1/factories/F2/assignments");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        var none = await factory.GetAsync("/v1/factories/NO-SUCH/assignments");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Equal(Parser.Parse<Status>(await none.Content.ReadAsStringAsync()).Message.Replace("NO-SUCH", "F2", StringComparison.Ordinal),
            Parser.Parse<Status>(await other.Content.ReadAsStringAsync()).Message);
        var acknowledged = await factory.PostAsync($"/v1/factories/F2/assignments/{own.Assignments[0].AssignmentId}:acknowledge", Json("""{"decision":"DECISION_ACCEPT"}"""));
        Assert.Equal(HttpStatusCode.NotFound, acknowledged.StatusCode);
        // A coordinator's view of the rejections is every factory's; the factory's own is its own.
        var rejections = Parser.Parse<ListRejectionsResponse>(await factory.GetStringAsync("/v1/rejections"));
        Assert.All(rejections.Rejections, r => Assert.Equal("F1", r.FactoryId));
    }

    [Fact]
    public async Task SixtyFourBitIntegersAreStringsAndAStreamIsOneJsonObjectALine()
    {
        var (host, token) = Start();
        using var channel = DispatchFactory.CreateChannel(host.Server, token);
        await ApiCalls.Prepare(channel);
        using var http = Client(host, token);
        using var demands = JsonDocument.Parse(await http.GetStringAsync("/v1/demands?page.pageSize=1"));
        Assert.Equal(JsonValueKind.String, demands.RootElement.GetProperty("demands")[0].GetProperty("demandId").ValueKind);

        var response = await http.PostAsync("/v1/plans", Json("""{"startDate":"2020-02-03","horizonDays":5,"planner":"PLANNER_GREEDY"}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var progress = lines.Select(l => Parser.Parse<CreatePlanProgress>(l)).ToList();
        Assert.Equal(CreatePlanProgress.EventOneofCase.Plan, progress[^1].EventCase);
        Assert.True(progress[^1].Plan.PlanId > 0);
    }

    [Fact]
    public async Task TheOpenApiDocumentListsEveryRouteWithTheProtoComments()
    {
        var (host, _) = Start();
        using var anonymous = Client(host, "");
        using var document = JsonDocument.Parse(await anonymous.GetStringAsync(HttpApi.OpenApiPath));
        var paths = document.RootElement.GetProperty("paths");
        var missing = new List<string>();
        foreach (var method in Services.SelectMany(s => s.Methods))
        {
            var rule = Rule(method)!;
            foreach (var binding in new[] { rule }.Concat(rule.AdditionalBindings))
            {
                var (verb, path) = Pattern(binding);
                var openApiPath = Regex.Replace(path, @"\{([a-z_]+)\}", m => "{" + JsonName(m.Groups[1].Value) + "}");
                if (!paths.TryGetProperty(openApiPath, out var item) || !item.TryGetProperty(verb.ToLowerInvariant(), out _))
                    missing.Add($"{verb} {openApiPath}");
            }
        }
        Assert.True(missing.Count == 0, "not in the OpenAPI document: " + string.Join(", ", missing));
        // The descriptions are the proto comments.
        var getPlan = paths.GetProperty("/v1/plans/{planId}").GetProperty("get");
        Assert.StartsWith("Returns a stored plan's summary", getPlan.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Served by Kestrel on real sockets: the JSON port speaks HTTP/1.1 (so plain curl works), the gRPC port stays
    /// h2c, and the JSON port's health answers for load balancers.
    /// </summary>
    [Fact]
    public async Task TheJsonPortIsHttp1AndTheGrpcPortStaysH2c()
    {
        var (grpcPort, httpPort) = EmergencyDispatch.Benchmarks.LoopbackPorts.TwoFree();
        var factory = Own(new DispatchFactory(settings: new Dictionary<string, string>
        {
            ["urls"] = $"http://127.0.0.1:{grpcPort}",
            ["Dispatch:Http:Urls"] = $"http://127.0.0.1:{httpPort}",
        }));
        factory.UseKestrel();
        factory.StartServer();

        using var http1 = new HttpClient { DefaultRequestVersion = HttpVersion.Version11, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var health = await http1.GetAsync($"http://127.0.0.1:{httpPort}/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(new Version(1, 1), health.Version);
        var products = await http1.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{httpPort}/v1/products")
        {
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", DispatchFactory.ReadAdminToken(factory.DatabasePath)) },
        });
        Assert.Equal(HttpStatusCode.OK, products.StatusCode);

        // The gRPC port: HTTP/1.1 is refused there, gRPC answers.
        var refused = await http1.GetAsync($"http://127.0.0.1:{grpcPort}/healthz");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        var serving = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, serving.Status);
    }

    [Fact]
    public void TheJsonPortNeedsAPortOfItsOwn()
    {
        static IConfiguration Settings(params (string Key, string Value)[] values) =>
            new ConfigurationBuilder().AddInMemoryCollection(values.ToDictionary(v => v.Key, v => (string?)v.Value)).Build();

        var defaults = Settings();
        Assert.Equal([5080], HttpApi.Listen(defaults));
        Assert.Equal("http://localhost:5000;http://localhost:5080", defaults["urls"]);

        var off = Settings(("Dispatch:Http:Urls", ""), ("urls", "http://0.0.0.0:8080"));
        Assert.Empty(HttpApi.Listen(off));
        Assert.Equal("http://0.0.0.0:8080", off["urls"]);

        var shared = Settings(("Dispatch:Http:Urls", "http://localhost:5000"));
        var e = Assert.Throws<InvalidOperationException>(() => HttpApi.Listen(shared));
        Assert.Contains("port 5000", e.Message, StringComparison.Ordinal);
    }

    // ---- helpers ----

    private static HttpRule? Rule(MethodDescriptor m) => m.GetOptions()?.GetExtension(AnnotationsExtensions.Http);

    private static (string Verb, string Path) Pattern(HttpRule rule) => rule.PatternCase switch
    {
        HttpRule.PatternOneofCase.Get => ("GET", rule.Get),
        HttpRule.PatternOneofCase.Post => ("POST", rule.Post),
        HttpRule.PatternOneofCase.Put => ("PUT", rule.Put),
        HttpRule.PatternOneofCase.Delete => ("DELETE", rule.Delete),
        HttpRule.PatternOneofCase.Patch => ("PATCH", rule.Patch),
        _ => throw new NotSupportedException($"pattern {rule.PatternCase}"),
    };

    private static string JsonName(string protoName) => Regex.Replace(protoName, "_([a-z0-9])", m => m.Groups[1].Value.ToUpperInvariant());

    /// <summary>A host with the rate limits out of the way (a test of routes, not of limits), logging only warnings.</summary>
    private (WebApplicationFactory<Program> Host, string Token) Start()
    {
        var factory = Own(new DispatchFactory());
        var host = Own(factory.WithWebHostBuilder(b =>
        {
            b.UseSetting("Dispatch:Security:RequestsPerSecond", "1000000");
            b.UseSetting("Dispatch:Security:Burst", "1000000");
            b.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        }));
        return (host, DispatchFactory.ReadAdminTokenAfterStart(host, factory.DatabasePath));
    }

    private T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private HttpClient Client(WebApplicationFactory<Program> host, string token)
    {
        var client = Own(host.CreateClient());
        if (token.Length > 0)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>What a call answered: its messages (a stream's in order), or its status.</summary>
    private sealed record Answer(IReadOnlyList<IMessage> Messages, Status? Error);

    private static async Task<Answer> CallGrpc(GrpcChannel channel, MethodDescriptor m, IMessage request)
    {
        var invoker = channel.CreateCallInvoker();
        var method = new Method<IMessage, IMessage>(
            m.IsServerStreaming ? MethodType.ServerStreaming : MethodType.Unary, m.Service.FullName, m.Name,
            Marshallers.Create<IMessage>(r => r.ToByteArray(), _ => throw new NotSupportedException()),
            Marshallers.Create(_ => throw new NotSupportedException(), b => m.OutputType.Parser.ParseFrom(b)));
        try
        {
            if (!m.IsServerStreaming)
                return new([await invoker.AsyncUnaryCall(method, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(60)), request)], null);
            using var cancel = new CancellationTokenSource();
            using var call = invoker.AsyncServerStreamingCall(method, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(60), cancellationToken: cancel.Token), request);
            var messages = new List<IMessage>();
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                messages.Add(call.ResponseStream.Current);
                // A watch never ends: its first message is the answer.
                if (IsWatch(m))
                    break;
            }
            return new(messages, null);
        }
        catch (RpcException e)
        {
            return new([], e.GetRpcStatus() ?? new Status { Code = (int)e.StatusCode, Message = e.Status.Detail });
        }
    }

    private static bool IsWatch(MethodDescriptor m) => m.Name.StartsWith("Watch", StringComparison.Ordinal);

    /// <summary>
    /// Calls a route as a JSON client would: the fields its path names in the path, the rest in the body ("*") or in
    /// the query string (nested fields dotted, repeated ones repeated).
    /// </summary>
    private static async Task<Answer> CallHttp(HttpClient http, MethodDescriptor m, HttpRule rule, IMessage request)
    {
        var (verb, template) = Pattern(rule);
        using var json = JsonDocument.Parse(JsonFormatter.Default.Format(request));
        var inPath = new HashSet<string>(StringComparer.Ordinal);
        var path = Regex.Replace(template, @"\{([a-z_]+)\}", match =>
        {
            var name = JsonName(match.Groups[1].Value);
            inPath.Add(name);
            return json.RootElement.TryGetProperty(name, out var value) ? Uri.EscapeDataString(Text(value)) : "";
        });
        var message = new HttpRequestMessage(new HttpMethod(verb), path);
        if (rule.Body == "*")
            message.Content = Json(JsonFormatter.Default.Format(request));
        else
        {
            var query = new List<string>();
            foreach (var property in json.RootElement.EnumerateObject().Where(p => !inPath.Contains(p.Name)))
                Flatten(property.Name, property.Value, query);
            if (query.Count > 0)
                message.RequestUri = new Uri(path + "?" + string.Join('&', query), UriKind.Relative);
        }
        using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var status = Parser.Parse<Status>(await response.Content.ReadAsStringAsync());
            Assert.True(HttpStatusOf((Code)status.Code) == response.StatusCode, $"{verb} {path}: {response.StatusCode} for {(Code)status.Code}");
            return new([], status);
        }
        var messages = new List<IMessage>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
                continue;
            messages.Add(Parser.Parse(line, m.OutputType));
            if (IsWatch(m))
                break;
        }
        return new(messages, null);
    }

    private static void Flatten(string name, JsonElement value, List<string> query)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in value.EnumerateObject())
                    Flatten(name + "." + p.Name, p.Value, query);
                break;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                    Flatten(name, item, query);
                break;
            default:
                query.Add(Uri.EscapeDataString(name) + "=" + Uri.EscapeDataString(Text(value)));
                break;
        }
    }

    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    /// <summary>The HTTP status of each gRPC status, as google.rpc.Code documents it.</summary>
    private static HttpStatusCode HttpStatusOf(Code code) => code switch
    {
        Code.InvalidArgument or Code.FailedPrecondition or Code.OutOfRange => HttpStatusCode.BadRequest,
        Code.Unauthenticated => HttpStatusCode.Unauthorized,
        Code.PermissionDenied => HttpStatusCode.Forbidden,
        Code.NotFound => HttpStatusCode.NotFound,
        Code.AlreadyExists or Code.Aborted => HttpStatusCode.Conflict,
        Code.ResourceExhausted => HttpStatusCode.TooManyRequests,
        Code.Cancelled => (HttpStatusCode)499,
        Code.Unimplemented => HttpStatusCode.NotImplemented,
        Code.Unavailable => HttpStatusCode.ServiceUnavailable,
        Code.DeadlineExceeded => HttpStatusCode.GatewayTimeout,
        _ => HttpStatusCode.InternalServerError,
    };

    /// <summary>
    /// An answer as text for comparison, without what differs between any two hosts given the same calls: times and
    /// durations (solve times), API key secrets and the ledger's hashes.
    /// </summary>
    private static string Normalised(Answer answer)
    {
        if (answer.Error is { } error)
            return $"status {(Code)error.Code}: {error.Message} {JsonFormatter.Default.Format(new Status { Details = { error.Details } })}";
        return string.Join("\n", answer.Messages.Select(m =>
        {
            var copy = m.Descriptor.Parser.ParseFrom(m.ToByteString());
            Clear(copy);
            return JsonFormatter.Default.Format(copy);
        }));
    }

    private static void Clear(IMessage message)
    {
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            if (field.FieldType == FieldType.Message)
            {
                var type = field.MessageType.FullName;
                if (type is "google.protobuf.Timestamp" or "google.protobuf.Duration")
                {
                    if (!field.IsRepeated)
                        field.Accessor.Clear(message);
                    continue;
                }
                if (field.IsMap)
                    continue;
                if (field.IsRepeated)
                {
                    foreach (var item in (System.Collections.IList)field.Accessor.GetValue(message))
                        Clear((IMessage)item);
                }
                else if (field.Accessor.GetValue(message) is IMessage inner)
                    Clear(inner);
            }
            else if (!field.IsRepeated && (field.FieldType == FieldType.String && field.Name is "token" or "hash" or "prev_hash" or "plan_hash"
                || field.FieldType == FieldType.Double && field.Name == "seconds"))
                field.Accessor.Clear(message);
        }
    }
}
