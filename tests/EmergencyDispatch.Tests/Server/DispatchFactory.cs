using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace EmergencyDispatch.Tests.Server;

/// <summary>Hosts the service in-process (any type of the server assembly names its entry point) on its own temporary SQLite file; seeding is off unless asked for.</summary>
public sealed class DispatchFactory : WebApplicationFactory<EmergencyDispatch.Server.Persistence.Database>
{
    private readonly bool _ownsFile;

    public DispatchFactory(string? databasePath = null, bool seed = false)
    {
        _ownsFile = databasePath is null;
        DatabasePath = databasePath ?? Path.Combine(Path.GetTempPath(), $"dispatch-test-{Guid.NewGuid():N}.db");
        Seed = seed;
    }

    public string DatabasePath { get; }

    public bool Seed { get; }

    /// <summary>A gRPC channel over the in-process test server.</summary>
    public GrpcChannel CreateChannel() =>
        GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions { HttpHandler = Server.CreateHandler() });

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // No pooling: a test can delete its file without clearing the pools of the other tests running beside it.
        builder.UseSetting("ConnectionStrings:Dispatch", $"Data Source={DatabasePath};Pooling=False");
        builder.UseSetting("Dispatch:Seed:Enabled", Seed ? "true" : "false");
        builder.UseSetting("Dispatch:Seed:Directory", RepositoryPaths.Seeds);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _ownsFile)
            DeleteDatabase(DatabasePath);
    }

    /// <summary>Removes a database file and its WAL companions.</summary>
    public static void DeleteDatabase(string path)
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            if (File.Exists(path + suffix))
                File.Delete(path + suffix);
            else if (Directory.Exists(path + suffix))
                Directory.Delete(path + suffix, recursive: true);
        }
    }
}

/// <summary>Folders of the repository, found from the test assembly's location.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Seeds => Path.Combine(Root, "seeds");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EmergencyDispatch.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("EmergencyDispatch.sln not found above the test assembly");
    }
}
