using EmergencyDispatch.Api.V1;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Hosting;
using EmergencyDispatch.Server.Grpc;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EmergencyDispatch.Tests.Server;

public sealed class HostTests
{
    [Fact]
    public async Task AcknowledgedWritesSurviveARestartOnTheSameFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"dispatch-restart-{Guid.NewGuid():N}.db");
        try
        {
            long id;
            using (var first = new DispatchFactory(path))
            {
                var channel = first.CreateChannel();
                await Fixtures.RegisterSmallRegistry(new RegistryService.RegistryServiceClient(channel));
                var r = await new DemandService.DemandServiceClient(channel).SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("K-1", 77)));
                id = r.Demands[0].DemandId;
            }

            using var second = new DispatchFactory(path);
            var demand = new DemandService.DemandServiceClient(second.CreateChannel());
            var stored = await demand.GetDemandAsync(new GetDemandRequest { DemandId = id });
            var replay = await demand.SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("K-1", 77)));

            Assert.Equal(77, stored.Line.Quantity);
            Assert.Equal(1, replay.Replayed);
            Assert.Equal(id, replay.Demands[0].DemandId);
        }
        finally
        {
            DispatchFactory.DeleteDatabase(path);
        }
    }

    [Fact]
    public async Task SchemaMigrationsAreRecordedAndRunOnce()
    {
        var path = Path.Combine(Path.GetTempPath(), $"dispatch-migrate-{Guid.NewGuid():N}.db");
        try
        {
            using (var first = new DispatchFactory(path))
                first.CreateChannel();
            using (var second = new DispatchFactory(path))
                second.CreateChannel();

            using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM schema_migrations";
            var migrations = (long)command.ExecuteScalar()!;
            command.CommandText = "PRAGMA journal_mode";
            var mode = (string)command.ExecuteScalar()!;

            Assert.Equal(EmergencyDispatch.Server.Persistence.Migrator.Scripts().Count(), migrations);
            Assert.Equal("wal", mode);
        }
        finally
        {
            DispatchFactory.DeleteDatabase(path);
        }
    }

    [Fact]
    public async Task HealthIsServingWhileTheDatabaseAnswersAndNotServingWhenItDoesNot()
    {
        using var factory = new DispatchFactory();
        var health = new Health.HealthClient(factory.CreateChannel());

        var up = await health.CheckAsync(new HealthCheckRequest { Service = "" });
        DispatchFactory.DeleteDatabase(factory.DatabasePath);
        Directory.CreateDirectory(factory.DatabasePath);
        var down = await health.CheckAsync(new HealthCheckRequest { Service = "" });

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, up.Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, down.Status);
    }

    [Fact]
    public async Task ReflectionListsTheDispatchServices()
    {
        using var factory = new DispatchFactory();
        var reflection = new ServerReflection.ServerReflectionClient(factory.CreateChannel());

        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();

        Assert.Contains("emergency_dispatch.v1.RegistryService", names);
        Assert.Contains("emergency_dispatch.v1.DemandService", names);
        Assert.Contains("emergency_dispatch.v1.PlanningService", names);
        Assert.Contains("grpc.health.v1.Health", names);
    }

    [Fact]
    public async Task TheSeedScenarioIsLoadedIntoAnEmptyDatabase()
    {
        using var factory = new DispatchFactory(seed: true);
        var channel = factory.CreateChannel();
        var demand = new DemandService.DemandServiceClient(channel);
        var registry = new RegistryService.RegistryServiceClient(channel);

        var demands = 0;
        var token = "";
        do
        {
            var page = await demand.ListDemandsAsync(new ListDemandsRequest { Page = new PageRequest { PageSize = 1000, PageToken = token } });
            demands += page.Demands.Count;
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        var expected = File.ReadAllLines(Path.Combine(RepositoryPaths.Seeds, "demands.csv")).Count(l => l.Length > 0) - 1;
        var products = await registry.ListProductsAsync(new ListProductsRequest());

        Assert.Equal(expected, demands);
        Assert.Equal(File.ReadAllLines(Path.Combine(RepositoryPaths.Seeds, "products.csv")).Count(l => l.Length > 0) - 1, products.Products.Count);
    }

    [Fact]
    public async Task StoppingTheHostEndsAnOpenWatchPromptlyAsUnavailable()
    {
        // Kestrel, not the test server: it is Kestrel that waits for open calls to end before the host can stop.
        using var factory = new DispatchFactory();
        var address = StartKestrel(factory);
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = EmergencyDispatch.Benchmarks.Credentials.Handler(new SocketsHttpHandler(), DispatchFactory.ReadAdminToken(factory.DatabasePath)),
        });
        await Fixtures.RegisterSmallRegistry(new RegistryService.RegistryServiceClient(channel));
        using var reading = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        using var watch = new AssignmentService.AssignmentServiceClient(channel)
            .WatchAssignments(new WatchAssignmentsRequest { FactoryId = "F1" }, cancellationToken: reading.Token);
        Assert.True(await watch.ResponseStream.MoveNext(reading.Token));
        Assert.NotNull(watch.ResponseStream.Current.Synced);

        var clock = Stopwatch.StartNew();
        using var stopLimit = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        await factory.Services.GetRequiredService<IHost>().StopAsync(stopLimit.Token);
        var stopped = clock.Elapsed;
        var end = await Assert.ThrowsAsync<RpcException>(() => watch.ResponseStream.MoveNext(reading.Token));

        Assert.True(stopped < TimeSpan.FromSeconds(5), $"the host took {stopped.TotalSeconds:0.0} s to stop");
        Assert.Equal(StatusCode.Unavailable, end.StatusCode);
        Assert.StartsWith("the server is shutting down; watch again with after_version", end.Status.Detail);
    }

    [Fact]
    public async Task AFactoryKeyNamingAnotherVeryLongFactoryGetsAStatusAClientWithAn8KbHeaderLimitReads()
    {
        // Kestrel and a client that takes at most 8 KB of headers and trailers, as gRPC C-core does by default.
        using var factory = new DispatchFactory();
        var address = StartKestrel(factory);
        var admin = DispatchFactory.ReadAdminToken(factory.DatabasePath);
        using var adminChannel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = EmergencyDispatch.Benchmarks.Credentials.Handler(new SocketsHttpHandler(), admin),
        });
        await Fixtures.RegisterSmallRegistry(new RegistryService.RegistryServiceClient(adminChannel));
        var key = await new AdminService.AdminServiceClient(adminChannel).CreateApiKeyAsync(new CreateApiKeyRequest { Name = "f1", Role = Role.Factory, FactoryId = "F1" });
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = EmergencyDispatch.Benchmarks.Credentials.Handler(new SocketsHttpHandler { MaxResponseHeadersLength = 8 }, key.Token),
        });
        var assignments = new AssignmentService.AssignmentServiceClient(channel);

        foreach (var id in new[] { new string('x', 20_000), string.Concat(Enumerable.Repeat("界", 20_000)) })
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = id }).ResponseAsync);

            Assert.Equal(StatusCode.NotFound, refused.StatusCode);
            Assert.Equal($"factory {id[..64]}…(20000 chars) not found", refused.Status.Detail);
        }
    }

    [Fact]
    public async Task PastItsConnectionsAnAddressIsClosedUnansweredWhileHealthAnswersAnotherAddress()
    {
        using var factory = new DispatchFactory();
        using var app = factory.WithWebHostBuilder(b => b.UseSetting("Dispatch:Security:ConnectionsPerAddress", "3"));
        var address = new Uri(StartKestrel(app));
        var other = IPAddress.Parse("127.0.0.2");
        var held = new List<Socket>();
        try
        {
            for (var i = 0; i < 3; i++)
                held.Add(await Connect(address, IPAddress.Loopback));
            using var fourth = await Connect(address, IPAddress.Loopback);

            var closedIn = await ClosedByServerWithin(fourth, TimeSpan.FromSeconds(10));
            var fromThere = await Rpc.Fails(StatusCode.Unavailable, () => Health(address, IPAddress.Loopback));
            var fromElsewhere = await Health(address, other);
            held[0].Dispose();
            var again = await Eventually(() => Health(address, IPAddress.Loopback));

            Assert.NotNull(closedIn);
            Assert.NotNull(fromThere);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, fromElsewhere);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, again);
        }
        finally
        {
            foreach (var socket in held)
                socket.Dispose();
        }
    }

    [Fact]
    public async Task ASilentConnectionIsClosedAfterTheKeepAliveTimeout()
    {
        using var factory = new DispatchFactory();
        using var app = factory.WithWebHostBuilder(b => b.UseSetting("Kestrel:Limits:KeepAliveTimeout", "00:00:01"));
        var address = new Uri(StartKestrel(app));
        using var silent = await Connect(address, IPAddress.Loopback);

        var closedIn = await ClosedByServerWithin(silent, TimeSpan.FromSeconds(30));

        Assert.NotNull(closedIn);
        Assert.InRange(closedIn.Value, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void TheShippedKestrelLimitsAreBound()
    {
        using var factory = new DispatchFactory();
        _ = factory.Server;
        var limits = factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<KestrelServerOptions>>().Value.Limits;

        Assert.Equal(10_000, limits.MaxConcurrentConnections);
        Assert.Equal(TimeSpan.FromSeconds(30), limits.KeepAliveTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), limits.RequestHeadersTimeout);
        Assert.Equal(100, limits.Http2.MaxStreamsPerConnection);
        Assert.Equal(TimeSpan.FromSeconds(60), limits.Http2.KeepAlivePingDelay);
    }

    /// <summary>A TCP connection to the server from <paramref name="local"/> that sends nothing.</summary>
    private static async Task<Socket> Connect(Uri server, IPAddress local)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(local, 0));
        await socket.ConnectAsync(IPAddress.Loopback, server.Port);
        return socket;
    }

    /// <summary>How long the server took to close the connection (reading and dropping what it sends), or null if it did not within the time.</summary>
    private static async Task<TimeSpan?> ClosedByServerWithin(Socket socket, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(limit);
        var buffer = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
            }
            return clock.Elapsed;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (SocketException)
        {
            return clock.Elapsed; // reset rather than closed: closed all the same
        }
    }

    /// <summary>The service's health, asked over a connection from <paramref name="local"/>.</summary>
    private static async Task<HealthCheckResponse.Types.ServingStatus> Health(Uri server, IPAddress local)
    {
        using var channel = GrpcChannel.ForAddress(server, new GrpcChannelOptions
        {
            HttpHandler = EmergencyDispatch.Benchmarks.Credentials.FromAddress(local),
        });
        var response = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10));
        return response.Status;
    }

    /// <summary>The call's result once it succeeds, trying again for up to ten seconds.</summary>
    private static async Task<T> Eventually<T>(Func<Task<T>> call)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await call();
            }
            catch (RpcException) when (clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Serves the host with Kestrel (h2c on a free loopback port) and returns its address.</summary>
    private static string StartKestrel(WebApplicationFactory<Program> factory)
    {
        factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        factory.StartServer();
        return factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }
}
