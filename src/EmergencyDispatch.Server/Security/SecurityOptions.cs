namespace EmergencyDispatch.Server.Security;

/// <summary>Authentication and limits, bound to the <c>Dispatch:Security</c> section.</summary>
public sealed class SecurityOptions
{
    /// <summary>
    /// Where the first admin key is written on first start: a file only the service's user can read. Empty: beside the
    /// database, named after it with the extension <c>.admin-key</c> (data/dispatch.admin-key by default).
    /// </summary>
    public string AdminKeyFile { get; set; } = "";

    /// <summary>Requests per second each key (or token subject) may make on average; past it, RESOURCE_EXHAUSTED.</summary>
    public double RequestsPerSecond { get; set; } = 500;

    /// <summary>Requests a key may make at once after being idle (the bucket's size).</summary>
    public int Burst { get; set; } = 1000;

    /// <summary>
    /// Rows each key (or token subject) may write per second on average (items of upsert and SubmitDemands batches,
    /// factory-days of UpsertAvailability); past it, RESOURCE_EXHAUSTED with the wait. The single writer is shared:
    /// this is one caller's share of it, well above what an import or the intake benchmark writes.
    /// </summary>
    public double RowsPerSecond { get; set; } = 100_000;

    /// <summary>Rows a key may write at once after being idle (the bucket's size; at least one largest batch).</summary>
    public int RowsBurst { get; set; } = 200_000;

    /// <summary>
    /// Calls without valid credentials per second from one peer address (an IPv6 peer's /64) on average: calls to
    /// open methods (health, reflection) and calls whose authentication failed. Past it, RESOURCE_EXHAUSTED, and a key
    /// not already known is not looked up until the address's bucket refills.
    /// </summary>
    public double AnonymousPerSecond { get; set; } = 20;

    /// <summary>Calls without valid credentials one address may make at once after being idle.</summary>
    public int AnonymousBurst { get; set; } = 100;

    /// <summary>
    /// Streams (WatchAssignments, CreatePlan's progress, health Watch, reflection) one key or token subject may hold
    /// open at once; an open method's streams count against the peer's address.
    /// </summary>
    public int StreamsPerCaller { get; set; } = 32;

    /// <summary>TCP connections one peer address may hold open at once; past it a new one is closed unanswered. 0: no cap.</summary>
    public int ConnectionsPerAddress { get; set; } = 1000;

    /// <summary>Optional JWT bearer tokens from an identity provider; off while Issuer is empty.</summary>
    public JwtOptions Jwt { get; set; } = new();
}

/// <summary>
/// JWT bearer tokens: signed by <see cref="SigningKey"/> (HMAC, base64) or <see cref="PublicKeyPem"/> (RSA or EC),
/// from <see cref="Issuer"/>, for <see cref="Audience"/>; the role and factory come from the claims named here.
/// </summary>
public sealed class JwtOptions
{
    public string Issuer { get; set; } = "";
    public string Audience { get; set; } = "";
    public string SigningKey { get; set; } = "";
    public string PublicKeyPem { get; set; } = "";
    public string RoleClaim { get; set; } = "role";
    public string FactoryClaim { get; set; } = "factory_id";
    public string NameClaim { get; set; } = "sub";

    public bool Enabled => Issuer.Length > 0;
}
