using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using EmergencyDispatch.Api.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace EmergencyDispatch.Tests.Server;

/// <summary>The Prometheus scrape at <c>/metrics</c> and the log of refused calls.</summary>
public sealed class MetricsTests : IDisposable
{
    private readonly DispatchFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task AScrapeAfterAPlanHasItsSolveTimesCallsAndFill()
    {
        using var channel = _factory.CreateChannel();
        await Fixtures.RegisterSmallRegistry(new RegistryService.RegistryServiceClient(channel));
        await new DemandService.DemandServiceClient(channel).SubmitDemandsAsync(Fixtures.Batch(
            Fixtures.Line("D-1", 600), Fixtures.Line("D-2", 900, priority: Priority.Critical)));
        using (var call = new PlanningService.PlanningServiceClient(channel).CreatePlan(new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = 7 }))
            await PlanStreams.ReadAll(call);

        using var http = _factory.CreateClient();
        var scrape = await http.GetStringAsync("/metrics");
        // Every step of MODEL.md that ran has a time, and they are not all zero.
        var steps = Series(scrape, "dispatch_plan_step_duration_seconds_sum");
        Assert.Contains(steps, s => s.Labels.Contains("step=\"cost\"", StringComparison.Ordinal));
        Assert.Contains(steps, s => s.Labels.Contains("step=\"CRITICAL.on_time\"", StringComparison.Ordinal));
        Assert.True(steps.Sum(s => s.Value) > 0, "the steps' times sum to 0");
        Assert.Contains(Series(scrape, "dispatch_plan_solve_duration_seconds_count"), s => s.Labels.Contains("kind=\"plan\"", StringComparison.Ordinal) && s.Value >= 1);
        Assert.True(Series(scrape, "dispatch_plan_solve_duration_seconds_sum").Sum(s => s.Value) > 0);
        Assert.Contains(Series(scrape, "dispatch_plan_queue_wait_seconds_count"), s => s.Value >= 1);
        Assert.Contains(Series(scrape, "dispatch_plan_queue_length"), s => s.Value == 0);
        // The critical demand is met on time in full: its fill is 1.
        Assert.Contains(Series(scrape, "dispatch_plan_last_fill_ratio"), s =>
            s.Labels.Contains("priority=\"CRITICAL\"", StringComparison.Ordinal) && s.Labels.Contains("measure=\"on_time\"", StringComparison.Ordinal) && s.Value == 1);
        Assert.Contains(Series(scrape, "dispatch_rpc_calls_total"), s =>
            s.Labels.Contains("method=\"PlanningService/CreatePlan\"", StringComparison.Ordinal) && s.Labels.Contains("status=\"OK\"", StringComparison.Ordinal) && s.Value >= 1);
        Assert.True(Series(scrape, "dispatch_writer_group_size_count").Sum(s => s.Value) >= 1);
        Assert.True(Series(scrape, "dispatch_writer_commit_duration_seconds_sum").Sum(s => s.Value) > 0);
    }

    [Fact]
    public async Task ARefusedCallIsCountedAndLoggedWithItsMethodAndKey()
    {
        var logs = new Captured();
        using var host = _factory.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(logs)));
        using var http = host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "ed_77_not-the-secret");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.GetAsync("/v1/products")).StatusCode);

        var token = DispatchFactory.ReadAdminTokenAfterStart(host, _factory.DatabasePath);
        using var channel = DispatchFactory.CreateChannel(host.Server, token);
        using var auditorChannel = DispatchFactory.CreateChannel(host.Server, await NewToken(channel, "reader", Role.Auditor));
        await Rpc.Fails(StatusCode.PermissionDenied, async () =>
            await new RegistryService.RegistryServiceClient(auditorChannel).UpsertProductsAsync(new UpsertProductsRequest { Products = { new Product { Sku = "X", Name = "X", Unit = "piece" } } }));

        Assert.True(logs.Lines.Any(l => l.Contains("Refused RegistryService/ListProducts for key 77 (claimed)", StringComparison.Ordinal) && l.Contains("Unauthenticated", StringComparison.Ordinal)), string.Join("\n", logs.Lines.Where(l => l.StartsWith("Refused", StringComparison.Ordinal))));
        Assert.Contains(logs.Lines, l => Regex.IsMatch(l, @"Refused RegistryService/UpsertProducts for key:\d+ from .*PermissionDenied"));
        var scrape = await host.CreateClient().GetStringAsync("/metrics");
        Assert.Contains(Series(scrape, "dispatch_rpc_calls_total"), s =>
            s.Labels.Contains("method=\"RegistryService/ListProducts\"", StringComparison.Ordinal) && s.Labels.Contains("status=\"Unauthenticated\"", StringComparison.Ordinal));
        Assert.Contains(Series(scrape, "dispatch_rpc_calls_total"), s =>
            s.Labels.Contains("method=\"RegistryService/UpsertProducts\"", StringComparison.Ordinal) && s.Labels.Contains("status=\"PermissionDenied\"", StringComparison.Ordinal));
    }

    private static async Task<string> NewToken(Grpc.Net.Client.GrpcChannel admin, string name, Role role) =>
        (await new AdminService.AdminServiceClient(admin).CreateApiKeyAsync(new CreateApiKeyRequest { Name = name, Role = role })).Token;

    /// <summary>The samples of one metric in a Prometheus text scrape: their labels and values.</summary>
    private static List<(string Labels, double Value)> Series(string scrape, string name) =>
        [.. scrape.Split('\n')
            .Select(line => Regex.Match(line, "^" + Regex.Escape(name) + @"(\{(?<labels>[^}]*)\})? (?<value>\S+)"))
            .Where(m => m.Success)
            .Select(m => (m.Groups["labels"].Value, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)))];

    private sealed class Captured : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(Captured owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Lines.Enqueue(formatter(state, exception));
        }
    }
}
