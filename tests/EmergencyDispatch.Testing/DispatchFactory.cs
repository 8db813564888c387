using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace EmergencyDispatch.Testing;

/// <summary>Hosts the service in-process (any type of the server assembly names its entry point) on its own temporary SQLite file; seeding is off unless asked for.</summary>
public sealed class DispatchFactory : WebApplicationFactory<Program>
{
    private readonly bool _ownsFile;

    private readonly IReadOnlyDictionary<string, string> _settings;

    /// <summary>A host on <paramref name="databasePath"/> (default: a new temporary file) with the configuration <paramref name="settings"/> added.</summary>
    public DispatchFactory(string? databasePath = null, bool seed = false, IReadOnlyDictionary<string, string>? settings = null)
    {
        _settings = settings ?? new Dictionary<string, string>();
        _ownsFile = databasePath is null;
        DatabasePath = databasePath ?? Path.Combine(Path.GetTempPath(), $"dispatch-test-{Guid.NewGuid():N}.db");
        Seed = seed;
    }

    public string DatabasePath { get; }

    public bool Seed { get; }

    /// <summary>
    /// A gRPC channel over the in-process test server whose calls carry <paramref name="token"/> (default: the admin
    /// key the server made on first start); pass "" for calls without credentials.
    /// </summary>
    public GrpcChannel CreateChannel(string? token = null) => CreateChannel(Server, token ?? AdminToken);

    /// <summary>A channel over an in-process server whose calls carry <paramref name="token"/> ("" for none).</summary>
    public static GrpcChannel CreateChannel(Microsoft.AspNetCore.TestHost.TestServer server, string token)
    {
        var handler = server.CreateHandler();
        return GrpcChannel.ForAddress(server.BaseAddress, new GrpcChannelOptions
        {
            HttpHandler = token.Length == 0 ? handler : EmergencyDispatch.Benchmarks.Credentials.Handler(handler, token),
        });
    }

    /// <summary>Starts a derived host (one made with WithWebHostBuilder) and reads the admin key it wrote on first start.</summary>
    public static string ReadAdminTokenAfterStart<T>(WebApplicationFactory<T> app, string databasePath)
        where T : class
    {
        _ = app.Server;
        return ReadAdminToken(databasePath);
    }

    /// <summary>The admin key a server wrote beside the database at <paramref name="databasePath"/>.</summary>
    public static string ReadAdminToken(string databasePath) =>
        EmergencyDispatch.Benchmarks.Credentials.ReadAdminToken(databasePath) ?? throw new InvalidOperationException("the server wrote no admin key");

    /// <summary>The admin key the server wrote beside its database on first start.</summary>
    public string AdminToken
    {
        get
        {
            _ = Server; // starts the host, which writes the key
            return _adminToken ??= ReadAdminToken(DatabasePath);
        }
    }

    private string? _adminToken;

    /// <summary>Creates a key with this role (and factory) through the admin API and returns its token.</summary>
    public string CreateKey(EmergencyDispatch.Api.V1.Role role, string factoryId = "", string name = "test")
    {
        using var channel = CreateChannel();
        var admin = new EmergencyDispatch.Api.V1.AdminService.AdminServiceClient(channel);
        return admin.CreateApiKey(new EmergencyDispatch.Api.V1.CreateApiKeyRequest { Name = name, Role = role, FactoryId = factoryId }).Token;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // No pooling: a test can delete its file without clearing the pools of the other tests running beside it.
        builder.UseSetting("ConnectionStrings:Dispatch", $"Data Source={DatabasePath};Pooling=False");
        builder.UseSetting("Dispatch:Seed:Enabled", Seed ? "true" : "false");
        foreach (var (key, value) in _settings)
            builder.UseSetting(key, value);
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
        var key = EmergencyDispatch.Benchmarks.Credentials.AdminKeyFile(path);
        if (File.Exists(key))
            File.Delete(key);
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
