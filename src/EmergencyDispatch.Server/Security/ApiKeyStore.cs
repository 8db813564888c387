using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Server.Persistence;

namespace EmergencyDispatch.Server.Security;

/// <summary>A stored key, without its secret.</summary>
public sealed record ApiKeyRow(long KeyId, string Name, string Role, string? FactoryId, long CreatedAt, string CreatedBy, long? RevokedAt);

/// <summary>
/// API keys: tokens <c>ed_&lt;key_id&gt;_&lt;secret&gt;</c> with 256 random bits of secret, of which only a SHA-256 is
/// stored (a fast hash is enough for a random secret of that length; there is nothing to guess from it). Keys are
/// looked up by id and cached; a revocation empties the cache entry before the revoking call returns. An id that names
/// no key is remembered for <see cref="UnknownFor"/>, so that tokens of made-up ids cost no query; making a key forgets it.
/// </summary>
public sealed class ApiKeyStore(Database database, Writer writer, TimeProvider clock)
{
    public const string Prefix = "ed_";

    /// <summary>The longest token looked at: a key's is about 50 characters; the secret is hashed on the stack within this.</summary>
    public const int MaxTokenLength = 128;
    private const string Columns =
        "key_id AS KeyId, name, role, factory_id AS FactoryId, created_at AS CreatedAt, created_by AS CreatedBy, revoked_at AS RevokedAt";

    /// <summary>Each key as read once: its row, its secret's hash and the caller it makes (built once, not per call).</summary>
    private readonly ConcurrentDictionary<long, (ApiKeyRow Row, byte[] Sha256, Caller Caller)> _cache = new();

    /// <summary>Ids found to name no key, each with the time (<see cref="TimeProvider.GetTimestamp"/>) until which that holds.</summary>
    private readonly ConcurrentDictionary<long, long> _unknown = new();
    private long _generation;

    /// <summary>How long an id that names no key is believed without asking the database again.</summary>
    public static readonly TimeSpan UnknownFor = TimeSpan.FromSeconds(30);

    /// <summary>The most unknown ids remembered; past it the memory is emptied and starts again.</summary>
    public const int MaxUnknown = 100_000;

