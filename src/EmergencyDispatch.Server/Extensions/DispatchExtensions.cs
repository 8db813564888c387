using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Server.Grpc;
using EmergencyDispatch.Server.Health;
using EmergencyDispatch.Server.Persistence;
using EmergencyDispatch.Server.PlanQueue;
using EmergencyDispatch.Server.Security;
using EmergencyDispatch.Server.Seeding;

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
            .Validate(o => Rules.CheckTimeLimitSeconds(o.DefaultTimeLimitSeconds) is null,
                $"Dispatch:Planning:DefaultTimeLimitSeconds must be more than 0 and at most {Rules.MaxTimeLimitSeconds}")
            .ValidateOnStart();
        services.AddSingleton<AssignmentCache>();
        services.AddSingleton<AssignmentFeed>();
        services.AddSingleton<AssignmentStore>();
        services.AddSingleton<PlanStore>();
        services.AddSingleton<AuditStore>();
        services.AddSingleton<IPlanSolver, PlanSolver>();
        services.AddOptions<SecurityOptions>().BindConfiguration("Dispatch:Security")
            .Validate(o => o.RequestsPerSecond > 0 && o.Burst >= 1, "Dispatch:Security:RequestsPerSecond and Burst must be positive")
            .ValidateOnStart();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<Authenticator>();
        services.AddSingleton<RateLimiter>();
        services.AddSingleton<AdminKeyBootstrap>();
        services.AddSingleton<PlanningCoordinator>();
        // Order matters: the writer runs before start-up migrates and seeds through it.
        services.AddHostedService(sp => sp.GetRequiredService<Writer>());
        services.AddHostedService<DatabaseStartup>();
        services.AddHostedService<Checkpointer>();
        // After the writer: hosted services stop in reverse order, so a running solve stops before the writer does.
        services.AddHostedService(sp => sp.GetRequiredService<PlanningCoordinator>());

        services.AddGrpc(o =>
        {
            // The error interceptor outermost: a failure of the security checks themselves becomes a status too.
            o.Interceptors.Add<ErrorInterceptor>();
            o.Interceptors.Add<SecurityInterceptor>();
            o.MaxReceiveMessageSize = MaxMessageBytes;
            o.MaxSendMessageSize = MaxMessageBytes;
            o.EnableDetailedErrors = false;
        });
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
        return app;
    }
}
