using EmergencyDispatch.Server.Grpc;
using EmergencyDispatch.Server.Health;
using EmergencyDispatch.Server.Persistence;
using EmergencyDispatch.Server.Seeding;

namespace EmergencyDispatch.Server.Extensions;

/// <summary>All of the service's composition, so that Program.cs stays a few lines.</summary>
public static class DispatchExtensions
{
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
        // Order matters: the writer runs before start-up migrates and seeds through it.
        services.AddHostedService(sp => sp.GetRequiredService<Writer>());
        services.AddHostedService<DatabaseStartup>();
        services.AddHostedService<Checkpointer>();

        services.AddGrpc(o =>
        {
            o.Interceptors.Add<ErrorInterceptor>();
            o.MaxReceiveMessageSize = 16 * 1024 * 1024;
            o.EnableDetailedErrors = false;
        });
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        return builder;
    }

    /// <summary>Maps every gRPC service of the API, health and reflection.</summary>
    public static WebApplication MapDispatch(this WebApplication app)
    {
        app.MapGrpcService<RegistryGrpcService>();
        app.MapGrpcService<DemandGrpcService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }
}
