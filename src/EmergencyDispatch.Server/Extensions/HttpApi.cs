using Google.Protobuf.Reflection;
using Google.Rpc;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.Extensions.FileProviders;
using Microsoft.OpenApi.Models;

namespace EmergencyDispatch.Server.Extensions;

/// <summary>
/// The HTTP/JSON face of the API: every unary and server-streaming RPC transcoded at the route its proto's
/// <c>google.api.http</c> option names, on a port of its own speaking HTTP/1.1 (the gRPC port stays h2c), the
/// OpenAPI document of those routes, and a plain health check. Calls pass the same interceptors as gRPC calls:
/// the same API key (<c>Authorization: Bearer</c>), rules, limits and statuses, mapped to HTTP codes.
/// </summary>
public static class HttpApi
{
    /// <summary>Where the JSON port listens unless <c>Dispatch:Http:Urls</c> says otherwise (empty: no JSON port).</summary>
    public const string DefaultUrls = "http://localhost:5080";

    /// <summary>The gRPC port when neither <c>--urls</c> nor <c>ASPNETCORE_URLS</c> names one.</summary>
    public const string DefaultGrpcUrls = "http://localhost:5000";

    /// <summary>The path of the OpenAPI document.</summary>
    public const string OpenApiPath = "/openapi/v1.json";

    /// <summary>
    /// Adds the JSON port's addresses to the server's (<c>urls</c> stays the gRPC port's setting) and returns their
    /// port numbers, which Kestrel serves as HTTP/1.1.
    /// </summary>
    public static IReadOnlySet<int> Listen(IConfiguration configuration)
    {
        var http = (configuration["Dispatch:Http:Urls"] ?? DefaultUrls).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (http.Length == 0)
            return new HashSet<int>();
        var ports = http.Select(url => BindingAddress.Parse(url).Port).ToHashSet();
        var grpc = (configuration["urls"] ?? DefaultGrpcUrls).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (grpc.Select(url => BindingAddress.Parse(url).Port).FirstOrDefault(ports.Contains) is > 0 and var shared)
            throw new InvalidOperationException($"Dispatch:Http:Urls and urls both name port {shared}: the JSON port needs a port of its own");
        configuration["urls"] = string.Join(';', grpc.Concat(http));
        return ports;
    }

    /// <summary>
    /// Transcoding's JSON: the error details the service sends (google.rpc.BadRequest names the offending fields) must
    /// be in the type registry, or an error with details cannot be written at all.
    /// </summary>
    public static void Configure(GrpcJsonTranscodingOptions options)
    {
        options.TypeRegistry = TypeRegistry.FromMessages(BadRequest.Descriptor, ErrorInfo.Descriptor, RetryInfo.Descriptor);
        // Protobuf's JSON mapping: 64-bit integers as strings (a JavaScript number loses them past 2^53).
        options.JsonSettings.WriteInt64sAsStrings = true;
    }

    /// <summary>The OpenAPI document of the transcoded routes, its descriptions the proto comments.</summary>
    public static void AddOpenApi(IServiceCollection services)
    {
        services.AddGrpcSwagger();
        services.AddSwaggerGen(c =>
        {
            c.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "EmergencyDispatch",
                Version = "v1",
                Description = "The HTTP/JSON routes of the EmergencyDispatch gRPC API. Send the API key as `Authorization: Bearer <token>`.",
            });
            var comments = Path.Combine(AppContext.BaseDirectory, "EmergencyDispatch.Api.xml");
            if (File.Exists(comments))
            {
                c.IncludeXmlComments(comments);
                c.IncludeGrpcXmlComments(comments, includeControllerXmlComments: true);
            }
            c.AddSecurityDefinition("bearer", new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "An API key's token" });
            c.AddSecurityRequirement(new OpenApiSecurityRequirement
            {
                [new OpenApiSecurityScheme { Reference = new OpenApiReference { Type = ReferenceType.SecurityScheme, Id = "bearer" } }] = [],
            });
        });
    }

    /// <summary>
    /// Serves the OpenAPI document, <c>/healthz</c> (the database check, as the gRPC health service reports it) and
    /// <c>/metrics</c> (Prometheus' text format).
    /// </summary>
    public static void Map(WebApplication app)
    {
        // The dashboard at /: a page over this JSON API, with the signed-in key on every call.
        var dashboard = new EmbeddedFileProvider(typeof(HttpApi).Assembly, "EmergencyDispatch.Server.Dashboard");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = dashboard });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = dashboard,
            // A new build's page is read again, not kept from the last one.
            OnPrepareResponse = c => c.Context.Response.Headers.CacheControl = "no-cache",
        });
        app.UseSwagger(o => o.RouteTemplate = "openapi/{documentName}.json");
        app.MapHealthChecks("/healthz");
        app.MapPrometheusScrapingEndpoint("/metrics");
    }
}
