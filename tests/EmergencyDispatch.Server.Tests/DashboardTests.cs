using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Benchmarks;
using Grpc.Net.Client;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace EmergencyDispatch.Tests.Server;

/// <summary>
/// Whether Debian's chromium is there. The dashboard's tests are skipped, with the reason, on a machine without it,
/// unless <c>DISPATCH_REQUIRE_BROWSER=1</c> (as .ci/run sets after installing it): then they run and fail loudly.
/// </summary>
public static class Browser
{
    public static readonly string? SkipReason =
        Environment.GetEnvironmentVariable("DISPATCH_REQUIRE_BROWSER") == "1" || HeadlessChromium.IsInstalled
            ? null
            : "chromium is not installed (Debian package chromium); .ci/run installs it and runs these tests";
}

public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute() => Skip = Browser.SkipReason;
}

/// <summary>
/// The dashboard in a real browser (headless chromium driven by Playwright) against the seeded service on real
/// sockets: sign in, the product × region matrix of the seed plan with the numbers the API gives, a shortfall's
/// explanation one click from the matrix, a factory accepting an assignment, and a new plan noticed without a reload.
/// With <c>DISPATCH_SCREENSHOTS=DIR</c> each view is written to DIR as a PNG.
/// </summary>
public sealed class DashboardTests : IAsyncLifetime
{
    private readonly ITestOutputHelper _output;
    private readonly DispatchFactory _factory;
    private readonly string _grpcUrl;
    private readonly string _httpUrl;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public DashboardTests(ITestOutputHelper output)
    {
        _output = output;
        var (grpcPort, httpPort) = LoopbackPorts.TwoFree();
        _grpcUrl = $"http://127.0.0.1:{grpcPort}";
        _httpUrl = $"http://127.0.0.1:{httpPort}";
        _factory = new DispatchFactory(seed: true, settings: new Dictionary<string, string> { ["urls"] = _grpcUrl, ["Dispatch:Http:Urls"] = _httpUrl });
        _factory.UseKestrel();
    }

    public async Task InitializeAsync()
    {
        _factory.StartServer();
        _playwright = await Playwright.CreateAsync();
        _browser = await HeadlessChromium.LaunchAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        _factory.Dispose();
    }

    private GrpcChannel Channel(string token) =>
        GrpcChannel.ForAddress(_grpcUrl, new GrpcChannelOptions { HttpHandler = Credentials.Handler(new SocketsHttpHandler(), token) });

    [BrowserFact]
    public async Task ACoordinatorSeesTheMatrixAShortfallsExplanationAndANewPlanAndAFactoryAccepts()
    {
        var admin = DispatchFactory.ReadAdminToken(_factory.DatabasePath);
        using var channel = Channel(admin);
        var planning = new PlanningService.PlanningServiceClient(channel);
        PlanSummary plan;
        using (var call = planning.CreatePlan(new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = 14, Publish = true }))
            plan = (await PlanStreams.ReadAll(call))[^1].Plan;

        // Every page of one view of the plan.
        async Task<List<T>> View<T>(PlanView view, Func<GetPlanResponse, IEnumerable<T>> items)
        {
            var all = new List<T>();
            var token = "";
            do
            {
                var listed = await planning.GetPlanAsync(new GetPlanRequest { PlanId = plan.PlanId, View = view, Page = new PageRequest { PageSize = 1000, PageToken = token } });
                all.AddRange(items(listed));
                token = listed.NextPageToken;
            }
            while (token.Length > 0);
            return all;
        }

        // What the matrix must show, from the API: per sku and region, delivered over demanded units.
        var outcomes = await View(PlanView.Outcomes, r => r.Outcomes);
        var demands = (await new DemandService.DemandServiceClient(channel).ListDemandsAsync(new ListDemandsRequest { Page = new PageRequest { PageSize = 1000 } })).Demands
            .ToDictionary(d => d.DemandId);
        var cells = outcomes.GroupBy(o => (demands[o.DemandId].Line.Sku, demands[o.DemandId].Line.Region))
            .Select(g => (g.Key.Sku, g.Key.Region, Quantity: g.Sum(o => o.Quantity), Delivered: g.Sum(o => o.OnTime + o.Late), Short: g.Sum(o => o.Late + o.Unmet)))
            .ToList();
        var shortest = cells.OrderByDescending(c => c.Short).ThenBy(c => c.Sku, StringComparer.Ordinal).ThenBy(c => c.Region, StringComparer.Ordinal).First();
        Assert.True(shortest.Short > 0, "the seed plan leaves some demand late or unmet");

        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync(_httpUrl + "/");
        // A bad key is not signed in and sees nothing.
        await page.FillAsync("#key", "ed_999_wrong");
        await page.ClickAsync("#signin button[type=submit]");
        await page.WaitForSelectorAsync("#signin-error:has-text('Not signed in')");
        Assert.True(await page.IsHiddenAsync("#tabs"), "the tabs are hidden before signing in");
        await page.FillAsync("#key", admin);
        await page.ClickAsync("#signin button[type=submit]");
        await page.WaitForSelectorAsync("#matrix");
        Assert.Contains("admin", await page.TextContentAsync("#who") ?? "", StringComparison.Ordinal);

