using Microsoft.Playwright;

namespace EmergencyDispatch.Benchmarks;

/// <summary>Debian's chromium, headless, as the dashboard's tests and benchmark drive it: Playwright never downloads a browser.</summary>
public static class HeadlessChromium
{
    public const string Executable = "/usr/bin/chromium";

    public static bool IsInstalled => File.Exists(Executable);

    /// <summary>
    /// Launches it with the flags this machine needs: no sandbox (root), no GPU, and none of the background
    /// connections a closed network refuses.
    /// </summary>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = Executable,
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
}
