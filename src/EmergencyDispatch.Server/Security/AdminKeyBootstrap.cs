using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Server.Persistence;
using Microsoft.Extensions.Options;

namespace EmergencyDispatch.Server.Security;

/// <summary>
/// On first start (no key was ever made), creates an admin key, prints it once and writes it to a file only the
/// service's user can read (mode 0600), where <c>dispatchctl</c> finds it on the same machine.
/// </summary>
public sealed class AdminKeyBootstrap(Database database, ApiKeyStore keys, IOptions<SecurityOptions> options, ILogger<AdminKeyBootstrap> logger)
{
    public const string Actor = Rules.StartupActor;

    /// <summary>The file the first admin key goes to.</summary>
    public string KeyFile => options.Value.AdminKeyFile is { Length: > 0 } configured
        ? Path.GetFullPath(configured)
        : Path.ChangeExtension(database.FilePath, ".admin-key");

    public async Task EnsureAsync(CancellationToken ct)
    {
        if (keys.Any())
            return;
        var result = await keys.CreateAsync("admin", Role.Admin, null, new CallInfo("Startup/CreateAdminKey", Actor), ct);
        var (key, token) = result.Value;
        var file = KeyFile;
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var stream = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            stream.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if (File.Exists(file))
            File.Delete(file);
        await using (var writer = new StreamWriter(file, System.Text.Encoding.ASCII, stream))
            await writer.WriteLineAsync(token.AsMemory(), ct);
        logger.LogWarning(
            "Created the first admin key (key {KeyId}); it is shown only now: {Token} . It was also written to {File}, readable only by this user; dispatchctl reads it from there.",
            key.KeyId, token, file);
    }
}
