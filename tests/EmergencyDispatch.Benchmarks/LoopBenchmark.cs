using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Planning.Scenarios;
using Grpc.Core;
using Grpc.Net.Client;

namespace EmergencyDispatch.Benchmarks;

/// <summary>
/// The factory loop at national size against the real server process: ListAssignments latency under 32 concurrent
/// clients, 1,000 WatchAssignments streams receiving a newly published plan, and a re-plan with commitments against
/// the same plan without them.
/// </summary>
public static class LoopBenchmark
{
    private const string Start = "2020-02-03";

    public static async Task RunAsync(string url)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) };
        using var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions { HttpHandler = Credentials.Handler(handler) });
        var planning = new PlanningService.PlanningServiceClient(channel);
        var assignments = new AssignmentService.AssignmentServiceClient(channel);

        var scenario = ScenarioGenerator.Generate(new GeneratorOptions { Factories = 1000, Demands = 5000, Skus = 30, Regions = 31, Days = 14, Seed = 1 }).Scenario;
        var load = Stopwatch.StartNew();
        await LoadAsync(channel, scenario);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"national scenario loaded in {load.Elapsed.TotalSeconds:0.0} s: 1,000 factories, 5,000 demands"));

        var (first, firstSeconds) = await PlanAsync(planning, publish: true, frozenDays: 2);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"plan {first.PlanId} published: {first.AssignmentCount:N0} assignments, CreatePlan {firstSeconds:0.00} s"));
        var factories = scenario.Factories.Select(f => f.FactoryId).Order(StringComparer.Ordinal).ToList();

        // ListAssignments of one factory, 32 concurrent clients; the scenario's garbage collected first, so that the
        // client's own collections of it do not land in the measurement.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Task List(Random random) => assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = factories[random.Next(factories.Count)] }).ResponseAsync;
        await LatencyAsync(TimeSpan.FromSeconds(1), List);
        var latency = await LatencyAsync(TimeSpan.FromSeconds(10), List);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ListAssignments, 32 .NET clients, 10 s: {latency.Count / 10.0:N0} calls/s, p50 {latency.Percentile(50):0.00} ms, p99 {latency.Percentile(99):0.00} ms (target p99 <= 5 ms)"));
        var listed = factories[factories.Count / 2];
        var count = (await assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = listed })).Assignments.Count;
        // As a factory calls: with that factory's own key.
        var factoryKey = (await new AdminService.AdminServiceClient(channel).CreateApiKeyAsync(
            new CreateApiKeyRequest { Name = listed, Role = Role.Factory, FactoryId = listed })).Token;
        await H2LoadAsync(url, ListAssignmentsPath, Google.Protobuf.MessageExtensions.ToByteArray(new ListAssignmentsRequest { FactoryId = listed }),
            $"ListAssignments of {count} assignments", factoryKey);

        // Factories accept their assignments of the first two days: the re-plan keeps them as commitments.
        var accepted = 0;
        foreach (var factoryId in factories.Where((_, i) => i % 3 == 0))
        {
            var list = await assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = factoryId, ToDate = "2020-02-04", Page = new PageRequest { PageSize = 1000 } });
            foreach (var a in list.Assignments)
            {
                await assignments.AcknowledgeAssignmentAsync(new AcknowledgeAssignmentRequest { FactoryId = factoryId, AssignmentId = a.AssignmentId, Decision = Decision.Accept });
                accepted++;
            }
        }
        // A tenth of the factories announce a three-day outage: the re-plan moves their work.
        foreach (var factoryId in factories.Where((_, i) => i % 10 == 1))
            await assignments.UpdateAvailabilityAsync(new UpdateAvailabilityRequest { FactoryId = factoryId, FromDate = "2020-02-05", ToDate = "2020-02-07", Factor = 0 });
        Console.WriteLine($"{accepted:N0} assignments accepted by a third of the factories; 100 factories closed 2020-02-05..07");

        // Re-plan with commitments against the same plan without them (frozen window 0), alternating, unpublished.
        var with = new List<double>();
        var without = new List<double>();
        PlanSummary? replan = null;
        for (var round = 0; round < 2; round++)
        {
            var (p, s) = await PlanAsync(planning, publish: false, frozenDays: 2);
            replan = p;
            with.Add(s);
            without.Add((await PlanAsync(planning, publish: false, frozenDays: 0)).Seconds);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"re-plan with {replan!.CommitmentCount:N0} commitments: {string.Join(", ", with.Select(s => s.ToString("0.00", CultureInfo.InvariantCulture)))} s; "
            + $"without: {string.Join(", ", without.Select(s => s.ToString("0.00", CultureInfo.InvariantCulture)))} s; "
            + $"ratio of medians {with.Order().ElementAt(with.Count / 2) / without.Order().ElementAt(without.Count / 2):0.00} (target <= 1.2)"));
        Console.WriteLine($"  against plan {replan.Changes.ActivePlanId}: kept {replan.Changes.UnitsKept:N0}, moved {replan.Changes.UnitsMoved:N0}, dropped {replan.Changes.UnitsDropped:N0}, added {replan.Changes.UnitsAdded:N0} units");

        // 1,000 watchers, one per factory, then a re-plan published.
        await WatchersAsync(url, planning, factories);
    }

    private static async Task WatchersAsync(string url, PlanningService.PlanningServiceClient planning, List<string> factories)
    {
        // Streams spread over a few connections, as many clients would open them.
        var channels = Enumerable.Range(0, 8).Select(_ => GrpcChannel.ForAddress(url, new GrpcChannelOptions
        {
            HttpHandler = Credentials.Handler(),
        })).ToList();
        // Each watcher is its factory's client with its own factory key, as in the field: one key may hold only a few streams.
        var keys = new ConcurrentDictionary<string, string>();
        var admin = new AdminService.AdminServiceClient(channels[0]);
        await Parallel.ForEachAsync(factories, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (factoryId, ct) =>
            keys[factoryId] = (await admin.CreateApiKeyAsync(
                new CreateApiKeyRequest { Name = $"watch-{factoryId}", Role = Role.Factory, FactoryId = factoryId }, cancellationToken: ct)).Token);
        using var stop = new CancellationTokenSource();
        var synced = new ConcurrentDictionary<string, long>();
        var received = new ConcurrentDictionary<string, ConcurrentQueue<(WorkAssignment Assignment, DateTimeOffset At)>>();
        var tasks = factories.Select((factoryId, i) => Task.Run(async () =>
        {
            var client = new AssignmentService.AssignmentServiceClient(channels[i % channels.Count]);
            var queue = received.GetOrAdd(factoryId, _ => new ConcurrentQueue<(WorkAssignment, DateTimeOffset)>());
            using var call = client.WatchAssignments(new WatchAssignmentsRequest { FactoryId = factoryId },
                new Metadata { { "authorization", "Bearer " + keys[factoryId] } }, cancellationToken: stop.Token);
            try
            {
                var isSynced = false;
                await foreach (var message in call.ResponseStream.ReadAllAsync(stop.Token))
                {
                    if (message.Synced is not null)
                    {
                        synced[factoryId] = message.Synced.Version;
                        isSynced = true;
                    }
                    else if (isSynced)
                    {
                        queue.Enqueue((message.Assignment, DateTimeOffset.UtcNow));
                    }
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
            {
            }
            catch (OperationCanceledException)
            {
            }
        })).ToList();
        var opened = Stopwatch.StartNew();
        while (synced.Count < factories.Count)
        {
            if (opened.Elapsed > TimeSpan.FromMinutes(2))
                throw new InvalidOperationException($"only {synced.Count} of {factories.Count} watchers synced in 2 minutes");
            await Task.Delay(50);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{factories.Count:N0} watchers synced in {opened.Elapsed.TotalSeconds:0.00} s"));

        var (plan, seconds) = await PlanAsync(planning, publish: true, frozenDays: 2);
        var published = plan.PublishedAt.ToDateTimeOffset();
        // Every watcher must get each of its factory's changes of this publication: as many as List reports changed.
        var assignments = new AssignmentService.AssignmentServiceClient(channels[0]);
        var expected = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var factoryId in factories)
        {
            var all = await assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = factoryId, IncludeWithdrawn = true, Page = new PageRequest { PageSize = 1000 } });
            expected[factoryId] = all.Assignments.Count(a => a.Version > synced[factoryId]);
        }
        var waited = Stopwatch.StartNew();
        while (factories.Any(f => received[f].Count < expected[f]) && waited.Elapsed < TimeSpan.FromSeconds(30))
            await Task.Delay(20);
        var complete = factories.Where(f => received[f].Count >= expected[f]).ToList();
        var changed = factories.Where(f => expected[f] > 0).ToList();
        var delays = changed.Where(f => received[f].Count >= expected[f])
            .Select(f => (received[f].Max(r => r.At) - published).TotalSeconds).Order().ToList();
        var duplicates = factories.Sum(f => received[f].Count - received[f].Select(r => (r.Assignment.AssignmentId, r.Assignment.Version)).Distinct().Count());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"published plan {plan.PlanId} (CreatePlan {seconds:0.00} s): {changed.Count:N0} watchers had changes ({expected.Values.Sum():N0} in all); "
            + $"{complete.Count:N0} of {factories.Count:N0} got all of theirs, {duplicates} duplicates; "
            + $"last change received after publishing: p50 {Pick(delays, 50):0.000} s, max {delays.DefaultIfEmpty(double.NaN).Max():0.000} s (target <= 2 s)"));

        await stop.CancelAsync();
        await Task.WhenAll(tasks);
        channels.ForEach(c => c.Dispose());
    }

    private static double Pick(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>
    /// One RPC from h2load (nghttp2, a client written in C that costs the shared cores far less than the .NET one):
    /// 60,000 calls, 32 concurrent streams over 4 connections, each call's latency from h2load's log. Skipped when
    /// h2load is not installed.
    /// </summary>
    public const string ListAssignmentsPath = "/emergency_dispatch.v1.AssignmentService/ListAssignments";

    /// <summary>Returns the p99 in milliseconds, or null when h2load is not installed.</summary>
    public static Task<double?> H2LoadAsync(string url, string path, byte[] message, string what, string? token) =>
        // A gRPC frame: not compressed, big-endian length, the message.
        H2LoadAsync(url + path, [0, .. BitConverter.GetBytes(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(message.Length)), .. message],
            ["content-type: application/grpc", "te: trailers"], http1: false, what, token);

    /// <summary>
    /// h2load's 60,000 requests of <paramref name="address"/>: over HTTP/2, 32 concurrent streams on 4 connections; over
    /// HTTP/1.1 (<paramref name="http1"/>), 32 connections of one request at a time. Each request's latency from h2load's
    /// log; the p99 in milliseconds, or null when h2load is not installed.
    /// </summary>
    public static async Task<double?> H2LoadAsync(string address, byte[]? body, IReadOnlyList<string> headers, bool http1, string what, string? token)
    {
        var bodyFile = Path.GetTempFileName();
        var log = Path.GetTempFileName();
        try
        {
            var start = new ProcessStartInfo("h2load") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in http1 ? ["--h1", "-n", "60000", "-c", "32", "-m", "1"] : new[] { "-n", "60000", "-c", "4", "-m", "8" })
                start.ArgumentList.Add(a);
            foreach (var header in token is null ? headers : [.. headers, "authorization: Bearer " + token])
            {
                start.ArgumentList.Add("-H");
                start.ArgumentList.Add(header);
            }
            if (body is not null)
            {
                await File.WriteAllBytesAsync(bodyFile, body);
                start.ArgumentList.Add("-d");
                start.ArgumentList.Add(bodyFile);
            }
            start.ArgumentList.Add("--log-file");
            start.ArgumentList.Add(log);
            start.ArgumentList.Add(address);
            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                Console.WriteLine($"{what} with h2load: skipped, h2load is not installed (Debian nghttp2-client)");
                return null;
            }
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            var lines = (await File.ReadAllLinesAsync(log)).Select(l => l.Split('\t')).Where(f => f.Length >= 3).ToList();
            var ok = lines.Count(f => f[1] == "200");
            var latency = new Latency();
            latency.Add(lines.Select(f => double.Parse(f[2], CultureInfo.InvariantCulture) / 1000).ToList());
            var first = lines.Min(f => long.Parse(f[0], CultureInfo.InvariantCulture));
            var last = lines.Max(f => long.Parse(f[0], CultureInfo.InvariantCulture) + (long)double.Parse(f[2], CultureInfo.InvariantCulture));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{what} with h2load, {(http1 ? "HTTP/1.1, 32 connections" : "32 streams on 4 connections")}, {lines.Count:N0} calls ({ok:N0} HTTP 200): "
                + $"{lines.Count / ((last - first) / 1e6):N0} calls/s, p50 {latency.Percentile(50):0.00} ms, p99 {latency.Percentile(99):0.00} ms"));
            if (ok != lines.Count)
                Console.WriteLine(output);
            return latency.Percentile(99);
        }
        finally
        {
            File.Delete(bodyFile);
            File.Delete(log);
        }
    }

    /// <summary>32 concurrent clients calling for the duration; each call's latency.</summary>
    internal static async Task<Latency> LatencyAsync(TimeSpan duration, Func<Random, Task> call)
    {
        var latency = new Latency();
        var until = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 32).Select(worker => Task.Run(async () =>
        {
            var samples = new List<double>();
            var random = new Random(worker);
            while (until.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                await call(random);
                samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            latency.Add(samples);
        })));
        return latency;
    }

    public static async Task<(PlanSummary Plan, double Seconds)> PlanAsync(PlanningService.PlanningServiceClient planning, bool publish, int frozenDays)
    {
        var watch = Stopwatch.StartNew();
        using var call = planning.CreatePlan(new CreatePlanRequest { StartDate = Start, HorizonDays = 14, Publish = publish, FrozenDays = frozenDays });
        PlanSummary? plan = null;
        await foreach (var message in call.ResponseStream.ReadAllAsync())
            plan = message.Plan ?? plan;
        return (plan ?? throw new InvalidOperationException("CreatePlan ended without a plan"), watch.Elapsed.TotalSeconds);
    }

    /// <summary>Registers the scenario and submits its demand through the API.</summary>
    internal static async Task LoadAsync(GrpcChannel channel, Scenario scenario)
    {
        var registry = new RegistryService.RegistryServiceClient(channel);
        var demands = new DemandService.DemandServiceClient(channel);
        await registry.UpsertProductsAsync(new UpsertProductsRequest { Products = { scenario.Products.Select(p => new Product { Sku = p.Sku, Name = p.Name, Unit = p.Unit }) } });
        foreach (var chunk in scenario.Factories.Chunk(5000))
            await registry.UpsertFactoriesAsync(new UpsertFactoriesRequest { Factories = { chunk.Select(f => new Factory { FactoryId = f.FactoryId, Name = f.Name, Region = f.Region }) } });
        foreach (var chunk in scenario.Capabilities.Chunk(5000))
        {
            await registry.UpsertCapabilitiesAsync(new UpsertCapabilitiesRequest
            {
                Capabilities = { chunk.Select(c => new Capability { FactoryId = c.FactoryId, Sku = c.Sku, UnitsPerDay = c.UnitsPerDay, UnitCost = c.UnitCost }) },
            });
        }
        // One day a range: a call writes at most the service's bound of factory-days.
        foreach (var chunk in scenario.Availability.Chunk(EmergencyDispatch.Planning.Model.Rules.MaxAvailabilityDaysPerCall))
        {
            await registry.UpsertAvailabilityAsync(new UpsertAvailabilityRequest
            {
                Ranges = { chunk.Select(a => new AvailabilityRange { FactoryId = a.FactoryId, FromDate = Date(a.Date), ToDate = Date(a.Date), Factor = a.Factor }) },
            });
        }
        foreach (var chunk in scenario.Lanes.Chunk(5000))
        {
            await registry.UpsertLanesAsync(new UpsertLanesRequest
            {
                Lanes = { chunk.Select(l => new Lane { FromRegion = l.FromRegion, ToRegion = l.ToRegion, LeadDays = l.LeadDays, UnitCost = l.UnitCost }) },
            });
        }
        foreach (var chunk in scenario.Demands.Chunk(5000))
        {
            await demands.SubmitDemandsAsync(new SubmitDemandsRequest
            {
                Lines =
                {
                    chunk.Select(d => new DemandLine
                    {
                        RequestId = d.RequestId, Sku = d.Sku, Quantity = d.Quantity, Region = d.Region, DueDate = Date(d.DueDate), Priority = (Priority)(int)d.Priority,
                    }),
                },
            });
        }
    }

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
