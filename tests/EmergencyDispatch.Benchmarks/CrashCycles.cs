using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EmergencyDispatch.Api.V1;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.Data.Sqlite;

namespace EmergencyDispatch.Benchmarks;

/// <summary>What the kill-and-restart cycles found: writes acknowledged, lost and duplicated, and integrity failures.</summary>
public sealed record CrashReport(int Cycles, int Demands, int Acknowledgements, int Reports, int Lost, int Duplicated, int IntegrityFailures, int LedgerFailures, IReadOnlyList<string> Problems);

/// <summary>
/// Starts the real server process on a database file, drives concurrent writes (demand batches, acknowledgements and
/// production reports, each with its own key as a coordinator or factory would), kills the process with SIGKILL at a
/// random moment, restarts it and checks that every write the server acknowledged is stored exactly once, that
/// <c>PRAGMA integrity_check</c> is ok and that the ledger verifies. Shared by the crash test and the faults benchmark.
/// </summary>
public sealed class CrashCycles(string serverDll, string databasePath, Action<string> log)
{
    private const int Factories = 20;
    private readonly ConcurrentBag<string> _demands = [];
    private readonly ConcurrentBag<long> _acknowledged = [];
    private readonly ConcurrentBag<(string Factory, string ReportId, long Assignment, long Quantity)> _reports = [];

    public async Task<CrashReport> RunAsync(int cycles, int seed)
    {
        var random = new Random(seed);
        var problems = new List<string>();
        int lost = 0, duplicated = 0, integrity = 0, ledger = 0;
        var process = await StartAsync();
        var admin = Credentials.ReadAdminToken(databasePath) ?? throw new InvalidOperationException("the server wrote no admin key");
        var (coordinator, factoryKeys) = await SetUpAsync(process.Url, admin);
        try
        {
            for (var cycle = 1; cycle <= cycles; cycle++)
            {
                using var stop = new CancellationTokenSource();
                var pending = new ConcurrentQueue<(string Factory, long Assignment)>(await PendingAsync(process.Url, admin));
                var accepted = new ConcurrentQueue<(string Factory, long Assignment)>();
                // Each factory calls with its own key; the channels last as long as this run of the server.
                var channels = factoryKeys.ToDictionary(k => k.Key, k => Channel(process.Url, k.Value));
                var workers = new List<Task>();
                for (var w = 0; w < 3; w++)
                    workers.Add(SubmitLoopAsync(process.Url, coordinator, $"C{cycle}W{w}", stop.Token));
                for (var w = 0; w < 2; w++)
                    workers.Add(AcknowledgeLoopAsync(channels, pending, accepted, stop.Token));
                for (var w = 0; w < 2; w++)
                    workers.Add(ReportLoopAsync(channels, accepted, $"C{cycle}W{w}", stop.Token));
                await Task.Delay(random.Next(300, 1500));
                process.Kill();
                await stop.CancelAsync();
                await Task.WhenAll(workers);
                foreach (var channel in channels.Values)
                    channel.Dispose();

                process = await StartAsync();
                var (l, d, ok, problem) = Check();
                lost += l;
                duplicated += d;
                if (!ok)
                    integrity++;
                if (problem is not null)
                    problems.Add($"cycle {cycle}: {problem}");
                using (var channel = Channel(process.Url, admin))
                {
                    var verified = await new AuditService.AuditServiceClient(channel).VerifyLedgerAsync(new VerifyLedgerRequest());
                    if (!verified.Ok)
                    {
                        ledger++;
                        problems.Add($"cycle {cycle}: ledger: {verified.Problem}");
                    }
                }
                log(string.Create(CultureInfo.InvariantCulture,
                    $"cycle {cycle}: killed; restarted; {_demands.Count} demands, {_acknowledged.Count} acknowledgements, {_reports.Count} reports acknowledged so far; lost {l}, duplicated {d}, integrity {(ok ? "ok" : "FAILED")}"));
            }
        }
        finally
        {
            process.Kill();
        }
        return new CrashReport(cycles, _demands.Count, _acknowledged.Count, _reports.Count, lost, duplicated, integrity, ledger, problems);
    }

    /// <summary>Every acknowledged write against the file: (lost, duplicated, integrity ok, first problem).</summary>
    private (int Lost, int Duplicated, bool Ok, string? Problem) Check()
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        var ok = (string)command.ExecuteScalar()! == "ok";
        string? problem = ok ? null : "integrity_check is not ok";