        // Every cell of the matrix says what the API says.
        var wrong = new List<string>();
        foreach (var c in cells)
        {
            var text = (await page.TextContentAsync($"#matrix td[data-sku='{c.Sku}'][data-region='{c.Region}']"))?.Trim();
            var expected = $"{Math.Round(100.0 * c.Delivered / c.Quantity, MidpointRounding.AwayFromZero)}%";
            if (text != expected)
                wrong.Add($"{c.Sku} × {c.Region}: {text}, not {expected}");
        }
        Assert.True(wrong.Count == 0, string.Join("; ", wrong));
        await Screenshot(page, "supply");

        // One click from the matrix: that cell's shortfalls, and a shortfall's explanation.
        await page.ClickAsync($"#matrix td[data-sku='{shortest.Sku}'][data-region='{shortest.Region}']");
        await page.WaitForSelectorAsync("#shortfalls");
        var rows = await page.QuerySelectorAllAsync("#shortfalls tr[data-demand]");
        Assert.NotEmpty(rows);
        Assert.All(await Task.WhenAll(rows.Select(r => r.InnerTextAsync())), t => Assert.Contains(shortest.Sku, t, StringComparison.Ordinal));
        await rows[0].ClickAsync();
        await page.WaitForSelectorAsync("#explanation h3");
        Assert.Contains("got what it got", await page.TextContentAsync("#explanation") ?? "", StringComparison.Ordinal);
        await Screenshot(page, "shortfalls");

