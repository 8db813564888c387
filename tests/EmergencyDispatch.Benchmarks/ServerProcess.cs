using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace EmergencyDispatch.Benchmarks;

/// <summary>The real server, started as its own process on a free loopback port with a fresh database file.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, string url, string httpUrl, string databasePath)
    {
        _process = process;
        Url = url;
        HttpUrl = httpUrl;
        DatabasePath = databasePath;
    }

    /// <summary>The gRPC port (h2c).</summary>
    public string Url { get; }

    /// <summary>The HTTP/JSON port (HTTP/1.1), on a free port of its own.</summary>
    public string HttpUrl { get; }

    /// <summary>The server this process started last, if any.</summary>
    public static ServerProcess? Current { get; private set; }

    public string DatabasePath { get; }

    /// <summary>The admin key the server wrote beside its database on first start; null for a server that writes none.</summary>
    public string? AdminToken => Credentials.ReadAdminToken(DatabasePath);

    /// <summary>Starts the Release build of the server (built first) and waits until its health check says SERVING.</summary>
    /// <param name="shippedLimits">Run with the limits the service ships with; otherwise the per-key rate limit is set beyond reach.</param>
    public static async Task<ServerProcess> StartAsync(string repositoryRoot, string? databasePath = null, bool shippedLimits = false)
    {
        var dll = BuildRelease(repositoryRoot);
        var (port, httpPort) = LoopbackPorts.TwoFree();
        var url = $"http://127.0.0.1:{port}";
        var httpUrl = $"http://127.0.0.1:{httpPort}";
        var database = databasePath ?? Path.Combine(Path.GetTempPath(), $"dispatch-bench-{Guid.NewGuid():N}.db");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { dll, "--urls", url, $"--Dispatch:Http:Urls={httpUrl}", "--ConnectionStrings:Dispatch", $"Data Source={database}", "--Dispatch:Seed:Enabled", "false", "--Logging:LogLevel:Default", "Warning", "--Logging:Console:LogToStandardErrorThreshold", "Warning" })
            start.ArgumentList.Add(a);
        // The rate limit stays on the path of every call, high enough that the benchmarks never reach it.
        foreach (var a in shippedLimits ? [] : new[] { "--Dispatch:Security:RequestsPerSecond", "1000000000", "--Dispatch:Security:Burst", "1000000000" })
            start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"server: {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, url, httpUrl, database);
        Current = server;
        using var channel = GrpcChannel.ForAddress(url);
        var health = new Health.HealthClient(channel);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var r = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                if (r.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                    return server;
            }
            catch (Grpc.Core.RpcException) when (attempt < 100)
            {
            }
            await Task.Delay(200);
        }
    }

    /// <summary>Builds the Release server of a repository; returns its dll.</summary>
    public static string BuildRelease(string repositoryRoot)
    {
        var project = Path.Combine(repositoryRoot, "src", "EmergencyDispatch.Server");
        Run("dotnet", $"build \"{project}\" -c Release -v q -nologo", repositoryRoot);
        return Path.Combine(project, "bin", "Release", "net10.0", "EmergencyDispatch.Server.dll");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            File.Delete(DatabasePath + suffix);
        File.Delete(Credentials.AdminKeyFile(DatabasePath));
    }

    private static void Run(string file, string arguments, string directory)
    {
        using var p = Process.Start(new ProcessStartInfo(file, arguments) { WorkingDirectory = directory })!;
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {arguments} failed with exit code {p.ExitCode}");
    }
}

/// <summary>Free loopback ports for servers the benchmarks and tests start.</summary>
public static class LoopbackPorts
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Two different free ports (a gRPC and an HTTP port): the system may hand out a closed listener's port again.</summary>
    public static (int First, int Second) TwoFree()
    {
        var first = Free();
        int second;
        do
            second = Free();
        while (second == first);
        return (first, second);
    }
}
