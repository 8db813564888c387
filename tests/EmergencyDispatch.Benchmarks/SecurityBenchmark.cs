using System.Diagnostics;
using System.Globalization;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Planning.Scenarios;
using Grpc.Net.Client;

namespace EmergencyDispatch.Benchmarks;

/// <summary>
/// What authentication and authorisation cost ListAssignments under load: the same national plan served by the
/// server as it is and by the server as it was before the security interceptor existed (built from git), measured
/// with h2load in alternating rounds; the current server is called with a factory key for the factory listed.
/// </summary>
public static class SecurityBenchmark
{
    // Where the interceptor was first added (it lives in Grpc/ since).
    private const string Interceptor = "src/EmergencyDispatch.Server/Security/SecurityInterceptor.cs";

    public static async Task RunAsync(string root, string? baseline, int rounds)
    {
        baseline ??= Git(root, $"log --diff-filter=A --format=%H -1 -- {Interceptor}") + "^";
        var folder = Path.Combine(Path.GetTempPath(), $"dispatch-baseline-{Guid.NewGuid():N}");
        Git(root, $"worktree add --detach \"{folder}\" {baseline}");
        try
        {
            Console.WriteLine($"baseline: {Git(root, $"log --format=\"%h %s\" -1 {baseline}")}");
            await using var before = await ServerProcess.StartAsync(folder);
            var beforeRun = await PrepareAsync(before.Url, token: null);
            await using var now = await ServerProcess.StartAsync(root);
            var nowRun = await PrepareAsync(now.Url, now.AdminToken);

            var p99Before = new List<double>();
            var p99Now = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                if (await LoopBenchmark.H2LoadAsync(before.Url, LoopBenchmark.ListAssignmentsPath, beforeRun.Body, $"round {round + 1}, without security: ListAssignments", null) is not { } b)
                    return;
                p99Before.Add(b);
                p99Now.Add((await LoopBenchmark.H2LoadAsync(now.Url, LoopBenchmark.ListAssignmentsPath, nowRun.Body, $"round {round + 1}, factory key: ListAssignments", nowRun.FactoryKey))!.Value);
            }
            double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ListAssignments p99, median of {rounds} rounds: {Median(p99Before):0.00} ms without security, {Median(p99Now):0.00} ms with a factory key: "
                + $"{(Median(p99Now) / Median(p99Before) - 1) * 100:+0.0;-0.0}% (target <= +10%)"));
        }
        finally
        {
            Git(root, $"worktree remove --force \"{folder}\"");
        }
    }

    /// <summary>Loads the national scenario, publishes a plan, picks the middle factory and (when the server has keys) makes it a factory key that works.</summary>
    private static async Task<(byte[] Body, string? FactoryKey)> PrepareAsync(string url, string? token)
    {
        using var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions { HttpHandler = token is null ? null : Credentials.Handler(token: token) });
        var scenario = ScenarioGenerator.Generate(new GeneratorOptions { Factories = 1000, Demands = 5000, Skus = 30, Regions = 31, Days = 14, Seed = 1 }).Scenario;
        var watch = Stopwatch.StartNew();
        await LoopBenchmark.LoadAsync(channel, scenario);
        var (plan, _) = await LoopBenchmark.PlanAsync(new PlanningService.PlanningServiceClient(channel), publish: true, frozenDays: 2);
        var listed = scenario.Factories.Select(f => f.FactoryId).Order(StringComparer.Ordinal).ElementAt(scenario.Factories.Count / 2);
        var request = new ListAssignmentsRequest { FactoryId = listed };
        string? key = null;
        if (token is not null)
        {
            key = (await new AdminService.AdminServiceClient(channel).CreateApiKeyAsync(new CreateApiKeyRequest { Name = listed, Role = Role.Factory, FactoryId = listed })).Token;
            // h2load sees HTTP statuses only: check with a real client that the key is let in.
            using var asFactory = GrpcChannel.ForAddress(url, new GrpcChannelOptions { HttpHandler = Credentials.Handler(token: key) });
            await new AssignmentService.AssignmentServiceClient(asFactory).ListAssignmentsAsync(request);
        }
        var count = (await new AssignmentService.AssignmentServiceClient(channel).ListAssignmentsAsync(request)).Assignments.Count;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{url}: plan {plan.PlanId} published ({plan.AssignmentCount:N0} assignments) in {watch.Elapsed.TotalSeconds:0} s; {listed} has {count} assignments"));
        return (Google.Protobuf.MessageExtensions.ToByteArray(request), key);
    }

    private static string Git(string root, string arguments)
    {
        using var p = Process.Start(new ProcessStartInfo("git", arguments) { WorkingDirectory = root, RedirectStandardOutput = true })!;
        var output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"git {arguments} failed with exit code {p.ExitCode}");
        return output;
    }
}
