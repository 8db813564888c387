using System.Diagnostics;
using System.Globalization;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Planning.Scenarios;
using Grpc.Core;
using Grpc.Net.Client;

namespace EmergencyDispatch.Benchmarks;

/// <summary>
/// The auditor's queries over 100 stored national-size plans (98 greedy plans, which are quick to make, and 2 LP
/// plans) against the real server process: ListPlans, ExplainDemand, DiffPlans and VerifyLedger.
/// </summary>
public static class AuditBenchmark
{
    public static async Task RunAsync(string url, int plans)
    {
        using var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions { HttpHandler = Credentials.Handler() });
        var planning = new PlanningService.PlanningServiceClient(channel);
        var audit = new AuditService.AuditServiceClient(channel);
        var scenario = ScenarioGenerator.Generate(new GeneratorOptions { Factories = 1000, Demands = 5000, Skus = 30, Regions = 31, Days = 14, Seed = 1 }).Scenario;
        await LoopBenchmark.LoadAsync(channel, scenario);

        var made = Stopwatch.StartNew();
        var ids = new List<long>();
        for (var i = 0; i < plans; i++)
        {
            var lp = i >= plans - 2;
            using var call = planning.CreatePlan(new CreatePlanRequest
            {
                StartDate = "2020-02-03", HorizonDays = 14, Planner = lp ? Planner.Lp : Planner.Greedy, Publish = i % 10 == 9 || i == plans - 1,
            });
            PlanSummary? plan = null;
            await foreach (var message in call.ResponseStream.ReadAllAsync())
                plan = message.Plan ?? plan;
            ids.Add(plan!.PlanId);
        }
        var head = await audit.GetLedgerHeadAsync(new GetLedgerHeadRequest());
        var bytes = new FileInfo(ServerDatabase(url)).Length;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{plans} national plans stored in {made.Elapsed.TotalSeconds:0} s ({plans - 2} greedy, 2 LP; every tenth published); ledger head at entry {head.Seq:N0}"));

        // ListPlans right after the plans were stored (while the WAL is copied back into the file), and again at the end.
        await ListPlansAsync(audit, "right after storing");

        // ExplainDemand: 200 demands, each across every plan that included it.
        var explain = new Latency();
        var samples = new List<double>();
        var random = new Random(1);
        var planned = 0;
        var slowest = new List<(double Ms, long Demand, int Binding, int Competitors)>();
        for (var i = 0; i < 210; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var response = await audit.ExplainDemandAsync(new ExplainDemandRequest { DemandId = random.Next(1, 5001), Page = new PageRequest { PageSize = 1000 } });
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            planned += response.Plans.Count;
            slowest.Add((samples[^1], response.DemandId, response.Plans.Sum(p => p.Outcome.BindingFactories.Count), response.Plans.Sum(p => p.Competitors.Count + p.MoreCompetitors)));
        }
        explain.Add(samples.Skip(10).ToList());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ExplainDemand (200 random demands after 10, {planned / 210.0:0} plans each on average): p50 {explain.Percentile(50):0.0} ms, p99 {explain.Percentile(99):0.0} ms, max {samples.Skip(10).Max():0.0} ms (target <= 100 ms)"));
        foreach (var (ms, demand, binding, competitors) in slowest.Skip(10).OrderByDescending(x => x.Ms).Take(3))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {ms:0} ms: demand {demand}, {binding:N0} binding factories and {competitors:N0} competing demands over its plans"));

        // DiffPlans of the two LP plans, then of a greedy and an LP plan.
        foreach (var (a, b) in new[] { (ids[^2], ids[^1]), (ids[0], ids[^1]) })
        {
            var started = Stopwatch.GetTimestamp();
            var diff = await audit.DiffPlansAsync(new DiffPlansRequest { PlanA = a, PlanB = b });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"DiffPlans {a} -> {b}: {Stopwatch.GetElapsedTime(started).TotalSeconds:0.000} s; {diff.Factories.Count:N0} factories and {diff.Demands.Count:N0} demands differ; moved {diff.Totals.Moved:N0} units (target <= 1 s)"));
        }

        await ListPlansAsync(audit, "after the other measurements");

        var verify = Stopwatch.StartNew();
        var verified = await audit.VerifyLedgerAsync(new VerifyLedgerRequest { Head = head }, deadline: DateTime.UtcNow.AddMinutes(5));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"VerifyLedger over {verified.Entries:N0} entries ({plans} plans, database {bytes / 1e6:0} MB): {(verified.Ok ? "ok" : "FAILED: " + verified.Problem)} in {verify.Elapsed.TotalSeconds:0.00} s (target <= 10 s)"));
    }

    /// <summary>ListPlans: a page of 20 summaries, 500 calls one after another, the first 20 left out.</summary>
    private static async Task ListPlansAsync(AuditService.AuditServiceClient audit, string when)
    {
        var list = new Latency();
        var samples = new List<double>();
        for (var i = 0; i < 500; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await audit.ListPlansAsync(new ListPlansRequest { Page = new PageRequest { PageSize = 20 } });
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        list.Add(samples.Skip(20).ToList());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ListPlans (page of 20), {when}: p50 {list.Percentile(50):0.00} ms, p99 {list.Percentile(99):0.00} ms (target p99 <= 10 ms)"));
    }

    private static string ServerDatabase(string url) => ServerProcess.Current?.DatabasePath ?? throw new InvalidOperationException($"no server process for {url}");
}