    /// <summary>
    /// The key a token names and the caller it makes, if the token is well formed, the key exists and the secret
    /// matches; revoked keys are returned too (the caller tells them apart). With <paramref name="cachedOnly"/> a key not
    /// already cached is not looked up (<paramref name="notLookedUp"/> says so).
    /// </summary>
    public (ApiKeyRow Row, Caller Caller)? Find(string token, bool cachedOnly, out bool notLookedUp)
    {
        notLookedUp = false;
        if (!TryParse(token, out var keyId, out var secret))
            return null;
        if (!_cache.TryGetValue(keyId, out var entry))
        {
            var now = clock.GetTimestamp();
            if (_unknown.TryGetValue(keyId, out var until) && now < until)
                return null;
            if (cachedOnly)
            {
                notLookedUp = true;
                return null;
            }
            var generation = Interlocked.Read(ref _generation);
            using (var connection = database.Open())
            {
                var found = connection.Query<ApiKeyRow, string, (ApiKeyRow, string)>(
                    $"SELECT {Columns}, secret_sha256 AS Sha256 FROM api_key WHERE key_id = @keyId",
                    (row, sha) => (row, sha), new { keyId }, splitOn: "Sha256").ToList();
                if (found.Count == 0)
                {
                    if (_unknown.Count >= MaxUnknown)
                        _unknown.Clear();
                    _unknown[keyId] = now + (long)(UnknownFor.TotalSeconds * clock.TimestampFrequency);
                    // A key made while this read ran is not remembered as unknown: its making counts a generation
                    // before it forgets the id, so one of the two removes what was written here.
                    if (Interlocked.Read(ref _generation) != generation)
                        _unknown.TryRemove(keyId, out _);
                    return null;
                }
                var row = found[0].Item1;
                entry = (row, Convert.FromHexString(found[0].Item2),
                    new Caller(row.Name, Caller.ParseRole(row.Role)!.Value, row.FactoryId, $"key:{row.KeyId}"));
            }
            // A revocation that committed while this read ran must not be undone by caching what was read before it:
            // it counts a generation before it empties the entry, so one of the two removes what was written here.
            _cache[keyId] = entry;
            if (Interlocked.Read(ref _generation) != generation)
                _cache.TryRemove(keyId, out _);
        }
        // Every call: hash the secret on the stack and compare in constant time, no allocation.
        Span<byte> utf8 = stackalloc byte[512]; // a token is at most MaxTokenLength (128) chars: at most 384 bytes of UTF-8
        Span<byte> given = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(secret, utf8)], given);
        return CryptographicOperations.FixedTimeEquals(given, entry.Sha256) ? (entry.Row, entry.Caller) : null;
    }

    /// <summary>Creates a key; the violations name the request's fields when it is refused.</summary>
    public async Task<WriteResult<(ApiKeyRow Key, string Token)>> CreateAsync(string name, Role role, string? factoryId, CallInfo call, CancellationToken ct)
    {
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var result = await writer.WriteAsync(call, (connection, transaction) =>
        {
            if (factoryId is not null && connection.ExecuteScalar<long>(
                    "SELECT COUNT(*) FROM factory WHERE factory_id = @factoryId", new { factoryId }, transaction) == 0)
                return WriteResult<ApiKeyRow>.Invalid([new Violation("factory_id", $"factory {factoryId} does not exist")]);
            // A name is its key's submitter and actor: two live keys of one name would write as one caller.
            if (connection.ExecuteScalar<long>(
                    "SELECT COUNT(*) FROM api_key WHERE name = @name COLLATE NOCASE AND revoked_at IS NULL", new { name }, transaction) > 0)
                return WriteResult<ApiKeyRow>.Invalid([new Violation("name", $"a live key is already named {name}; revoke it first or choose another name")]);
            var keyId = connection.ExecuteScalar<long>(
                """
                INSERT INTO api_key (name, role, factory_id, secret_sha256, created_at, created_by)
                VALUES (@name, @role, @factoryId, @sha, @at, @createdBy) RETURNING key_id
                """,
                new { name, role = Caller.RoleName(role), factoryId, sha = Sha256Hex(secret), at = clock.GetUtcNow().ToUnixTimeMilliseconds(), createdBy = call.Actor },
                transaction);
            return new WriteResult<ApiKeyRow>(connection.QuerySingle<ApiKeyRow>($"SELECT {Columns} FROM api_key WHERE key_id = @keyId", new { keyId }, transaction), []);
        }, ct, r => r.Value is { } key ? $"api_key {key.KeyId} ({key.Role} {key.Name})" : null);
        if (result.Value is { } made)
        {
            Interlocked.Increment(ref _generation);
            _unknown.TryRemove(made.KeyId, out _);
        }
        return result.Value is { } created
            ? new WriteResult<(ApiKeyRow, string)>((created, Token(created.KeyId, secret)), [])
            : WriteResult<(ApiKeyRow, string)>.Invalid(result.Violations);
    }

    /// <summary>Revokes a key (idempotent); null when there is no such key.</summary>
    public async Task<ApiKeyRow?> RevokeAsync(long keyId, CallInfo call, CancellationToken ct)
    {
        var row = await writer.WriteAsync(call, (connection, transaction) =>
        {
            connection.Execute("UPDATE api_key SET revoked_at = @at WHERE key_id = @keyId AND revoked_at IS NULL",
                new { keyId, at = clock.GetUtcNow().ToUnixTimeMilliseconds() }, transaction);
            return connection.QuerySingleOrDefault<ApiKeyRow>($"SELECT {Columns} FROM api_key WHERE key_id = @keyId", new { keyId }, transaction);
        }, ct, r => r is null ? null : $"api_key {r.KeyId}");
        Interlocked.Increment(ref _generation);
        _cache.TryRemove(keyId, out _);
        return row;
    }

    public Page<ApiKeyRow> List(long afterId, bool includeRevoked, int size)
    {
        using var connection = database.Open();
        var rows = connection.Query<ApiKeyRow>(
            $"SELECT {Columns} FROM api_key WHERE key_id > @afterId AND (@includeRevoked OR revoked_at IS NULL) ORDER BY key_id LIMIT @limit",
            new { afterId, includeRevoked, limit = size + 1 }).AsList();
        return RegistryStore.PageOf(rows, size, r => [r.KeyId.ToString(CultureInfo.InvariantCulture)]);
    }

    /// <summary>Whether any key was ever made (revoked ones count: revoking the last admin key does not invite a new one).</summary>
    public bool Any()
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<long>("SELECT EXISTS (SELECT 1 FROM api_key)") != 0;
    }

    public static string Token(long keyId, string secret) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{keyId}_{secret}");

    /// <summary>The key id a token claims to be (whether or not its secret is right), for logs; null when it names none.</summary>
    public static long? ClaimedKeyId(string token) => TryParse(token, out var keyId, out _) ? keyId : null;

    private static bool TryParse(string token, out long keyId, out ReadOnlySpan<char> secret)
    {
        keyId = 0;
        secret = default;
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > MaxTokenLength)
            return false;
        var underscore = token.IndexOf('_', Prefix.Length);
        if (underscore < 0 || !long.TryParse(token.AsSpan(Prefix.Length, underscore - Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out keyId))
            return false;
        secret = token.AsSpan(underscore + 1);
        return secret.Length > 0;
    }

    private static string Sha256Hex(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
