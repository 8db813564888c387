using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Planning.Scenarios;
using Grpc.Net.Client;

namespace EmergencyDispatch.Benchmarks;

/// <summary>
/// The HTTP/JSON port under load: a JSON GET of one factory's assignments (national plan) from 32 concurrent
/// HTTP/1.1 clients (h2load, a C client, then .NET's), beside the same call over gRPC on the h2c port.
/// </summary>
public static class HttpBenchmark
{
    public static async Task RunAsync(string url, string httpUrl)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        using var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions { HttpHandler = Credentials.Handler(handler) });
        var scenario = ScenarioGenerator.Generate(new GeneratorOptions { Factories = 1000, Demands = 5000, Skus = 30, Regions = 31, Days = 14, Seed = 1 }).Scenario;
        await LoopBenchmark.LoadAsync(channel, scenario);
        var (plan, seconds) = await LoopBenchmark.PlanAsync(new PlanningService.PlanningServiceClient(channel), publish: true, frozenDays: 2);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"national scenario loaded, plan {plan.PlanId} published: {plan.AssignmentCount:N0} assignments, CreatePlan {seconds:0.00} s"));

        var factories = scenario.Factories.Select(f => f.FactoryId).Order(StringComparer.Ordinal).ToList();
        var listed = factories[factories.Count / 2];
        var assignments = new AssignmentService.AssignmentServiceClient(channel);
        var count = (await assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = listed })).Assignments.Count;
        var key = (await new AdminService.AdminServiceClient(channel).CreateApiKeyAsync(
            new CreateApiKeyRequest { Name = listed, Role = Role.Factory, FactoryId = listed })).Token;
        var path = $"/v1/factories/{listed}/assignments";

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 32 })
        {
            BaseAddress = new Uri(httpUrl),
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var json = await http.GetStringAsync(path);
        Console.WriteLine($"GET {path}: {count} assignments, {json.Length:N0} bytes of JSON");

        // Warm both ports, then measure: the C client first (it costs the shared cores least), then .NET's.
        await LoopBenchmark.H2LoadAsync(httpUrl + path, null, [], http1: true, "warm-up", key);
        var p99 = await LoopBenchmark.H2LoadAsync(httpUrl + path, null, [], http1: true, $"JSON GET of {count} assignments", key);
        if (p99 is { } ms)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  target p99 <= 10 ms: {(ms <= 10 ? "met" : "missed")}"));
        await LoopBenchmark.H2LoadAsync(url, LoopBenchmark.ListAssignmentsPath, Google.Protobuf.MessageExtensions.ToByteArray(new ListAssignmentsRequest { FactoryId = listed }),
            $"gRPC ListAssignments of {count} assignments", key);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        async Task Get(Random _)
        {
            using var response = await http.GetAsync(path, HttpCompletionOption.ResponseContentRead);
            response.EnsureSuccessStatusCode();
        }
        await LoopBenchmark.LatencyAsync(TimeSpan.FromSeconds(1), Get);
        var latency = await LoopBenchmark.LatencyAsync(TimeSpan.FromSeconds(10), Get);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"JSON GET, 32 .NET HTTP/1.1 clients, 10 s: {latency.Count / 10.0:N0} calls/s, p50 {latency.Percentile(50):0.00} ms, p99 {latency.Percentile(99):0.00} ms"));

        await DashboardAsync(httpUrl, Credentials.AdminToken!, plan.DemandCount);
    }

    /// <summary>
    /// The dashboard's first view of the national plan in headless chromium: from signing in to the product × region
    /// matrix drawn (its outcomes and demands read page by page), and from a reload with the key kept. Skipped without
    /// Debian's chromium.
    /// </summary>
    private static async Task DashboardAsync(string httpUrl, string adminToken, int demands)
    {
        if (!HeadlessChromium.IsInstalled)
        {
            Console.WriteLine("dashboard: skipped, chromium is not installed (Debian package chromium)");
            return;
        }
        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var signIn = new List<double>();
        var reload = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            var page = await browser.NewPageAsync();
            await page.GotoAsync(httpUrl + "/");
            await page.FillAsync("#key", adminToken);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await page.ClickAsync("#signin button[type=submit]");
            await page.WaitForSelectorAsync("#matrix", new Microsoft.Playwright.PageWaitForSelectorOptions { Timeout = 60_000 });
            signIn.Add(clock.Elapsed.TotalSeconds);
            clock.Restart();
            await page.ReloadAsync();
            await page.WaitForSelectorAsync("#matrix", new Microsoft.Playwright.PageWaitForSelectorOptions { Timeout = 60_000 });
            reload.Add(clock.Elapsed.TotalSeconds);
            await page.CloseAsync();
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"dashboard, national plan ({demands:N0} demands), headless chromium, 3 rounds: sign-in to matrix {string.Join(", ", signIn.Select(s => s.ToString("0.00", CultureInfo.InvariantCulture)))} s; "
            + $"reload to matrix {string.Join(", ", reload.Select(s => s.ToString("0.00", CultureInfo.InvariantCulture)))} s (target <= 2 s)"));
    }
}
