using System.Security.Cryptography;
using EmergencyDispatch.Planning.Model;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EmergencyDispatch.Server.Security;

/// <summary>Turns a bearer token, an API key or (when configured) a JWT, into a <see cref="Caller"/>, or says why not.</summary>
public sealed class Authenticator
{
    private readonly ApiKeyStore _keys;
    private readonly JwtOptions _jwt;
    private readonly TokenValidationParameters? _validation;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public Authenticator(ApiKeyStore keys, IOptions<SecurityOptions> options)
    {
        _keys = keys;
        _jwt = options.Value.Jwt;
        if (_jwt.Enabled)
        {
            _validation = new TokenValidationParameters
            {
                ValidIssuer = _jwt.Issuer,
                ValidAudience = _jwt.Audience,
                ValidateAudience = _jwt.Audience.Length > 0,
                IssuerSigningKey = SigningKey(_jwt),
                ValidateIssuerSigningKey = true,
                ClockSkew = TimeSpan.FromSeconds(30),
                NameClaimType = _jwt.NameClaim,
            };
        }
    }

    /// <summary>The problem given when a key was not looked up because only known keys were to be checked.</summary>
    public static readonly string NotLookedUp = "the API key was not looked up";

    /// <summary>The token of an <c>authorization: Bearer …</c> header; null for any other header or none.</summary>
    public static string? BearerToken(string? authorization)
    {
        const string bearer = "Bearer ";
        return authorization is not null && authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) ? authorization[bearer.Length..].Trim() : null;
    }

    /// <summary>
    /// The caller, or the reason for UNAUTHENTICATED. With <paramref name="knownKeysOnly"/>, an API key that is not
    /// cached is not looked up in the database: the problem is then <see cref="NotLookedUp"/>.
    /// </summary>
    public async ValueTask<(Caller? Caller, string Problem)> AuthenticateAsync(string? authorization, bool knownKeysOnly = false)
    {
        if (string.IsNullOrEmpty(authorization))
            return (null, "this call needs credentials: send 'authorization: Bearer <API key or token>'");
        if (BearerToken(authorization) is not { } token)
            return (null, "the authorization header must be 'Bearer <API key or token>'");
        if (token.StartsWith(ApiKeyStore.Prefix, StringComparison.Ordinal))
        {
            if (_keys.Find(token, knownKeysOnly, out var notLookedUp) is not { } key)
                return (null, notLookedUp ? NotLookedUp : "the API key is not valid");
            return key.Row.RevokedAt is null ? (key.Caller, "") : (null, "the API key was revoked");
        }
        if (_validation is null)
            return (null, "the bearer token is not an API key of this service");
        var result = await _handler.ValidateTokenAsync(token, _validation);
        if (!result.IsValid)
            return (null, "the bearer token is not valid: " + Describe(result.Exception));
        var claims = result.ClaimsIdentity;
        // One value each: a token that names two roles (or two callers) is not guessed at.
        foreach (var type in new[] { _jwt.NameClaim, _jwt.RoleClaim, _jwt.FactoryClaim })
        {
            if (claims.FindAll(type).Count() > 1)
                return (null, $"the token carries more than one '{type}' claim; it must carry one");
        }
        var name = claims.FindFirst(_jwt.NameClaim)?.Value;
        var role = Caller.ParseRole(claims.FindFirst(_jwt.RoleClaim)?.Value);
        var factory = claims.FindFirst(_jwt.FactoryClaim)?.Value;
        if (string.IsNullOrEmpty(name) || role is null)
            return (null, $"the token must carry a '{_jwt.NameClaim}' claim and a '{_jwt.RoleClaim}' claim of admin, coordinator, factory or auditor");
        // The name becomes a submitter and an actor: it follows their rule, so that every stored one can be asked for.
        if (Rules.CheckActorName(name) is { } problem)
            return (null, $"the token's '{_jwt.NameClaim}' claim {problem}");
        if ((role == Role.Factory) != !string.IsNullOrEmpty(factory))
            return (null, $"a factory token, and only a factory token, carries a '{_jwt.FactoryClaim}' claim");
        return (new Caller(name, role.Value, role == Role.Factory ? factory : null, $"jwt:{name}"), "");
    }

    private static string Describe(Exception? e) => e switch
    {
        SecurityTokenExpiredException => "it has expired",
        SecurityTokenInvalidIssuerException => "wrong issuer",
        SecurityTokenInvalidAudienceException => "wrong audience",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "bad signature",
        SecurityTokenNotYetValidException => "not valid yet",
        _ => "malformed or unverifiable",
    };

    private static SecurityKey SigningKey(JwtOptions jwt)
    {
        if (jwt.PublicKeyPem.Length > 0)
        {
            var pem = jwt.PublicKeyPem;
            try
            {
                var rsa = RSA.Create();
                rsa.ImportFromPem(pem);
                return new RsaSecurityKey(rsa);
            }
            catch (ArgumentException)
            {
                var ec = ECDsa.Create();
                ec.ImportFromPem(pem);
                return new ECDsaSecurityKey(ec);
            }
        }
        if (jwt.SigningKey.Length == 0)
            throw new InvalidOperationException("Dispatch:Security:Jwt needs SigningKey (base64) or PublicKeyPem when Issuer is set");
        return new SymmetricSecurityKey(Convert.FromBase64String(jwt.SigningKey));
    }
}
