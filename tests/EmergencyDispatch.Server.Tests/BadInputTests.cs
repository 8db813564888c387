using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using EmergencyDispatch.Api.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using ErrorText = EmergencyDispatch.Planning.Model.ErrorText;

namespace EmergencyDispatch.Tests.Server;

/// <summary>
/// Generated bad input on every RPC of the API. Each call starts from a valid request and replaces one or two fields
/// (nested ones and the items of batches included) with hostile values drawn from a fixed seed. Whatever comes in,
/// the service answers with a status a client can act on (never UNKNOWN, INTERNAL or DATA_LOSS), names the offending
/// field when it refuses the input, and is still healthy afterwards with an intact database.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private const int Seed = 20_200_203;

    /// <summary>Generated calls over all RPCs, at least.</summary>
    private const int MinimumCalls = 10_000;

    /// <summary>Calls per RPC unless <see cref="Budgets"/> says otherwise.</summary>
    private const int DefaultBudget = 300;

    /// <summary>RPCs that solve or recompute (slow) get fewer calls; cheap reads fill the total.</summary>
    private static readonly Dictionary<string, int> Budgets = new(StringComparer.Ordinal)
    {
        ["PlanningService/CreatePlan"] = 40,
        ["AuditService/ReplayPlan"] = 150,
        ["AuditService/VerifyLedger"] = 150,
        // Its request has no fields: only unknown ones can be added.
        ["AuditService/GetLedgerHead"] = 50,
    };

    /// <summary>More than the service takes (16 MB).</summary>
    private const int OversizedChars = 17 * 1024 * 1024;

    /// <summary>More items than a batch may hold (10,000).</summary>
    private const int ManyItems = 10_001;

    /// <summary>More values than one SQLite statement takes as parameters (32,766).</summary>
    private const int ManyFilterItems = 40_000;

    /// <summary>Largest status details a client is sure to take: gRPC C-core refuses trailers from 8 KB, grpc-dotnet past 64 KB.</summary>
    private const int MaxDetailsBase64 = 8 * 1024;

    /// <summary>How a mutation that adds fields the schema does not know is described.</summary>
    private const string UnknownFields = "unknown fields";

    /// <summary>Calls slower than this are listed in the output.</summary>
    private static readonly TimeSpan SlowCall = TimeSpan.FromSeconds(1);

    private static readonly StatusCode[] Forbidden = [StatusCode.Unknown, StatusCode.Internal, StatusCode.DataLoss];

    /// <summary>Outcomes a valid or invalid request may have; INVALID_ARGUMENT is checked further.</summary>
    private static readonly HashSet<StatusCode> Acceptable =
    [
        StatusCode.OK, StatusCode.InvalidArgument, StatusCode.NotFound, StatusCode.AlreadyExists, StatusCode.FailedPrecondition,
        StatusCode.ResourceExhausted, StatusCode.PermissionDenied, StatusCode.DeadlineExceeded, StatusCode.Cancelled,
    ];

    /// <summary>Every service the API assembly describes, found from its proto files, so that a new one is fuzzed (or fails for want of base requests).</summary>
    private static readonly ServiceDescriptor[] Services = ApiCalls.Services;

    private readonly ITestOutputHelper _output;
    private readonly DispatchFactory _factory = new();
    private readonly ServerErrors _serverErrors = new();
    private readonly WebApplicationFactory<Program> _host;
    private readonly GrpcChannel _channel;

    public BadInputTests(ITestOutputHelper output)
    {
        _output = output;
        // The per-key rate limit would turn most of thousands of quick calls into RESOURCE_EXHAUSTED and test nothing.
        _host = _factory.WithWebHostBuilder(b =>
        {
            b.UseSetting("Dispatch:Security:RequestsPerSecond", "1000000");
            b.UseSetting("Dispatch:Security:Burst", "1000000");
            b.UseSetting("Dispatch:Security:RowsPerSecond", "100000000");
            b.UseSetting("Dispatch:Security:RowsBurst", "100000000");
            // Thousands of refusals logged to the console would take longer than the calls; errors are collected instead.
            b.ConfigureLogging(l => l.ClearProviders().AddProvider(_serverErrors));
        });
        _channel = DispatchFactory.CreateChannel(_host.Server, DispatchFactory.ReadAdminToken(_factory.DatabasePath));
    }

    public void Dispose()
    {
        _channel.Dispose();
        _factory.Dispose();
    }

    [Fact]
    public async Task GeneratedBadInputOnEveryRpcNeverFailsInternallyAndLeavesTheServiceHealthy()
    {
        var started = Stopwatch.StartNew();
        var state = await ApiCalls.Prepare(_channel);
        var bases = ApiCalls.BaseRequests(state);
        Assert.Superset(new HashSet<string>(["RegistryService", "DemandService", "PlanningService", "AssignmentService", "AuditService", "AdminService"]),
            Services.Select(s => s.Name).ToHashSet());
        var methods = Services.SelectMany(s => s.Methods).ToList();
        var missing = methods.Select(Name).Where(n => !bases.ContainsKey(n)).ToList();
        Assert.True(missing.Count == 0, "no valid base request for " + string.Join(", ", missing));

        // Every base request is valid as it stands: a refusal below comes from what was changed.
        foreach (var method in methods)
        {
            var (code, error, _) = await Invoke(method, new Outgoing(bases[Name(method)](), []));
            Assert.True(code == StatusCode.OK, $"the base request of {Name(method)} got {code}: {error?.Status.Detail}");
        }

        var rng = new Random(Seed);
        var mutator = new Mutator(rng, state);
        var schedule = methods.SelectMany(m => Enumerable.Repeat(m, Budgets.GetValueOrDefault(Name(m), DefaultBudget))).ToArray();
        rng.Shuffle(schedule);
        Assert.True(schedule.Length >= MinimumCalls, $"only {schedule.Length} calls scheduled");

        var tally = new Tally();
        var failures = new List<string>();
        var unrelated = new SortedSet<string>(StringComparer.Ordinal);
        var setup = started.Elapsed;
        var fuzzing = Stopwatch.StartNew();
        for (var n = 0; n < schedule.Length; n++)
        {
            var method = schedule[n];
            var name = Name(method);
            Outgoing request;
            List<string> mutations;
            do
            {
                var message = bases[name]();
                mutations = mutator.Mutate(message, out var suffix);
                request = new Outgoing(message, suffix);
            }
            while (name == "AdminService/RevokeApiKey" && ((RevokeApiKeyRequest)request.Message).KeyId == state.AdminKeyId);

            var (code, error, elapsed) = await Invoke(method, request);
            tally.Add(name, code, elapsed);
            var what = $"#{n} {name} [{string.Join("; ", mutations)}] -> {code}";
            if (elapsed > SlowCall)
                _output.WriteLine($"slow call, {elapsed.TotalMilliseconds:0} ms: {what}");
            if (!Acceptable.Contains(code))
            {
                failures.Add($"{what}: {error?.Status.Detail}");
                continue;
            }
            // Over a real HTTP/2 connection a large status trailer fails the call on the client's side instead.
            if (error?.Trailers.GetValueBytes("grpc-status-details-bin") is { } details && (details.Length + 2) / 3 * 4 > MaxDetailsBase64)
                failures.Add($"{what}: status details of {details.Length} bytes, more than a client takes in a trailer");
            if (code != StatusCode.InvalidArgument)
                continue;
            var fields = Rpc.Fields(error!);
            if (fields.Count == 0)
            {
                failures.Add($"{what}: INVALID_ARGUMENT without a BadRequest naming a field ({error!.Status.Detail})");
                continue;
            }
            foreach (var field in fields.Where(f => !Resolves(request.Message, f)))
                failures.Add($"{what}: the BadRequest names '{field}', which is no field of {method.InputType.Name}");
            var mutated = mutations.Where(m => !m.StartsWith(UnknownFields, StringComparison.Ordinal)).Select(Top).ToHashSet(StringComparer.Ordinal);
            if (!fields.Any(f => mutated.Contains(Top(f))))
                unrelated.Add($"{name}: mutated {string.Join(", ", mutated.Order(StringComparer.Ordinal))}; named {string.Join(", ", fields.Select(Top).Distinct().Order(StringComparer.Ordinal))}");
        }

        // Past the largest message the service takes, the transport refuses the call before any handler sees it.
        foreach (var service in Services)
        {
            var method = service.Methods.First(m => bases[Name(m)]() is var message && FirstString(message) is not null);
            var message = bases[Name(method)]();
            var field = FirstString(message)!;
            field.Value.Field.Accessor.SetValue(field.Value.Owner, new string('x', OversizedChars));
            var (code, error, elapsed) = await Invoke(method, new Outgoing(message, []));
            tally.Add(Name(method), code, elapsed);
            if (code != StatusCode.ResourceExhausted)
                failures.Add($"{Name(method)} with a {OversizedChars}-character {field.Value.Field.Name} -> {code}, not RESOURCE_EXHAUSTED: {error?.Status.Detail}");
        }
        fuzzing.Stop();

        // The service still answers, and the database is intact.
        var health = await new Health.HealthClient(_channel).CheckAsync(new HealthCheckRequest { Service = "" });
        var demands = await new DemandService.DemandServiceClient(_channel).ListDemandsAsync(new ListDemandsRequest { Page = new PageRequest { PageSize = 5 } });
        string integrity;
        using (var connection = new SqliteConnection($"Data Source={_factory.DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA integrity_check";
            integrity = (string)command.ExecuteScalar()!;
        }

        Report(tally, setup, fuzzing.Elapsed, unrelated);
        Assert.True(failures.Count == 0, $"{failures.Count} calls failed their checks (seed {Seed}):\n" + string.Join("\n", failures.Take(40)));
        Assert.True(tally.Total >= MinimumCalls, $"only {tally.Total} generated calls");
        Assert.DoesNotContain(tally.Codes.Keys, c => Array.IndexOf(Forbidden, c) >= 0);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        Assert.NotEmpty(demands.Demands);
        Assert.Equal("ok", integrity);
        Assert.True(_serverErrors.Entries.IsEmpty, "the service logged errors:\n" + string.Join("\n", _serverErrors.Entries.Take(20)));
    }

    /// <summary>Characters of the over-long values put in every string field.</summary>
    private const int LongChars = 20_000;

    /// <summary>Most bytes of trailers gRPC C-core takes by default (HTTP/2's count: name, value and 32 bytes per entry).</summary>
    private const int MaxTrailerBytes = 8 * 1024;

    [Fact]
    public async Task OverLongTextInEveryStringFieldGetsAStatusEveryClientReads()
    {
        var bases = ApiCalls.BaseRequests(await ApiCalls.Prepare(_channel));
        string[] values = [new string('x', LongChars), string.Concat(Enumerable.Repeat("界", LongChars))];
        // As the admin, and as a factory: its key's checks see the request first (a factory_id that is not its own).
        var factoryKey = await new AdminService.AdminServiceClient(_channel).CreateApiKeyAsync(new CreateApiKeyRequest { Name = "f1-long", Role = Role.Factory, FactoryId = "F1" });
        using var factory = DispatchFactory.CreateChannel(_host.Server, factoryKey.Token);
        (string Name, GrpcChannel Channel)[] callers = [("admin", _channel), ("factory F1", factory)];
        var failures = new List<string>();
        var calls = 0;
        var fields = 0;
        var largest = (Bytes: 0, What: "");
        foreach (var method in Services.SelectMany(s => s.Methods))
        {
            foreach (var (path, set) in StringFields(bases[Name(method)]()))
            {
                fields++;
                foreach (var (value, caller) in values.SelectMany(v => callers.Select(c => (v, c))))
                {
                    var message = bases[Name(method)]();
                    set(message, value);
                    var (code, error, _) = await Invoke(method, new Outgoing(message, []), caller.Channel);
                    calls++;
                    var what = $"{Name(method)} as {caller.Name} with {value.Length} × '{value[0]}' in {path} -> {code}";
                    if (Array.IndexOf(Forbidden, code) >= 0)
                        failures.Add($"{what}: {error?.Status.Detail}");
                    if (error is null)
                        continue;
                    var bytes = TrailerBytes(error);
                    if (bytes > largest.Bytes)
                        largest = (bytes, what);
                    if (bytes > MaxTrailerBytes)
                        failures.Add($"{what}: {bytes} bytes of trailers, more than a client with an 8 KB limit reads");
                    if (error.Status.Detail.Contains(value[..(ErrorText.MaxQuoted + 1)], StringComparison.Ordinal))
                        failures.Add($"{what}: the message quotes more than {ErrorText.MaxQuoted} characters of the value");
                }
            }
        }

        _output.WriteLine($"{calls} calls over {fields} string fields of {Services.Sum(s => s.Methods.Count)} RPCs; the largest status, {largest.Bytes} bytes of trailers: {largest.What}");
        Assert.True(fields >= 60, $"only {fields} string fields found");
        Assert.True(failures.Count == 0, $"{failures.Count} calls failed their checks:\n" + string.Join("\n", failures.Take(40)));
    }

    [Fact]
    public async Task EveryMethodAnswersARequestThatIsNoMessageWithInvalidArgument()
    {
        var bases = ApiCalls.BaseRequests(await ApiCalls.Prepare(_channel));
        // Malformed whatever the message: a wire type that does not exist, a field longer than what follows, an eleven-byte varint.
        byte[][] garbage = [[0x0F], [0x0A, 0x05, 0x61], [.. Enumerable.Repeat((byte)0xFF, 11)]];
        var methods = Services.SelectMany(s => s.Methods).Select(m => (Method: m, Base: bases[Name(m)]))
            .Append((Health.Descriptor.FindMethodByName("Check"), (Func<IMessage>)(() => new HealthCheckRequest())))
            .ToList();
        var failures = new List<string>();
        foreach (var (method, request) in methods)
        {
            foreach (var bytes in garbage)
            {
                var (code, error, _) = await Invoke(method, new Outgoing(request(), bytes));
                var expected = $"the request is not a valid {method.InputType.Name}";
                if (code != StatusCode.InvalidArgument || error!.Status.Detail != expected)
                    failures.Add($"{Name(method)} + [{Convert.ToHexString(bytes)}] -> {code}: {error?.Status.Detail}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {methods.Count * garbage.Length} calls:\n" + string.Join("\n", failures));
    }

    /// <summary>
    /// Every string field a request can carry, found from its descriptor so that a new field cannot escape: its path and
    /// how to set it on a fresh request (in the first item of a list, or a sub-message, made when absent).
    /// </summary>
    private static List<(string Path, Action<IMessage, string> Set)> StringFields(IMessage sample)
    {
        var fields = new List<(string, Action<IMessage, string>)>();
        void Walk(MessageDescriptor type, string prefix, Func<IMessage, IMessage> reach, int depth)
        {
            foreach (var field in type.Fields.InFieldNumberOrder().Where(f => !f.IsMap))
            {
                var path = prefix + field.Name;
                if (field.FieldType == FieldType.String && field.IsRepeated)
                {
                    fields.Add((path + "[0]", (m, v) =>
                    {
                        var items = (IList)field.Accessor.GetValue(reach(m));
                        if (items.Count == 0)
                            items.Add(v);
                        else
                            items[0] = v;
                    }));
                }
                else if (field.FieldType == FieldType.String)
                {
                    fields.Add((path, (m, v) => field.Accessor.SetValue(reach(m), v)));
                }
                else if (field.FieldType == FieldType.Message && depth < 4 && field.MessageType.File != Timestamp.Descriptor.File && field.MessageType.File != Duration.Descriptor.File)
                {
                    Walk(field.MessageType, path + (field.IsRepeated ? "[0]." : "."), m => Inner(reach(m), field), depth + 1);
                }
            }
        }
        Walk(sample.Descriptor, "", m => m, 0);
        return fields;
    }

    /// <summary>The sub-message of a field (its first item for a list), made when there is none.</summary>
    private static IMessage Inner(IMessage owner, FieldDescriptor field)
    {
        if (field.IsRepeated)
        {
            var items = (IList)field.Accessor.GetValue(owner);
            if (items.Count == 0)
                items.Add(field.MessageType.Parser.ParseFrom(ByteString.Empty));
            return (IMessage)items[0]!;
        }
        if (field.Accessor.GetValue(owner) is not IMessage inner)
        {
            inner = field.MessageType.Parser.ParseFrom(ByteString.Empty);
            field.Accessor.SetValue(owner, inner);
        }
        return inner;
    }

    /// <summary>What a status costs in trailers as HTTP/2 counts it, its message percent-encoded as gRPC sends it.</summary>
    private static int TrailerBytes(RpcException error)
    {
        static int Entry(string name, int valueBytes) => name.Length + valueBytes + 32;
        var bytes = Entry("grpc-status", 2) + Entry("grpc-message", Encoding.UTF8.GetBytes(error.Status.Detail).Sum(b => b is < 0x20 or > 0x7E or (byte)'%' ? 3 : 1));
        foreach (var entry in error.Trailers.Where(e => e.Key is not ("grpc-status" or "grpc-message")))
            bytes += Entry(entry.Key, entry.IsBinary ? (entry.ValueBytes.Length + 2) / 3 * 4 : Encoding.UTF8.GetByteCount(entry.Value));
        return bytes;
    }

    private static string Name(MethodDescriptor m) => ApiCalls.Name(m);

    /// <summary>A request as sent: the message, then optional bytes of fields the schema does not know.</summary>
    private sealed record Outgoing(IMessage Message, byte[] Unknown);

    private static readonly ConcurrentDictionary<string, Method<Outgoing, IMessage>> MethodCache = new(StringComparer.Ordinal);

    private static Method<Outgoing, IMessage> MethodOf(MethodDescriptor m) => MethodCache.GetOrAdd(Name(m), _ => new Method<Outgoing, IMessage>(
        m.IsServerStreaming ? MethodType.ServerStreaming : MethodType.Unary, m.Service.FullName, m.Name,
        Marshallers.Create<Outgoing>(o => [.. o.Message.ToByteArray(), .. o.Unknown], _ => throw new NotSupportedException()),
        Marshallers.Create(_ => throw new NotSupportedException(), b => m.OutputType.Parser.ParseFrom(b))));

    /// <summary>Makes one call; a watch is read until its first message (or its end) and then left.</summary>
    private async Task<(StatusCode Code, RpcException? Error, TimeSpan Elapsed)> Invoke(MethodDescriptor m, Outgoing request, GrpcChannel? channel = null)
    {
        var invoker = (channel ?? _channel).CreateCallInvoker();
        var watch = Stopwatch.StartNew();
        try
        {
            if (!m.IsServerStreaming)
            {
                using var unary = invoker.AsyncUnaryCall(MethodOf(m), null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30)), request);
                await unary.ResponseAsync;
            }
            else if (!m.Name.StartsWith("Watch", StringComparison.Ordinal))
            {
                // A stream that ends (CreatePlan: queued, steps, the plan) is read to its end.
                using var stream = invoker.AsyncServerStreamingCall(MethodOf(m), null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30)), request);
                while (await stream.ResponseStream.MoveNext(CancellationToken.None))
                {
                }
            }
            else
            {
                // A watch never ends: its first message (or its refusal) is the answer, then the call is left.
                using var stream = invoker.AsyncServerStreamingCall(MethodOf(m), null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(2)), request);
                await stream.ResponseStream.MoveNext(CancellationToken.None);
            }
            return (StatusCode.OK, null, watch.Elapsed);
        }
        catch (RpcException e)
        {
            return (e.StatusCode, e, watch.Elapsed);
        }
    }

    /// <summary>The top-level field a path such as <c>lines[3].sku</c> or <c>page.page_size=…</c> starts with.</summary>
    private static string Top(string path)
    {
        var end = path.IndexOfAny(['.', '[', '=', '+']);
        return end < 0 ? path : path[..end];
    }

    /// <summary>Whether a field path of a violation names a field of the request (or a oneof), with its indexes inside the items sent.</summary>
    private static bool Resolves(IMessage request, string path)
    {
        IMessage? current = request;
        var parts = path.Split('.');
        for (var p = 0; p < parts.Length; p++)
        {
            var part = parts[p];
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            var name = bracket < 0 ? part : part[..bracket];
            if (current is null)
                return false;
            var field = current.Descriptor.FindFieldByName(name);
            if (field is null)
                return p == parts.Length - 1 && bracket < 0 && current.Descriptor.Oneofs.Any(o => o.Name == name);
            if (bracket >= 0)
            {
                if (!field.IsRepeated || !part.EndsWith(']')
                    || !int.TryParse(part[(bracket + 1)..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                    return false;
                var items = (IList)field.Accessor.GetValue(current);
                if (index >= items.Count)
                    return false;
                current = items[index] as IMessage;
            }
            else
            {
                current = field.FieldType == FieldType.Message && !field.IsRepeated ? field.Accessor.GetValue(current) as IMessage : null;
                if (p < parts.Length - 1 && current is null)
                    current = field.FieldType == FieldType.Message ? field.MessageType.Parser.ParseFrom(ByteString.Empty) : null;
            }
        }
        return true;
    }

    /// <summary>The first string field of a request, at the top or in its first item or sub-message.</summary>
    private static (IMessage Owner, FieldDescriptor Field)? FirstString(IMessage message)
    {
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            if (field.FieldType == FieldType.String && !field.IsRepeated)
                return (message, field);
            if (field.FieldType == FieldType.Message && field.IsRepeated && field.Accessor.GetValue(message) is IList { Count: > 0 } items
                && FirstString((IMessage)items[0]!) is { } inItem)
                return inItem;
        }
        return null;
    }

    private void Report(Tally tally, TimeSpan setup, TimeSpan fuzzing, IReadOnlyCollection<string> unrelated)
    {
        var forbidden = Forbidden.Sum(c => tally.Codes.GetValueOrDefault(c));
        _output.WriteLine($"{tally.Total} generated bad inputs over {tally.PerRpc.Count} RPCs, {forbidden} UNKNOWN/INTERNAL/DATA_LOSS (seed {Seed})");
        _output.WriteLine($"setup {setup.TotalSeconds:0.0} s, calls {fuzzing.TotalSeconds:0.0} s");
        _output.WriteLine("status codes: " + string.Join(", ", tally.Codes.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value}")));
        _output.WriteLine("");
        _output.WriteLine($"{"rpc",-40} {"calls",6} {"total s",7} {"max ms",7}  status codes");
        foreach (var (rpc, codes) in tally.PerRpc.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            _output.WriteLine($"{rpc,-40} {codes.Values.Sum(),6} {tally.Spent[rpc].TotalSeconds,7:0.0} {tally.Slowest[rpc].TotalMilliseconds,7:0}  "
                + string.Join(", ", codes.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value}")));
        }
        if (unrelated.Count > 0)
        {
            _output.WriteLine("");
            _output.WriteLine($"INVALID_ARGUMENT naming another field than the mutated ones ({unrelated.Count} kinds):");
            foreach (var line in unrelated)
                _output.WriteLine("  " + line);
        }
        _output.WriteLine("");
        _output.WriteLine($"refusals the service logged as errors: {_serverErrors.Refusals}");
        if (!_serverErrors.Entries.IsEmpty)
        {
            _output.WriteLine("");
            _output.WriteLine("errors the service logged:");
            foreach (var entry in _serverErrors.Entries.Take(20))
                _output.WriteLine("  " + entry);
        }
    }

    /// <summary>Calls per RPC and per status code.</summary>
    private sealed class Tally
    {
        public SortedDictionary<string, Dictionary<StatusCode, int>> PerRpc { get; } = new(StringComparer.Ordinal);

        public Dictionary<StatusCode, int> Codes { get; } = [];

        public Dictionary<string, TimeSpan> Slowest { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, TimeSpan> Spent { get; } = new(StringComparer.Ordinal);

        public int Total { get; private set; }

        public void Add(string rpc, StatusCode code, TimeSpan elapsed)
        {
            if (!PerRpc.TryGetValue(rpc, out var codes))
                PerRpc[rpc] = codes = [];
            codes[code] = codes.GetValueOrDefault(code) + 1;
            Codes[code] = Codes.GetValueOrDefault(code) + 1;
            if (elapsed > Slowest.GetValueOrDefault(rpc))
                Slowest[rpc] = elapsed;
            Spent[rpc] = Spent.GetValueOrDefault(rpc) + elapsed;
            Total++;
        }
    }

    /// <summary>Replaces one or two fields of a request (at any depth) with values chosen by a seeded generator.</summary>
    private sealed class Mutator
    {
        private const int MaxDepth = 3;

        private static readonly long[] Longs =
        [
            0, -1, 1, 2, 3, long.MaxValue, long.MinValue, long.MaxValue - 1, int.MaxValue, int.MinValue, (long)int.MaxValue + 1,
            1_000_000_000, 1_000_000_001, 987_654_321, -987_654_321, 253_402_300_799, 253_402_300_800, -62_135_596_800, -62_135_596_801,
        ];

        private static readonly int[] Ints =
            [0, -1, 1, 2, 14, 90, 91, 365, 366, 367, 999, 1000, 1001, 10_000, 999_999_999, 1_000_000_000, int.MaxValue, int.MinValue, int.MaxValue - 1];

        private static readonly double[] Doubles =
        [
            double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 0, -1, 1, 1.5, 10, 10.000001, 100, 100.5, 1e9, 1e9 + 1,
            double.MaxValue, double.MinValue, double.Epsilon, -double.Epsilon, 1e-300, 0.1,
        ];

        private static readonly string[] Texts =
        [
            "", " ", "   ", new('x', 100_000), new('a', 64), new('a', 65), new('n', 201), new('u', 33), new('r', 501), "A", "x",
            "\0", "a\0b", "line\nbreak", "tab\there", "\r\n", "\u0007bell", "\u001f", "\u007f", "Ünïcødé", "口罩", "🚑🚒", "\u202Eevil",
            "\uFEFFbom", "\uD800", "e\u0301", "'; DROP TABLE demand; --", "' OR '1'='1", "\" OR 1=1 --", "%", "_", "%_%", "*", "NULL", "null",
            "../../etc/passwd", "${jndi:ldap://x/a}", "<script>alert(1)</script>", "1e309", "-0", "NaN", "0x10", "ed_1_secret",
        ];

        private static readonly string[] Dates =
        [
            "2020-13-45", "20200101", "yesterday", "2020-02-30", "2020-2-3", "2021-02-29", "2024-02-29", "0001-01-01", "1999-12-31", "2000-01-01",
            "2199-12-31", "2200-01-01", "9999-12-31", "2020-02-03T00:00:00Z", " 2020-02-03", "2020-02-03 ", "２０２０-０２-０３", "2020/02/03",
            "03-02-2020", "2020-02-05", "2020-02-10", "2020-03-01", "2021-03-02", "-2020-02-03", "+2020-02-03", "2020-02-03\0",
        ];

        private static readonly string[] Ids =
        [
            "F1", "F2", "MASK", "SUIT", "R1", "R2", "R3", "NOPE", "f1", "mask", "F1 ", " F1", "F1\n", "a.b_c-d", "..", "-", "D-1", "D-5",
            "D-CANCEL", "rep-1", "rep-2", "fuzz", "spare", "f1-line", "startup", "seed", "anonymous", "Ｆ１",
            "DemandService/SubmitDemands", "AssignmentService/ReportProduction", "demandservice/submitdemands",
            new('0', 64), new('a', 64), new('A', 64), new('f', 63),
        ];

        private readonly Random _rng;
        private readonly long[] _existing;
        private readonly string[] _tokens;
        private readonly string[] _names;

        public Mutator(Random rng, ApiState state)
        {
            _rng = rng;
            _existing = [.. state.DemandIds, state.ActivePlanId, state.DraftPlanId, .. state.AssignmentIds, state.Version, state.Version + 1,
                .. state.KeyIds, state.Head.Seq, state.Head.Seq + 1];
            _names = [state.AdminName, state.Head.Hash, state.Head.Hash.ToUpperInvariant()];
            static string Token(params string[] keys) =>
                Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Join('\u001f', keys))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            _tokens =
            [
                .. state.Tokens, Token("-1"), Token("abc"), Token("1", "2"), Token("F1", "x"), Token("F1", "1", "2"), Token("F1", "-1", "1"),
                Token("99999999999999999999"), Token(""), Token("1", ""), Token("9223372036854775807"), Token("0"), Token("MASK", "F1"),
                Token("F1", "MASK"), Token("2020-02-03", "F1"), Token("' OR 1=1 --"), "!!!!", "A", "AA", "AAAA", "====", "_-_-", "a b", "%00",
                Convert.ToBase64String([0xff, 0xfe, 0xfd]),
            ];
        }

        /// <summary>Applies one or two mutations; describes each as path=value. Sometimes adds fields the schema does not know.</summary>
        public List<string> Mutate(IMessage message, out byte[] unknown)
        {
            unknown = [];
            var descriptions = new List<string>();
            if (message.Descriptor.Fields.InFieldNumberOrder().Count == 0 || _rng.Next(40) == 0)
            {
                unknown = UnknownFields();
                descriptions.Add($"{UnknownFields} ({unknown.Length} bytes)");
                if (message.Descriptor.Fields.InFieldNumberOrder().Count == 0)
                    return descriptions;
            }
            var count = _rng.Next(10) < 6 ? 1 : 2;
            for (var i = 0; i < count; i++)
                descriptions.Add(MutateOnce(message, "", 0));
            return descriptions;
        }

        private byte[] UnknownFields()
        {
            using var stream = new MemoryStream();
            using (var output = new CodedOutputStream(stream, leaveOpen: true))
            {
                switch (_rng.Next(4))
                {
                    case 0:
                        output.WriteTag(999, WireFormat.WireType.Varint);
                        output.WriteInt64(long.MinValue);
                        break;
                    case 1:
                        output.WriteTag(1000, WireFormat.WireType.LengthDelimited);
                        output.WriteBytes(ByteString.CopyFrom(new byte[_rng.Next(1, 5000)]));
                        break;
                    case 2:
                        // A known field number with the wrong wire type.
                        output.WriteTag(1, WireFormat.WireType.Fixed32);
                        output.WriteFixed32(0xdeadbeef);
                        break;
                    default:
                        output.WriteTag(536_870_911, WireFormat.WireType.Fixed64);
                        output.WriteFixed64(ulong.MaxValue);
                        break;
                }
            }
            return stream.ToArray();
        }

        private string MutateOnce(IMessage message, string prefix, int depth)
        {
            var fields = message.Descriptor.Fields.InFieldNumberOrder();
            if (fields.Count == 0)
                return prefix + "(no fields)";
            var field = fields[_rng.Next(fields.Count)];
            var path = prefix + field.Name;
            if (field.IsRepeated)
            {
                var items = (IList)field.Accessor.GetValue(message);
                if (field.FieldType == FieldType.Message && depth < MaxDepth && _rng.Next(2) == 0)
                {
                    if (items.Count == 0)
                        items.Add(NewMessage(field));
                    var i = _rng.Next(items.Count);
                    return MutateOnce((IMessage)items[i]!, $"{path}[{i}].", depth + 1);
                }
                return MutateItems(field, items, path);
            }
            if (field.FieldType == FieldType.Message)
            {
                var sub = field.Accessor.GetValue(message) as IMessage;
                if (depth < MaxDepth && _rng.Next(10) < 7)
                {
                    if (sub is null)
                    {
                        sub = NewMessage(field);
                        field.Accessor.SetValue(message, sub);
                    }
                    return MutateOnce(sub, path + ".", depth + 1);
                }
                if (sub is null || _rng.Next(2) == 0)
                {
                    field.Accessor.SetValue(message, NewMessage(field));
                    return path + "={}";
                }
                field.Accessor.Clear(message);
                return path + "=unset";
            }
            if (field.HasPresence && _rng.Next(8) == 0)
            {
                field.Accessor.Clear(message);
                return path + "=unset";
            }
            var value = Value(field);
            field.Accessor.SetValue(message, value);
            return $"{path}={Show(value)}";
        }

        /// <summary>Empties a repeated field, repeats items, adds one, replaces one, or makes it hold more than a batch may.</summary>
        private string MutateItems(FieldDescriptor field, IList items, string path)
        {
            var roll = _rng.Next(100);
            if (roll < 15)
            {
                items.Clear();
                return path + "=[]";
            }
            if (roll < 35 && items.Count > 0)
            {
                var i = _rng.Next(items.Count);
                items.Add(Copy(items[i]!));
                return $"{path}+=copy of [{i}]";
            }
            if (roll < 50)
            {
                items.Add(NewItem(field));
                return path + "+=new";
            }
            if (roll < 70 && items.Count > 0)
            {
                var i = _rng.Next(items.Count);
                var item = NewItem(field);
                items[i] = item;
                return $"{path}[{i}]={(item is IMessage ? "{}" : Show(item))}";
            }
            if (roll < 95 && items.Count > 0)
            {
                var copies = _rng.Next(2, 50);
                for (var k = 0; k < copies; k++)
                    items.Add(Copy(items[_rng.Next(items.Count)]!));
                return $"{path}+={copies} copies";
            }
            // Past the batch limit; a scalar list (a filter) also past SQLite's 32,766 parameters of one statement.
            var count = field.FieldType == FieldType.Message || _rng.Next(2) == 0 ? ManyItems : ManyFilterItems;
            var first = items.Count > 0 ? items[0]! : NewItem(field);
            // 40,000 copies of a long string would pass protobuf's 2 GB limit, which the client cannot even serialize;
            // a thousand characters each still pass the service's 16 MB.
            if (first is string text && text.Length > 1000)
                first = text[..1000];
            var distinct = _rng.Next(2) == 0 && first is IMessage;
            items.Clear();
            for (var k = 0; k < count; k++)
            {
                var item = Copy(first);
                if (distinct && item is IMessage m && m.Descriptor.Fields.InFieldNumberOrder().FirstOrDefault(f => f.FieldType == FieldType.String) is { } key)
                    key.Accessor.SetValue(m, $"{key.Accessor.GetValue(m)}-{k}");
                items.Add(item);
            }
            return $"{path}+={count} {(distinct ? "distinct" : "copies")}";
        }

        private object NewItem(FieldDescriptor field) => field.FieldType == FieldType.Message ? NewMessage(field) : Value(field);

        private static IMessage NewMessage(FieldDescriptor field) => field.MessageType.Parser.ParseFrom(ByteString.Empty);

        private static object Copy(object item) =>
            item is IMessage m ? m.Descriptor.Parser.ParseFrom(m.ToByteString()) : item;

        private T Pick<T>(IList<T> values) => values[_rng.Next(values.Count)];

        private static bool IsIdLike(string name) =>
            name.EndsWith("_id", StringComparison.Ordinal) || name is "plan_a" or "plan_b" or "after_version" or "seq" or "version";

        private long Long(FieldDescriptor field) => _rng.Next(10) switch
        {
            < 4 when IsIdLike(field.Name) => Pick(_existing),
            < 7 => Pick(Longs),
            7 => _rng.NextInt64(long.MinValue, long.MaxValue),
            8 => _rng.NextInt64(-1000, 1000),
            _ => Pick(_existing) + _rng.Next(-3, 100),
        };

        private int Int() => _rng.Next(10) switch
        {
            < 7 => Pick(Ints),
            7 => _rng.Next(int.MinValue, int.MaxValue),
            _ => _rng.Next(-100, 1000),
        };

        private double Double() => _rng.Next(10) switch
        {
            < 8 => Pick(Doubles),
            8 => (_rng.NextDouble() - 0.5) * 1e12,
            _ => BitConverter.Int64BitsToDouble(_rng.NextInt64()),
        };

        private string Text(FieldDescriptor field)
        {
            var name = field.Name;
            if (_rng.Next(2) == 0)
            {
                if (name.Contains("date", StringComparison.Ordinal))
                    return Pick(Dates);
                if (name.Contains("token", StringComparison.Ordinal))
                    return Pick(_tokens);
                if (name == "hash")
                    return Pick(_names);
                if (IsIdLike(name) || name is "sku" or "region" or "from_region" or "to_region" or "name" or "submitter" or "actor" or "rpc")
                    return _rng.Next(5) == 0 ? Pick(_names) : Pick(Ids);
            }
            return _rng.Next(6) switch
            {
                < 3 => Pick(Texts),
                3 => Pick(Dates),
                4 => Pick(Ids),
                _ => Pick(_tokens),
            };
        }

        private object Value(FieldDescriptor field) => field.FieldType switch
        {
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => Long(field),
            FieldType.UInt64 or FieldType.Fixed64 => unchecked((ulong)Long(field)),
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => Int(),
            FieldType.UInt32 or FieldType.Fixed32 => unchecked((uint)Int()),
            FieldType.Double => Double(),
            FieldType.Float => (float)Double(),
            FieldType.Bool => _rng.Next(2) == 0,
            FieldType.String => Text(field),
            FieldType.Bytes => ByteString.CopyFromUtf8(Text(field)),
            FieldType.Enum => System.Enum.ToObject(field.EnumType.ClrType, _rng.Next(10) switch
            {
                < 6 => Pick(field.EnumType.Values).Number,
                6 => 999,
                7 => -1,
                8 => int.MaxValue,
                _ => field.EnumType.Values.Max(v => v.Number) + 1,
            }),
            _ => throw new NotSupportedException($"{field.FullName} is {field.FieldType}"),
        };

        private static string Show(object value)
        {
            var text = value switch
            {
                string s => s.Length > 40 ? $"\"{s[..20]}…\" ({s.Length} chars)" : $"\"{s}\"",
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString() ?? "",
            };
            var escaped = new StringBuilder();
            foreach (var c in text)
                escaped.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
            return escaped.ToString();
        }
    }

    /// <summary>Errors the service logs (a failure the client may never see, such as one after it left a stream).</summary>
    private sealed class ServerErrors : ILoggerProvider
    {
        private int _refusals;

        public ConcurrentQueue<string> Entries { get; } = new();

        /// <summary>Errors logged with the RpcException of a refused request.</summary>
        public int Refusals => Volatile.Read(ref _refusals);

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(ServerErrors sink, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel))
                    return;
                // A write that refuses its request throws the status the client gets; that is not a failure of the service.
                if (exception is RpcException)
                    Interlocked.Increment(ref sink._refusals);
                else
                    sink.Entries.Enqueue($"{category}: {formatter(state, exception)} {exception?.GetType().Name} {exception?.Message}");
            }
        }
    }
}
