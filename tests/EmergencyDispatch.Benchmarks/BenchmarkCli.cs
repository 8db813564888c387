namespace EmergencyDispatch.Benchmarks;

/// <summary>Chooses a benchmark and where its server is.</summary>
public static class BenchmarkCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var name = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "intake";
        var server = Option(args, "--server");
        var scale = double.Parse(Option(args, "--scale") ?? "1", System.Globalization.CultureInfo.InvariantCulture);
        switch (name)
        {
            case "intake":
                if (server is not null)
                {
                    await IntakeBenchmark.RunAsync(server, databasePath: null, scale);
                    return 0;
                }
                await using (var process = await ServerProcess.StartAsync(RepositoryRoot()))
                {
                    Console.WriteLine($"server: {process.Url}, database {process.DatabasePath}");
                    await IntakeBenchmark.RunAsync(process.Url, process.DatabasePath, scale);
                }
                return 0;
            case "plan":
                var limit = double.Parse(Option(args, "--time-limit") ?? "600", System.Globalization.CultureInfo.InvariantCulture);
                var size = Option(args, "--size") ?? "all";
                var supply = args.Contains("--supply");
                var options = int.Parse(Option(args, "--options") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
                // --coupled: plan a part coupled by a binding budget as one LP whatever its size (no OptionChoice).
                var coupled = args.Contains("--coupled");
                return size == "all" ? await PlanBenchmark.RunAllAsync(limit, supply, options) : PlanBenchmark.Run(size, limit, supply, options, coupled);
            case "loop":
                if (server is not null)
                {
                    await LoopBenchmark.RunAsync(server);
                    return 0;
                }
                await using (var process = await ServerProcess.StartAsync(RepositoryRoot()))
                {
                    Console.WriteLine($"server: {process.Url}, database {process.DatabasePath}");
                    await LoopBenchmark.RunAsync(process.Url);
                }
                return 0;
            case "http":
                await using (var process = await ServerProcess.StartAsync(RepositoryRoot()))
                {
                    Console.WriteLine($"server: gRPC {process.Url}, HTTP/JSON {process.HttpUrl}, database {process.DatabasePath}");
                    await HttpBenchmark.RunAsync(process.Url, process.HttpUrl);
                }
                return 0;
            case "audit":
                await using (var process = await ServerProcess.StartAsync(RepositoryRoot()))
                {
                    Console.WriteLine($"server: {process.Url}, database {process.DatabasePath}");
                    await AuditBenchmark.RunAsync(process.Url, int.Parse(Option(args, "--plans") ?? "100", System.Globalization.CultureInfo.InvariantCulture));
                }
                return 0;
            case "security":
                await SecurityBenchmark.RunAsync(RepositoryRoot(), Option(args, "--baseline"), int.Parse(Option(args, "--rounds") ?? "3", System.Globalization.CultureInfo.InvariantCulture));
                return 0;
            case "faults":
                await FaultsBenchmark.RunAsync(RepositoryRoot(), int.Parse(Option(args, "--cycles") ?? "20", System.Globalization.CultureInfo.InvariantCulture));
                return 0;
            case "hostile":
                await HostileBenchmark.RunAsync(RepositoryRoot(), double.Parse(Option(args, "--seconds") ?? "20", System.Globalization.CultureInfo.InvariantCulture),
                    (Option(args, "--parts") ?? "connections,streams,queue,keys,writes").Split(',').ToHashSet(StringComparer.Ordinal));
                return 0;
            default:
                Console.Error.WriteLine($"unknown benchmark '{name}'; known: intake, plan, loop, http, audit, security, faults, hostile");
                return 2;
        }
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EmergencyDispatch.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("EmergencyDispatch.sln not found");
    }
}
