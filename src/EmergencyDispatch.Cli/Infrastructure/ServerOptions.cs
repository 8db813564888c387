using System.CommandLine;
using Grpc.Net.Client;

namespace EmergencyDispatch.Cli.Infrastructure;

/// <summary>The global <c>--server URL</c> and <c>--api-key</c> options and the gRPC channel they lead to.</summary>
public sealed class ServerOptions
{
    public const string EnvironmentVariable = "DISPATCH_SERVER";
    public const string DefaultUrl = "http://localhost:5000";
    public const string KeyVariable = "DISPATCH_API_KEY";
    public const string KeyFileVariable = "DISPATCH_API_KEY_FILE";

    /// <summary>Where the service writes its first admin key when run from the repository root with its defaults.</summary>
    public const string DefaultKeyFile = "data/dispatch.admin-key";

    // A SubmitDemands reply to a batch of 10,000 lines is well above gRPC's default 4 MB limit.
    private const int MaxReceiveMessageBytes = 64 * 1024 * 1024;

    public ServerOptions()
    {
        Server = new Option<string>("--server")
        {
            Description = $"The EmergencyDispatch server (gRPC; http:// is h2c). Default: ${EnvironmentVariable}, else {DefaultUrl}.",
            HelpName = "URL",
            Recursive = true,
            DefaultValueFactory = _ => DefaultServerUrl(),
        };
        Server.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!IsValidUrl(value))
                result.AddError($"--server must be an absolute http:// or https:// URL, got '{value}'.");
        });
    }

    public Option<string> Server { get; }

    public Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = $"The API key (or token) to call with. Default: ${KeyVariable}, else the file ${KeyFileVariable} names, else {DefaultKeyFile} when it exists (the admin key the service wrote on first start).",
        HelpName = "KEY",
        Recursive = true,
    };

    /// <summary>The key the command calls with, if any: --api-key, $DISPATCH_API_KEY, $DISPATCH_API_KEY_FILE, or data/dispatch.admin-key.</summary>
    public string? GetApiKey(ParseResult parseResult)
    {
        if (parseResult.GetValue(ApiKey) is { Length: > 0 } given)
            return given.Trim();
        if (Environment.GetEnvironmentVariable(KeyVariable) is { Length: > 0 } key)
            return key.Trim();
        var file = Environment.GetEnvironmentVariable(KeyFileVariable) is { Length: > 0 } named ? named : DefaultKeyFile;
        return File.Exists(file) ? File.ReadAllText(file).Trim() : null;
    }

    /// <summary>The URL the command talks to.</summary>
    public string GetUrl(ParseResult parseResult) => parseResult.GetValue(Server) ?? DefaultServerUrl();

    /// <summary>$DISPATCH_SERVER when set, else http://localhost:5000.</summary>
    public static string DefaultServerUrl() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } url ? url : DefaultUrl;

    /// <summary>Whether a URL can address the server: absolute, http or https.</summary>
    public static bool IsValidUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>A channel to the server; an http:// URL speaks HTTP/2 without TLS (h2c).</summary>
    public static GrpcChannel CreateChannel(string url) =>
        GrpcChannel.ForAddress(url, new GrpcChannelOptions { MaxReceiveMessageSize = MaxReceiveMessageBytes });
}
