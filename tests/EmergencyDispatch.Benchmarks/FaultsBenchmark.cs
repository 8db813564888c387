using System.Diagnostics;
using System.Globalization;
using EmergencyDispatch.Api.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace EmergencyDispatch.Benchmarks;

/// <summary>
/// Faults against the real server process: kill -9 under concurrent writes, many times, checking every acknowledged
/// write after each restart; then a real full disk (a small tmpfs, when this user may mount one): writes get a clear
/// status, reads and health go on, and writes resume by themselves once the file system has room again.
/// </summary>
public static class FaultsBenchmark
{
    public static async Task RunAsync(string root, int cycles)
    {
        var dll = ServerProcess.BuildRelease(root);
        var database = Path.Combine(Path.GetTempPath(), $"dispatch-crash-{Guid.NewGuid():N}.db");
        try
        {
            var watch = Stopwatch.StartNew();
            var report = await new CrashCycles(dll, database, Console.WriteLine).RunAsync(cycles, seed: 1);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"kill -9 under write load, {report.Cycles} cycles in {watch.Elapsed.TotalSeconds:0} s: {report.Demands:N0} demands, {report.Acknowledgements:N0} acknowledgements, "
                + $"{report.Reports:N0} production reports acknowledged; lost {report.Lost}, duplicated {report.Duplicated}, integrity failures {report.IntegrityFailures}, "
                + $"ledger failures {report.LedgerFailures} (target: 0 lost, 0 integrity failures over >= 20 cycles)"));
            foreach (var problem in report.Problems)
                Console.WriteLine("  " + problem);
        }
        finally
        {
            foreach (var file in new[] { database, database + "-wal", database + "-shm", Credentials.AdminKeyFile(database) })
                File.Delete(file);
        }
        await FullDiskAsync(root);
    }

    private static async Task FullDiskAsync(string root)
    {
        var mount = Path.Combine(Path.GetTempPath(), $"dispatch-full-{Guid.NewGuid():N}");
        Directory.CreateDirectory(mount);
        if (Run("mount", $"-t tmpfs -o size=4m tmpfs {mount}") != 0)
        {
            Console.WriteLine("full disk: skipped, this user may not mount a tmpfs");
            return;
        }
        try
        {
            await using var server = await ServerProcess.StartAsync(root, Path.Combine(mount, "dispatch.db"));
            using var channel = GrpcChannel.ForAddress(server.Url, new GrpcChannelOptions { HttpHandler = Credentials.Handler(token: server.AdminToken) });
            var registry = new RegistryService.RegistryServiceClient(channel);
            await registry.UpsertProductsAsync(new UpsertProductsRequest { Products = { new Product { Sku = "MASK", Name = "Mask", Unit = "piece" } } });
            await registry.UpsertFactoriesAsync(new UpsertFactoriesRequest { Factories = { new Factory { FactoryId = "F1", Name = "F1", Region = "R1" } } });
            var demand = new DemandService.DemandServiceClient(channel);
            var statuses = new Dictionary<StatusCode, int>();
            var stored = 0;
            var batch = 0;
            // Fill the file system: batches of 500 lines until the writes are refused ten times in a row.
            for (var refusedInARow = 0; refusedInARow < 10; batch++)
            {
                var code = await Submit(demand, $"B{batch}", 500);
                statuses[code] = statuses.GetValueOrDefault(code) + 1;
                stored += code == StatusCode.OK ? 500 : 0;
                refusedInARow = code == StatusCode.OK ? 0 : refusedInARow + 1;
            }
            var read = await demand.ListDemandsAsync(new ListDemandsRequest { Page = new PageRequest { PageSize = 100 } });
            var health = await new Grpc.Health.V1.Health.HealthClient(channel).CheckAsync(new Grpc.Health.V1.HealthCheckRequest());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"full disk (4 MB tmpfs): {stored:N0} demands stored, then writes refused with {string.Join(", ", statuses.Where(s => s.Key != StatusCode.OK).Select(s => $"{s.Key} x{s.Value}"))}; "
                + $"reads go on ({read.Demands.Count} demands listed), health {health.Status}"));

            Run("mount", $"-o remount,size=64m {mount}");
            var after = await Submit(demand, "AFTER", 500);
            Console.WriteLine($"file system grown to 64 MB: the next write, with no restart: {after}");
        }
        finally
        {
            Run("umount", mount);
            Directory.Delete(mount, recursive: true);
        }
    }

    private static async Task<StatusCode> Submit(DemandService.DemandServiceClient demand, string prefix, int lines)
    {
        var request = new SubmitDemandsRequest();
        request.Lines.AddRange(Enumerable.Range(0, lines).Select(i => new DemandLine
        {
            RequestId = $"{prefix}-{i}", Sku = "MASK", Quantity = 100, Region = "R1", DueDate = "2020-02-20", Priority = Priority.Normal,
        }));
        try
        {
            await demand.SubmitDemandsAsync(request);
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            if (e.StatusCode is StatusCode.Unknown or StatusCode.Internal)
                Console.WriteLine($"  unexpected: {e.Status}");
            return e.StatusCode;
        }
    }

    private static int Run(string file, string arguments)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true })!;
            p.WaitForExit();
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }
}