        // The plans, then a new plan appears without a reload.
        await page.ClickAsync("#tabs button[data-view=plans]");
        await page.WaitForSelectorAsync($"#plans tr[data-plan='{plan.PlanId}']");
        await page.ClickAsync($"#plans tr[data-plan='{plan.PlanId}']");
        await page.WaitForSelectorAsync("#plan table.summary");
        await Screenshot(page, "plans");
        PlanSummary next;
        using (var call = planning.CreatePlan(new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = 14 }))
            next = (await PlanStreams.ReadAll(call))[^1].Plan;
        await page.WaitForSelectorAsync($"#plans tr[data-plan='{next.PlanId}']", new PageWaitForSelectorOptions { Timeout = 15_000 });
        Assert.Contains($"Plan {next.PlanId} was made", await page.TextContentAsync("#notice") ?? "", StringComparison.Ordinal);

        // Factories: the share of a factory-day's capacity the plan uses, as the registry and the plan's assignments give it.
        var registry = new RegistryService.RegistryServiceClient(channel);
        var rates = (await registry.ListCapabilitiesAsync(new ListCapabilitiesRequest { Page = new PageRequest { PageSize = 1000 } })).Capabilities
            .ToDictionary(c => (c.FactoryId, c.Sku), c => c.UnitsPerDay);
        var factors = (await registry.ListAvailabilityAsync(new ListAvailabilityRequest { Page = new PageRequest { PageSize = 1000 } })).Days
            .ToDictionary(d => (d.FactoryId, d.Date), d => d.Factor);
        var planned = await View(PlanView.Assignments, r => r.Assignments);
        var busiest = planned.Where(a => a.Source == "capacity")
            .GroupBy(a => (a.FactoryId, a.ProductionDate))
            .Select(g => (g.Key.FactoryId, g.Key.ProductionDate, Share: g.Sum(a => a.Quantity / rates[(a.FactoryId, a.Sku)]) / factors.GetValueOrDefault((g.Key.FactoryId, g.Key.ProductionDate), 1.0)))
            .OrderByDescending(x => x.Share).ThenBy(x => x.FactoryId, StringComparer.Ordinal).First();
        await page.ClickAsync("#tabs button[data-view=factories]");
        await page.WaitForSelectorAsync("#heatmap");
        var shown = (await page.TextContentAsync($"#heatmap td[data-factory='{busiest.FactoryId}'][data-date='{busiest.ProductionDate}']"))?.Trim();
        Assert.Equal($"{Math.Round(100 * busiest.Share, MidpointRounding.AwayFromZero)}%", shown);
        var closed = factors.FirstOrDefault(f => f.Value == 0 && string.CompareOrdinal(f.Key.Date, "2020-02-03") >= 0 && string.CompareOrdinal(f.Key.Date, "2020-02-16") <= 0);
        if (closed.Key.FactoryId is { } shut && rates.Keys.Any(k => k.FactoryId == shut))
            Assert.Equal("closed", (await page.TextContentAsync($"#heatmap td[data-factory='{shut}'][data-date='{closed.Key.Date}']"))?.Trim());
        await Screenshot(page, "factories");

        // Options: the active plan's, and a budget sweep drawn as the frontier, with what the API's sweep takes.
        await page.ClickAsync("#tabs button[data-view=options]");
        await page.WaitForSelectorAsync("#options");
        Assert.Equal(plan.Options.Count, (await page.QuerySelectorAllAsync("#options tr")).Count - 1);
        await page.FillAsync("#budgets", "0,10000000");
        await page.ClickAsync("#sweep button[type=submit]");
        await page.WaitForSelectorAsync("#sweep-table", new PageWaitForSelectorOptions { Timeout = 120_000 });
        var sweep = await planning.SweepOptionBudgetsAsync(new SweepOptionBudgetsRequest { StartDate = "2020-02-03", HorizonDays = 14, Budgets = { 0, 1e7 } });
        var sweepRows = await page.QuerySelectorAllAsync("#sweep-table tr");
        Assert.Equal(3, sweepRows.Count);
        Assert.Contains(string.Join(", ", sweep.Points[1].OptionsTaken), await sweepRows[2].InnerTextAsync(), StringComparison.Ordinal);
        Assert.NotEmpty(sweep.Points[1].OptionsTaken);
        Assert.Equal(8, (await page.QuerySelectorAllAsync("#frontier polyline")).Count);
        await Screenshot(page, "options");

        // A factory key sees its own assignments and accepts one from the page.
        var factoryId = (await planning.GetPlanAsync(new GetPlanRequest { PlanId = plan.PlanId, View = PlanView.Assignments })).Assignments[0].FactoryId;
        var factoryKey = (await new AdminService.AdminServiceClient(channel).CreateApiKeyAsync(new CreateApiKeyRequest { Name = "web-" + factoryId, Role = Role.Factory, FactoryId = factoryId })).Token;
        var factoryPage = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        factoryPage.PageError += (_, e) => errors.Add(e);
        await factoryPage.GotoAsync(_httpUrl + "/");
        await factoryPage.FillAsync("#key", factoryKey);
        await factoryPage.ClickAsync("#signin button[type=submit]");
        await factoryPage.WaitForSelectorAsync("#work button[data-act=accept]");
        Assert.True(await factoryPage.IsHiddenAsync("#tabs button[data-view=plans]"), "a factory key sees no plans tab");
        var first = await factoryPage.QuerySelectorAsync("#work tr[data-assignment]:has(button[data-act=accept])");
        var assignmentId = long.Parse((await first!.GetAttributeAsync("data-assignment"))!, System.Globalization.CultureInfo.InvariantCulture);
        await (await first.QuerySelectorAsync("button[data-act=accept]"))!.ClickAsync();
        await factoryPage.WaitForSelectorAsync($"#work tr[data-assignment='{assignmentId}'] td.status:has-text('ACCEPTED')");
        await Screenshot(factoryPage, "factory");
        var service = new AssignmentService.AssignmentServiceClient(channel);
        async Task<WorkAssignment> Stored(long id) =>
            (await service.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = factoryId, Page = new PageRequest { PageSize = 1000 } })).Assignments.Single(a => a.AssignmentId == id);
        Assert.Equal(AssignmentStatus.Accepted, (await Stored(assignmentId)).Status);

        // Report units of the accepted one (the page asks for the units, then the date), and reject another with a reason.
        var answers = new Queue<string>(["7", (await Stored(assignmentId)).ProductionDate, "line down for cleaning"]);
        factoryPage.Dialog += async (_, dialog) => await dialog.AcceptAsync(answers.Dequeue());
        await factoryPage.ClickAsync($"#work tr[data-assignment='{assignmentId}'] button[data-act=report]");
        await factoryPage.WaitForFunctionAsync($"() => document.querySelector(\"#work tr[data-assignment='{assignmentId}']\")?.children[6]?.textContent.trim() === '7'");
        Assert.Equal(7, (await Stored(assignmentId)).Produced);
        var other = await factoryPage.QuerySelectorAsync("#work tr[data-assignment]:has(button[data-act=reject])");
        var otherId = long.Parse((await other!.GetAttributeAsync("data-assignment"))!, System.Globalization.CultureInfo.InvariantCulture);
        await (await other.QuerySelectorAsync("button[data-act=reject]"))!.ClickAsync();
        await factoryPage.WaitForSelectorAsync($"#work tr[data-assignment='{otherId}'] td.status:has-text('REJECTED: line down for cleaning')");
        var rejected = await Stored(otherId);
        Assert.Equal((AssignmentStatus.Rejected, "line down for cleaning"), (rejected.Status, rejected.Reason));
        Assert.Empty(answers);
        Assert.Empty(errors);
    }

    private async Task Screenshot(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("DISPATCH_SCREENSHOTS") is not { Length: > 0 } dir)
            return;
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"dashboard-{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        _output.WriteLine($"wrote {path}");
    }
}
