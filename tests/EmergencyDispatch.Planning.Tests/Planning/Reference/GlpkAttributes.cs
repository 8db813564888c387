namespace EmergencyDispatch.Tests.Planning.Reference;

/// <summary>
/// Whether GLPK's glpsol is installed. Tests that need it are skipped, with the reason, on a machine without it, unless
/// <c>DISPATCH_REQUIRE_GLPK=1</c> (as .ci/run sets after installing Debian's glpk-utils): then they run and fail loudly.
/// </summary>
public static class Glpk
{
    public static readonly string? SkipReason =
        Environment.GetEnvironmentVariable("DISPATCH_REQUIRE_GLPK") == "1" || IsInstalled()
            ? null
            : "glpsol is not installed (Debian package glpk-utils); .ci/run installs it and runs these checks";

    private static bool IsInstalled() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, "glpsol")));
}

/// <summary>A fact that needs glpsol.</summary>
public sealed class GlpkFactAttribute : FactAttribute
{
    public GlpkFactAttribute() => Skip = Glpk.SkipReason;
}

/// <summary>A theory that needs glpsol.</summary>
public sealed class GlpkTheoryAttribute : TheoryAttribute
{
    public GlpkTheoryAttribute() => Skip = Glpk.SkipReason;
}