        var demands = new Dictionary<string, long>(StringComparer.Ordinal);
        command.CommandText = "SELECT request_id, COUNT(*) FROM demand WHERE submitter = 'crash-coordinator' GROUP BY request_id";
        using (var reader = command.ExecuteReader())
            while (reader.Read())
                demands[reader.GetString(0)] = reader.GetInt64(1);
        var statuses = new Dictionary<long, string>();
        command.CommandText = "SELECT assignment_id, status FROM assignment";
        using (var reader = command.ExecuteReader())
            while (reader.Read())
                statuses[reader.GetInt64(0)] = reader.GetString(1);
        var reports = new Dictionary<(string, string), (long, long)>();
        command.CommandText = "SELECT factory_id, report_id, assignment_id, quantity FROM production_report";
        using (var reader = command.ExecuteReader())
            while (reader.Read())
                reports[(reader.GetString(0), reader.GetString(1))] = (reader.GetInt64(2), reader.GetInt64(3));

        int lost = 0, duplicated = 0;
        foreach (var id in _demands)
        {
            var n = demands.GetValueOrDefault(id);
            if (n == 0)
                lost++;
            else if (n > 1)
                duplicated++;
        }
        lost += _acknowledged.Count(a => statuses.GetValueOrDefault(a) is not ("ACCEPTED" or "DONE"));
        lost += _reports.Count(r => reports.GetValueOrDefault((r.Factory, r.ReportId)) != (r.Assignment, r.Quantity));
        if (lost > 0 || duplicated > 0)
            problem ??= $"{lost} acknowledged writes missing, {duplicated} stored more than once";
        return (lost, duplicated, ok, problem);
    }

    private async Task SubmitLoopAsync(string url, string key, string prefix, CancellationToken stop)
    {
        using var channel = Channel(url, key);
        var client = new DemandService.DemandServiceClient(channel);
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var ids = Enumerable.Range(0, 1 + n % 5).Select(i => $"{prefix}-{n}-{i}").ToList();
            var request = new SubmitDemandsRequest();
            request.Lines.AddRange(ids.Select(id => new DemandLine
            {
                RequestId = id, Sku = "MASK", Quantity = 100, Region = "R2", DueDate = "2020-02-20", Priority = Priority.Normal,
            }));
            if (await Acknowledged(() => client.SubmitDemandsAsync(request, cancellationToken: stop).ResponseAsync))
                ids.ForEach(_demands.Add);
        }
    }

    private async Task AcknowledgeLoopAsync(IReadOnlyDictionary<string, GrpcChannel> channels, ConcurrentQueue<(string Factory, long Assignment)> pending,
        ConcurrentQueue<(string Factory, long Assignment)> accepted, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested && pending.TryDequeue(out var next))
        {
            var client = new AssignmentService.AssignmentServiceClient(channels[next.Factory]);
            var request = new AcknowledgeAssignmentRequest { FactoryId = next.Factory, AssignmentId = next.Assignment, Decision = Decision.Accept };
            if (await Acknowledged(() => client.AcknowledgeAssignmentAsync(request, cancellationToken: stop).ResponseAsync))
            {
                _acknowledged.Add(next.Assignment);
                accepted.Enqueue(next);
            }
        }
    }

    private async Task ReportLoopAsync(IReadOnlyDictionary<string, GrpcChannel> channels, ConcurrentQueue<(string Factory, long Assignment)> accepted,
        string prefix, CancellationToken stop)
    {
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            if (!accepted.TryDequeue(out var next))
            {
                await Task.Delay(5, CancellationToken.None);
                continue;
            }
            var client = new AssignmentService.AssignmentServiceClient(channels[next.Factory]);
            var request = new ReportProductionRequest { FactoryId = next.Factory, ReportId = $"{prefix}-{n}", AssignmentId = next.Assignment, Date = "2020-02-04", Quantity = 1 };
            if (await Acknowledged(() => client.ReportProductionAsync(request, cancellationToken: stop).ResponseAsync))
            {
                _reports.Add((next.Factory, request.ReportId, next.Assignment, 1));
                accepted.Enqueue(next);
            }
        }
    }

    /// <summary>Whether the server acknowledged the write; a call the kill cut off is not acknowledged.</summary>
    private static async Task<bool> Acknowledged(Func<Task> call)
    {
        try
        {
            await call();
            return true;
        }
        catch (RpcException)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>20 factories of R1 make MASK; 1,000 demands of R2 planned and published; a coordinator key and a key per factory.</summary>
    private static async Task<(string Coordinator, IReadOnlyDictionary<string, string> Factories)> SetUpAsync(string url, string admin)
    {
        using var channel = Channel(url, admin);
        var registry = new RegistryService.RegistryServiceClient(channel);
        await registry.UpsertProductsAsync(new UpsertProductsRequest { Products = { new Product { Sku = "MASK", Name = "Surgical mask", Unit = "piece" } } });
        var ids = Enumerable.Range(0, Factories).Select(i => $"F{i:00}").ToList();
        await registry.UpsertFactoriesAsync(new UpsertFactoriesRequest { Factories = { ids.Select(id => new Factory { FactoryId = id, Name = id, Region = "R1" }) } });
        await registry.UpsertCapabilitiesAsync(new UpsertCapabilitiesRequest
        {
            Capabilities = { ids.Select((id, i) => new Capability { FactoryId = id, Sku = "MASK", UnitsPerDay = 2000 + 100 * i, UnitCost = 1 + i * 0.01 }) },
        });
        await registry.UpsertLanesAsync(new UpsertLanesRequest { Lanes = { new Lane { FromRegion = "R1", ToRegion = "R2", LeadDays = 1, UnitCost = 0.1 } } });
        var demand = new SubmitDemandsRequest();
        demand.Lines.AddRange(Enumerable.Range(0, 1000).Select(i => new DemandLine
        {
            RequestId = $"SETUP-{i}", Sku = "MASK", Quantity = 300 + i % 7 * 50, Region = "R2",
            DueDate = $"2020-02-{5 + i % 10:00}", Priority = (Priority)(1 + i % 4),
        }));
        await new DemandService.DemandServiceClient(channel).SubmitDemandsAsync(demand);
        using var plan = new PlanningService.PlanningServiceClient(channel).CreatePlan(
            new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = 14, Planner = Planner.Greedy, Publish = true });
        await foreach (var _ in plan.ResponseStream.ReadAllAsync())
        {
        }
        var admins = new AdminService.AdminServiceClient(channel);
        var coordinator = (await admins.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "crash-coordinator", Role = Role.Coordinator })).Token;
        var keys = new Dictionary<string, string>();
        foreach (var id in ids)
            keys[id] = (await admins.CreateApiKeyAsync(new CreateApiKeyRequest { Name = id, Role = Role.Factory, FactoryId = id })).Token;
        return (coordinator, keys);
    }

    private static async Task<List<(string, long)>> PendingAsync(string url, string admin)
    {
        using var channel = Channel(url, admin);
        var client = new AssignmentService.AssignmentServiceClient(channel);
        var pending = new List<(string, long)>();
        for (var i = 0; i < Factories; i++)
        {
            var factory = $"F{i:00}";
            var page = await client.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = factory, Page = new PageRequest { PageSize = 1000 } });
            pending.AddRange(page.Assignments.Where(a => a.Status == AssignmentStatus.Pending).Select(a => (factory, a.AssignmentId)));
        }
        return pending;
    }

    private static GrpcChannel Channel(string url, string key) =>
        GrpcChannel.ForAddress(url, new GrpcChannelOptions { HttpHandler = Credentials.Handler(new SocketsHttpHandler(), key) });

    private async Task<RunningServer> StartAsync()
    {
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(serverDll)!, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { serverDll, "--urls", url, "--Dispatch:Http:Urls=", "--ConnectionStrings:Dispatch", $"Data Source={databasePath}", "--Dispatch:Seed:Enabled", "false",
                     "--Kestrel:EndpointDefaults:Protocols", "Http2", "--Logging:LogLevel:Default", "Warning", "--Dispatch:Security:RequestsPerSecond", "1000000", "--Dispatch:Security:Burst", "1000000" })
            start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var channel = GrpcChannel.ForAddress(url);
        var health = new Health.HealthClient(channel);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if ((await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2))).Status == HealthCheckResponse.Types.ServingStatus.Serving)
                    return new RunningServer(process, url);
            }
            catch (RpcException) when (attempt < 150 && !process.HasExited)
            {
            }
            await Task.Delay(100);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record RunningServer(Process Process, string Url)
    {
        /// <summary>SIGKILL: no shutdown, no flush; what is on disk is all there is.</summary>
        public void Kill()
        {
            if (!Process.HasExited)
            {
                Process.Kill();
                Process.WaitForExit();
            }
            Process.Dispose();
        }
    }
}
