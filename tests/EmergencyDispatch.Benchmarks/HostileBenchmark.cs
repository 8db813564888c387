using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Planning.Scenarios;
using Rules = EmergencyDispatch.Planning.Model.Rules;
using Grpc.Core;
using Grpc.Net.Client;

namespace EmergencyDispatch.Benchmarks;

/// <summary>
/// A hostile client holding its share of every limit, against the server process with the limits it ships with, beside
/// two well-behaved clients: a coordinator submitting one demand at a time and a factory listing its assignments. Their
/// p50 and p99 are measured idle, then with the hostile client at work (from another loopback address, 127.0.0.2):
/// silent TCP connections up to its address's cap, a factory key holding all its watch streams, a coordinator key and
/// an auditor key holding their places in the plan queue, a coordinator key writing availability at its rate limit
/// with calls of the largest size allowed, and calls with made-up keys as fast as they are answered.
/// </summary>
public static class HostileBenchmark
{
    private static readonly IPAddress Hostile = IPAddress.Parse("127.0.0.2");

    public static async Task RunAsync(string root, double seconds, IReadOnlySet<string> parts)
    {
        await using var server = await ServerProcess.StartAsync(root, shippedLimits: true);
        var url = new Uri(server.Url);
        using var admin = Channel(url, server.AdminToken!, IPAddress.Loopback);
        var scenario = ScenarioGenerator.Generate(new GeneratorOptions { Factories = 100, Demands = 1000, Skus = 10, Regions = 5, Days = 14, Seed = 1 }).Scenario;
        await LoopBenchmark.LoadAsync(admin, scenario);
        var (plan, _) = await LoopBenchmark.PlanAsync(new PlanningService.PlanningServiceClient(admin), publish: true, frozenDays: 2);
        var factories = scenario.Factories.Select(f => f.FactoryId).Order(StringComparer.Ordinal).ToList();
        var keys = new AdminService.AdminServiceClient(admin);
        async Task<string> Key(string name, Role role, string factory = "") =>
            (await keys.CreateApiKeyAsync(new CreateApiKeyRequest { Name = name, Role = role, FactoryId = factory })).Token;
        var listed = factories[factories.Count / 2];
        using var coordinator = Channel(url, await Key("good-coordinator", Role.Coordinator), IPAddress.Loopback);
        using var factory = Channel(url, await Key("good-factory", Role.Factory, listed), IPAddress.Loopback);
        var count = (await new AssignmentService.AssignmentServiceClient(factory).ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = listed })).Assignments.Count;
        Console.WriteLine($"{server.Url}: {scenario.Factories.Count} factories, plan {plan.PlanId} published ({plan.AssignmentCount:N0} assignments); {listed} lists {count}");

        var sample = scenario.Demands[0];
        var line = new DemandLine { Sku = sample.Sku, Quantity = 100, Region = sample.Region, DueDate = sample.DueDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Priority = Priority.High };
        await MeasureAsync(coordinator, factory, listed, line, 3, "warm-up (not compared)");
        var idle = await MeasureAsync(coordinator, factory, listed, line, seconds, "idle");

        var hostile = new HostileClient(url, factories.First(f => f != listed), plan.PlanId, parts);
        Console.WriteLine($"hostile parts: {string.Join(", ", parts.Order(StringComparer.Ordinal))}");
        await hostile.HoldAsync(await Key("hostile-factory", Role.Factory, hostile.Factory), await Key("hostile-planner", Role.Coordinator), await Key("hostile-auditor", Role.Auditor));
        // Let it take what it can before measuring.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Console.WriteLine($"hostile client holds: {hostile.Holding()}");
        var holding = await MeasureAsync(coordinator, factory, listed, line, seconds, "hostile client holding its share");
        Console.WriteLine($"hostile client holds: {hostile.Holding()}");
        hostile.Write(await Key("hostile-writer", Role.Coordinator));
        await Task.Delay(TimeSpan.FromSeconds(1));
        var writing = await MeasureAsync(coordinator, factory, listed, line, seconds, "and, if asked, writing availability in calls of the largest size");
        await hostile.StopAsync();
        Console.WriteLine($"hostile client's calls: {hostile.Tally()}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"p99 / idle, holding: SubmitDemands {holding.Submit / idle.Submit:0.00}x, ListAssignments {holding.List / idle.List:0.00}x; "
            + $"and writing: SubmitDemands {writing.Submit / idle.Submit:0.00}x, ListAssignments {writing.List / idle.List:0.00}x (target <= 2x)"));
    }

    /// <summary>Both good clients at once, one call at a time each, for the given time: their p99s in ms.</summary>
    private static async Task<(double Submit, double List)> MeasureAsync(GrpcChannel coordinator, GrpcChannel factory, string listed, DemandLine line, double seconds, string what)
    {
        var demands = new DemandService.DemandServiceClient(coordinator);
        var assignments = new AssignmentService.AssignmentServiceClient(factory);
        var until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var submit = new Latency();
        var list = new Latency();
        var failures = new ConcurrentDictionary<StatusCode, int>();
        // Well-behaved: a call every 20 ms at most (50 a second), far below the key's rate limit.
        async Task Loop(Latency latency, Func<Task> call)
        {
            var samples = new List<double>();
            var next = Stopwatch.GetTimestamp();
            while (Stopwatch.GetTimestamp() < until)
            {
                next += Stopwatch.Frequency / 50;
                if (Stopwatch.GetTimestamp() < next)
                    await Task.Delay(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next));
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await call();
                    samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
                catch (RpcException e)
                {
                    failures.AddOrUpdate(e.StatusCode, 1, (_, n) => n + 1);
                }
            }
            latency.Add(samples);
        }
        var sequence = 0;
        await Task.WhenAll(
            Loop(submit, () => demands.SubmitDemandsAsync(new SubmitDemandsRequest
            {
                Lines = { new DemandLine(line) { RequestId = $"good-{what.Length}-{Interlocked.Increment(ref sequence)}" } },
            }).ResponseAsync),
            Loop(list, () => assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = listed }).ResponseAsync));
        var failed = failures.IsEmpty ? "" : $"; failed: {string.Join(", ", failures.Select(f => $"{f.Key} {f.Value}"))}";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: SubmitDemands (1 line) {submit.Count:N0} calls, p50 {submit.Percentile(50):0.00} ms, p99 {submit.Percentile(99):0.00} ms; ListAssignments ({listed}) {list.Count:N0} calls, p50 {list.Percentile(50):0.00} ms, p99 {list.Percentile(99):0.00} ms{failed}"));
        return (submit.Percentile(99), list.Percentile(99));
    }

    /// <summary>A channel whose connections come from <paramref name="local"/> and whose calls carry <paramref name="token"/>.</summary>
    internal static GrpcChannel Channel(Uri server, string token, IPAddress local) =>
        GrpcChannel.ForAddress(server, new GrpcChannelOptions
        {
            HttpHandler = Credentials.Handler(Credentials.FromAddress(local), token),
        });

    /// <summary>Everything the hostile client does, each part in a loop of its own until stopped, with what the service answered.</summary>
    private sealed class HostileClient(Uri server, string factory, long planId, IReadOnlySet<string> parts)
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _tasks = [];
        private readonly ConcurrentDictionary<string, int> _tally = new(StringComparer.Ordinal);
        private readonly List<GrpcChannel> _channels = [];
        private readonly ConcurrentBag<Socket> _sockets = [];
        private int _streams;
        private int _queued;

        public string Factory => factory;

        /// <summary>Takes its share of every bounded resource: connections, streams, queue places, and calls with made-up keys.</summary>
        public async Task HoldAsync(string factoryKey, string plannerKey, string auditorKey)
        {
            var ct = _stop.Token;
            // Silent connections up to the address's cap (1,000, less the few its channels use); re-opened as they are closed.
            if (parts.Contains("connections"))
                _tasks.Add(Task.Run(() => HoldConnectionsAsync(990, ct)));
            // Watch streams: more than a key may hold, re-tried as they are refused.
            var watcher = Add(factoryKey);
            for (var i = 0; i < (parts.Contains("streams") ? 40 : 0); i++)
                _tasks.Add(Task.Run(() => WatchAsync(new AssignmentService.AssignmentServiceClient(watcher), ct)));
            // Plan requests and replays: more than each key may queue.
            var planning = new PlanningService.PlanningServiceClient(Add(plannerKey));
            var audit = new AuditService.AuditServiceClient(Add(auditorKey));
            for (var i = 0; i < (parts.Contains("queue") || parts.Contains("plans") ? 4 : 0); i++)
                _tasks.Add(Task.Run(() => RepeatAsync("CreatePlan", async () =>
                {
                    using var call = planning.CreatePlan(new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = 14 }, cancellationToken: ct);
                    Interlocked.Increment(ref _queued);
                    try
                    {
                        while (await call.ResponseStream.MoveNext(ct))
                        {
                        }
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _queued);
                    }
                }, ct)));
            for (var i = 0; i < (parts.Contains("queue") || parts.Contains("replays") ? 4 : 0); i++)
                _tasks.Add(Task.Run(() => RepeatAsync("ReplayPlan", () => audit.ReplayPlanAsync(new ReplayPlanRequest { PlanId = planId }, cancellationToken: ct).ResponseAsync, ct)));
            // Made-up keys, as fast as the service answers.
            var audits = Enumerable.Range(0, 4).Select(i => new AuditService.AuditServiceClient(Add($"ed_{900_000 + i}_made-up"))).ToList();
            foreach (var client in parts.Contains("keys") ? audits : [])
                _tasks.Add(Task.Run(() => RepeatAsync("made-up key", () => client.GetLedgerHeadAsync(new GetLedgerHeadRequest(), cancellationToken: ct).ResponseAsync, ct)));
            await Task.Yield();
        }

        /// <summary>Also writes calls of the largest size allowed (<see cref="Rules.MaxAvailabilityDaysPerCall"/> factory-days of availability) as fast as it is let.</summary>
        public void Write(string writerKey)
        {
            var ct = _stop.Token;
            var registry = new RegistryService.RegistryServiceClient(Add(writerKey));
            var big = new UpsertAvailabilityRequest();
            var first = new DateOnly(2021, 1, 1);
            for (var range = 0; range < Rules.MaxAvailabilityDaysPerCall / 100; range++)
                big.Ranges.Add(new AvailabilityRange
                {
                    FactoryId = factory,
                    FromDate = first.AddDays(range * 100).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    ToDate = first.AddDays(range * 100 + 99).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    Factor = 0.5,
                });
            for (var i = 0; i < (parts.Contains("writes") ? 4 : 0); i++)
                _tasks.Add(Task.Run(() => RepeatAsync("UpsertAvailability", () => registry.UpsertAvailabilityAsync(big, cancellationToken: ct).ResponseAsync, ct)));
        }

        public string Holding() => $"{_sockets.Count(s => s.Connected)} silent connections, {Volatile.Read(ref _streams)} watch streams, {Volatile.Read(ref _queued)} plan requests accepted";

        public string Tally() => string.Join(", ", _tally.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key} {t.Value:N0}"));

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await Task.WhenAll(_tasks);
            }
            catch (OperationCanceledException)
            {
            }
            foreach (var socket in _sockets)
                socket.Dispose();
            foreach (var channel in _channels)
                channel.Dispose();
        }

        private GrpcChannel Add(string token)
        {
            var channel = HostileBenchmark.Channel(server, token, Hostile);
            _channels.Add(channel);
            return channel;
        }

        private void Count(string what, string outcome) => _tally.AddOrUpdate($"{what} {outcome}", 1, (_, n) => n + 1);

        private async Task RepeatAsync(string what, Func<Task> call, CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    await call();
                    Count(what, "OK");
                }
                catch (RpcException e) when (!ct.IsCancellationRequested)
                {
                    Count(what, e.StatusCode.ToString());
                    // A refusal names its wait; a client that ignores it only gets more refusals, so this one honours it.
                    if (e.Trailers.GetValue("retry-after-ms") is { } wait && int.TryParse(wait, CultureInfo.InvariantCulture, out var ms))
                        await Delay(TimeSpan.FromMilliseconds(ms), ct);
                    else if (e.StatusCode == StatusCode.ResourceExhausted)
                        await Delay(TimeSpan.FromMilliseconds(50), ct);
                }
                catch (Exception) when (ct.IsCancellationRequested)
                {
                    return;
                }
            }
        }

        private async Task WatchAsync(AssignmentService.AssignmentServiceClient client, CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    using var call = client.WatchAssignments(new WatchAssignmentsRequest(), cancellationToken: ct);
                    if (!await call.ResponseStream.MoveNext(ct))
                        continue;
                    Interlocked.Increment(ref _streams);
                    Count("WatchAssignments", "opened");
                    try
                    {
                        while (await call.ResponseStream.MoveNext(ct))
                        {
                        }
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _streams);
                    }
                }
                catch (RpcException e) when (!ct.IsCancellationRequested)
                {
                    Count("WatchAssignments", e.StatusCode.ToString());
                    await Delay(TimeSpan.FromMilliseconds(100), ct);
                }
                catch (Exception) when (ct.IsCancellationRequested)
                {
                    return;
                }
            }
        }

        private async Task HoldConnectionsAsync(int count, CancellationToken ct)
        {
            var open = new List<Socket>();
            while (!ct.IsCancellationRequested)
            {
                open.RemoveAll(s => s.Poll(0, SelectMode.SelectRead) && s.Available == 0);
                while (open.Count < count && !ct.IsCancellationRequested)
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    socket.Bind(new IPEndPoint(Hostile, 0));
                    try
                    {
                        await socket.ConnectAsync(IPAddress.Loopback, server.Port, ct);
                        open.Add(socket);
                        _sockets.Add(socket);
                    }
                    catch (SocketException)
                    {
                        socket.Dispose();
                        Count("connection", "refused");
                        break;
                    }
                }
                await Delay(TimeSpan.FromSeconds(1), ct);
            }
        }

        private static async Task Delay(TimeSpan wait, CancellationToken ct)
        {
            try
            {
                await Task.Delay(wait, ct);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
