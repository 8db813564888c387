using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Server.Grpc;
using EmergencyDispatch.Server.Health;
using EmergencyDispatch.Server.Observability;
using EmergencyDispatch.Server.Persistence;
using EmergencyDispatch.Server.PlanQueue;
using EmergencyDispatch.Server.Security;
using EmergencyDispatch.Server.Seeding;
using OpenTelemetry.Metrics;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace EmergencyDispatch.Server.Extensions;

/// <summary>All of the service's composition, so that Program.cs stays a few lines.</summary>
public static class DispatchExtensions
{
    /// <summary>Largest message the service takes or sends (a batch of 10,000 lines is well under it); past it, RESOURCE_EXHAUSTED.</summary>
    public const int MaxMessageBytes = 16 * 1024 * 1024;

    /// <summary>Registers storage, the writer, start-up, gRPC with health and reflection.</summary>
    public static IHostApplicationBuilder AddDispatch(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<DispatchMetrics>();
        // The service's meter, and ASP.NET Core's and Kestrel's (requests, connections), for Prometheus at /metrics.
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(DispatchMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddPrometheusExporter());
        services.AddOptions<DatabaseOptions>().BindConfiguration("Dispatch:Database")
            .Validate(o => o.MaxGroupSize > 0 && o.QueueCapacity > 0 && o.BusyTimeoutMs >= 0, "Dispatch:Database values must be positive")
            .ValidateOnStart();
        services.AddOptions<SeedOptions>().BindConfiguration("Dispatch:Seed");
        services.AddSingleton<Database>();
        services.AddSingleton<Writer>();
        services.AddSingleton<RegistryStore>();
        services.AddSingleton<DemandStore>();
        services.AddOptions<PlanningOptions>().BindConfiguration("Dispatch:Planning")
            .Validate(o => o.QueueLength >= 0, "Dispatch:Planning:QueueLength must be 0 or more")
            .Validate(o => o.PerCaller >= 1, "Dispatch:Planning:PerCaller must be 1 or more")
            .Validate(o => o.SolverNice is >= 0 and <= 19, "Dispatch:Planning:SolverNice must be from 0 to 19")
            .Validate(o => Rules.CheckTimeLimitSeconds(o.DefaultTimeLimitSeconds) is null,
                $"Dispatch:Planning:DefaultTimeLimitSeconds must be more than 0 and at most {Rules.MaxTimeLimitSeconds}")
            .ValidateOnStart();
        services.AddSingleton<AssignmentCache>();
        services.AddSingleton<AssignmentFeed>();
        services.AddSingleton<PlanFeed>();
        services.AddSingleton<AssignmentStore>();
        services.AddSingleton<PlanStore>();
        services.AddSingleton<AuditStore>();
        services.AddSingleton<IPlanSolver, PlanSolver>();
        services.AddOptions<SecurityOptions>().BindConfiguration("Dispatch:Security")
            .Validate(o => o.RequestsPerSecond > 0 && o.Burst >= 1, "Dispatch:Security:RequestsPerSecond and Burst must be positive")
            .Validate(o => o.AnonymousPerSecond > 0 && o.AnonymousBurst >= 1, "Dispatch:Security:AnonymousPerSecond and AnonymousBurst must be positive")
            .Validate(o => o.StreamsPerCaller >= 1, "Dispatch:Security:StreamsPerCaller must be 1 or more")
            .Validate(o => o.ConnectionsPerAddress >= 0, "Dispatch:Security:ConnectionsPerAddress must be 0 (no cap) or more")
            .ValidateOnStart();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<Authenticator>();
        services.AddSingleton<CallLimits>();
        services.AddSingleton<AdminKeyBootstrap>();
        // Kestrel's limits (connections, keep-alive and header timeouts, HTTP/2 streams) are the Kestrel:Limits section of
        // appsettings.json, bound here so that a setting is never silently left out; the cap per address is a connection
        // middleware on every endpoint.
        var httpPorts = HttpApi.Listen(builder.Configuration);
        services.AddOptions<KestrelServerOptions>().Configure<IConfiguration, IOptions<SecurityOptions>, ILoggerFactory>((kestrel, configuration, security, logs) =>
        {
            configuration.GetSection("Kestrel:Limits").Bind(kestrel.Limits);
            // One action for every endpoint (Kestrel keeps only the last one set): gRPC is h2c (HTTP/2 only), the JSON
            // port HTTP/1.1, as one cleartext port cannot serve both; the cap per address on each.
            var cap = security.Value.ConnectionsPerAddress > 0
                ? new ConnectionCap(security.Value.ConnectionsPerAddress, logs.CreateLogger<ConnectionCap>())
                : null;
            kestrel.ConfigureEndpointDefaults(endpoint =>
            {
                endpoint.Protocols = endpoint.IPEndPoint is { } ip && httpPorts.Contains(ip.Port) ? HttpProtocols.Http1 : HttpProtocols.Http2;
                if (cap is not null)
                    endpoint.Use(cap.Wrap);
            });
        });
        services.AddSingleton<PlanningCoordinator>();
        // Order matters: the writer runs before start-up migrates and seeds through it.
        services.AddHostedService(sp => sp.GetRequiredService<Writer>());
        services.AddHostedService<DatabaseStartup>();
        services.AddHostedService<Checkpointer>();
        // After the writer: hosted services stop in reverse order, so a running solve stops before the writer does.
        services.AddHostedService(sp => sp.GetRequiredService<PlanningCoordinator>());

        services.AddGrpc(o =>
        {
            // The metrics outermost (they count the status the caller gets), then errors: a failure of the security
            // checks themselves becomes a status too.
            o.Interceptors.Add<CallMetricsInterceptor>();
            o.Interceptors.Add<ErrorInterceptor>();
            o.Interceptors.Add<SecurityInterceptor>();
            o.MaxReceiveMessageSize = MaxMessageBytes;
            o.MaxSendMessageSize = MaxMessageBytes;
            o.EnableDetailedErrors = false;
        }).AddJsonTranscoding(HttpApi.Configure);
        HttpApi.AddOpenApi(services);
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        // Last: an unparsable request is INVALID_ARGUMENT in every service bound above.
        RequestDecoding.Replace(services);
        return builder;
    }

    /// <summary>Maps every gRPC service of the API, health and reflection.</summary>
    public static WebApplication MapDispatch(this WebApplication app)
    {
        app.MapGrpcService<RegistryGrpcService>();
        app.MapGrpcService<DemandGrpcService>();
        app.MapGrpcService<PlanningGrpcService>();
        app.MapGrpcService<AssignmentGrpcService>();
        app.MapGrpcService<AuditGrpcService>();
        app.MapGrpcService<AdminGrpcService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        HttpApi.Map(app);
        return app;
    }
}
