namespace EmergencyDispatch.Benchmarks;

/// <summary>
/// The API key benchmarks call with: $DISPATCH_API_KEY, else the admin key the server process wrote beside its
/// database on first start; none when neither exists.
/// </summary>
public static class Credentials
{
    /// <summary>Where the server writes its first admin key: beside its database, named after it.</summary>
    public static string AdminKeyFile(string databasePath) => Path.ChangeExtension(databasePath, ".admin-key");

    /// <summary>The admin key the server wrote beside the database; null when it wrote none.</summary>
    public static string? ReadAdminToken(string databasePath) =>
        File.Exists(AdminKeyFile(databasePath)) ? File.ReadAllText(AdminKeyFile(databasePath)).Trim() : null;

    public static string? AdminToken =>
        Environment.GetEnvironmentVariable("DISPATCH_API_KEY") is { Length: > 0 } key ? key : ServerProcess.Current?.AdminToken;

    /// <summary>A handler that adds the bearer token (default: the admin key) to every request that carries no credentials of its own.</summary>
    public static HttpMessageHandler Handler(HttpMessageHandler? inner = null, string? token = null)
    {
        inner ??= new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        token ??= AdminToken;
        return token is null ? inner : new BearerHandler(token) { InnerHandler = inner };
    }

    /// <summary>A handler whose connections come from <paramref name="local"/> (another loopback address: another peer to the server).</summary>
    public static SocketsHttpHandler FromAddress(System.Net.IPAddress local) => new()
    {
        EnableMultipleHttp2Connections = true,
        ConnectCallback = async (context, ct) =>
        {
            var socket = new System.Net.Sockets.Socket(local.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new System.Net.IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    private sealed class BearerHandler(string token) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (!request.Headers.Contains("authorization"))
                request.Headers.TryAddWithoutValidation("authorization", "Bearer " + token);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
