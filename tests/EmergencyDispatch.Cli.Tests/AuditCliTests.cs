using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Cli;
using EmergencyDispatch.Cli.Infrastructure;
using Google.Protobuf;
using Grpc.Net.Client;

namespace EmergencyDispatch.Tests.Cli;

/// <summary>dispatchctl audit against the real service in-process: two plans of a small registry with demand submitted between them.</summary>
public sealed class AuditCliTests : IDisposable
{
    private const string Start = "2020-02-03";
    private const string Time = @"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ";
    private readonly DispatchFactory _factory = new();
    private readonly GrpcChannel _channel;
    private readonly string _directory = Directory.CreateTempSubdirectory("audit-cli-").FullName;

    public AuditCliTests() => _channel = _factory.CreateChannel();

    public void Dispose()
    {
        _channel.Dispose();
        _factory.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>
    /// Registers the small registry, submits D1 (300 MASK) and plans it (plan 1, published), then submits D2 (200 MASK)
    /// and D3 (50 MASK) and plans again (plan 2, a draft): plan 2 has the 250 units of D2 and D3 that plan 1 has not.
    /// </summary>
    private async Task<(PlanSummary First, PlanSummary Second, Demand D2, Demand D3)> TwoPlans()
    {
        await Fixtures.RegisterSmallRegistry(new RegistryService.RegistryServiceClient(_channel));
        var demands = new DemandService.DemandServiceClient(_channel);
        await demands.SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("D1", quantity: 300)));
        var first = await CreatePlan("--publish");
        var added = (await demands.SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("D2", quantity: 200), Fixtures.Line("D3", quantity: 50)))).Demands;
        var second = await CreatePlan();
        Assert.Equal((1L, PlanStatus.Active, 2L, PlanStatus.Draft), (first.PlanId, first.Status, second.PlanId, second.Status));
        return (first, second, added.Single(d => d.Line.RequestId == "D2"), added.Single(d => d.Line.RequestId == "D3"));
    }

    private async Task<PlanSummary> CreatePlan(params string[] options)
    {
        var (exit, output, error) = await Run(["plan", "create", "--start", Start, "--horizon", "5", "--json", .. options]);
        Assert.True(exit == ExitCodes.Ok, error);
        return JsonParser.Default.Parse<PlanSummary>(output);
    }

    /// <summary>Runs dispatchctl against the in-process server with its output captured (tables 240 columns wide unless <paramref name="width"/>).</summary>
    private async Task<(int Exit, string Out, string Error)> Run(string[] args, int? width = null)
    {
        var output = new SharedWriter();
        var error = new SharedWriter();
        var console = CliConsole.FromWriters(output, error);
        if (width is { } w)
            console.Out.Profile.Width = w;
        var root = DispatchCli.CreateRootCommand(console, _ => _channel);
        var exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    private Task<(int Exit, string Out, string Error)> Audit(params string[] args) => Run(["audit", .. args]);

    /// <summary>A row of the <c>audit plans</c> table, ending after published_at or after the on-time column (every unit HIGH and on time).</summary>
    private static Regex PlanRow(PlanSummary plan, string status, string published, bool onTime = true) => new(
        $@"^│\s*{plan.PlanId}\s*│\s*{status}\s*│\s*{Time}\s*│[^│]*│\s*{Start}\s*│\s*5\s*│\s*lp\s*│\s*COMPLETE\s*│\s*{plan.AssignmentCount}\s*│"
        + $@"\s*{plan.DemandCount}\s*│\s*{published}\s*│" + (onTime ? @"\s*C - H 100% N - L -\s*│$" : "$"),
        RegexOptions.Multiline);

    [Fact]
    public async Task PlansListsEveryPageNewestFirstFilteredByStatusAndTime()
    {
        var (first, second, _, _) = await TwoPlans();

        var listed = await Audit("plans", "--page-size", "1");

        Assert.Equal((ExitCodes.Ok, ""), (listed.Exit, listed.Error));
        var rowOfSecond = PlanRow(second, "DRAFT", "").Match(listed.Out);
        var rowOfFirst = PlanRow(first, "ACTIVE", Time).Match(listed.Out);
        Assert.True(rowOfSecond.Success && rowOfFirst.Success, listed.Out);
        Assert.True(rowOfSecond.Index < rowOfFirst.Index, "newest first:\n" + listed.Out);
        Assert.DoesNotContain("--page-token", listed.Out);

        var json = await Audit("plans", "--json");
        Assert.Equal([2L, 1L], JsonParser.Default.Parse<ListPlansResponse>(json.Out).Plans.Select(p => p.PlanId));

        var active = await Audit("plans", "--status", "active");
        Assert.Matches(PlanRow(first, "ACTIVE", Time), active.Out);
        Assert.DoesNotMatch(@"│\s*DRAFT\s*│", active.Out);
        var both = await Audit("plans", "--status", "DRAFT", "--status", "SUPERSEDED", "--status", "ACTIVE", "--json");
        Assert.Equal(2, JsonParser.Default.Parse<ListPlansResponse>(both.Out).Plans.Count);

        var inRange = await Audit("plans", "--from", "2020-01-01", "--to", "2999-12-31T23:59:59Z", "--json");
        Assert.Equal(2, JsonParser.Default.Parse<ListPlansResponse>(inRange.Out).Plans.Count);
        var before = await Audit("plans", "--to", "2000-01-01");
        Assert.Equal((ExitCodes.Ok, "(none)\n"), (before.Exit, before.Out));
        var after = await Audit("plans", "--from", "2999-01-01T10:00:00+02:00", "--json");
        Assert.Empty(JsonParser.Default.Parse<ListPlansResponse>(after.Out).Plans);

        var badTime = await Audit("plans", "--from", "yesterday");
        Assert.Equal(1, badTime.Exit);
        Assert.Contains("--from must be an ISO-8601 time such as 2026-11-28T10:00:00Z or a date yyyy-MM-dd (midnight UTC), got 'yesterday'.", badTime.Error);
        var backwards = await Audit("plans", "--from", "2030-01-01", "--to", "2020-01-01");
        Assert.Equal(1, backwards.Exit);
        Assert.Contains("--to must be later than --from.", backwards.Error);
    }

    [Fact]
    public async Task PlansLeavesOutTheOnTimeColumnWhenTheTableDoesNotFit()
    {
        var (first, second, _, _) = await TwoPlans();

        var narrow = await Run(["audit", "plans"], width: 160);

        Assert.Equal(ExitCodes.Ok, narrow.Exit);
        Assert.DoesNotContain("on_time", narrow.Out);
        Assert.Matches(PlanRow(second, "DRAFT", "", onTime: false), narrow.Out);
        Assert.Matches(PlanRow(first, "ACTIVE", Time, onTime: false), narrow.Out);
        Assert.Contains("on_time", (await Audit("plans")).Out);
    }

    [Fact]
    public async Task InputsOutWritesTheExactBytesWhoseSha256IsPrinted()
    {
        var (_, second, _, _) = await TwoPlans();
        var stored = await new AuditService.AuditServiceClient(_channel).GetPlanInputsAsync(new GetPlanInputsRequest { PlanId = 1 });
        var file = Path.Combine(_directory, "inputs-1.json");

        var written = await Audit("inputs", "1", "--out", file);

        Assert.Equal((ExitCodes.Ok, ""), (written.Exit, written.Error));
        var printed = Regex.Match(written.Out, @"^plan 1: inputs written to (.+) \(sha256 ([0-9a-f]{64})\)\n$");
        Assert.True(printed.Success, written.Out);
        Assert.Equal(file, printed.Groups[1].Value);
        var bytes = await File.ReadAllBytesAsync(file);
        Assert.Equal(printed.Groups[2].Value, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.Equal(stored.InputsSha256, printed.Groups[2].Value);
        Assert.Equal(Encoding.UTF8.GetBytes(stored.InputsJson), bytes);
        Assert.Equal(((byte)'{', (byte)'}'), (bytes[0], bytes[^1]));

        var shown = await Audit("inputs", "1");

        Assert.Equal(ExitCodes.Ok, shown.Exit);
        Assert.Matches(@"plan_id\s*│\s*1\s*│", shown.Out);
        Assert.Matches($@"start, horizon\s*│\s*{Start}, 5 days\s*│", shown.Out);
        Assert.Matches(@"planner\s*│\s*lp\s*│", shown.Out);
        Assert.Matches($@"inputs sha256\s*│\s*{stored.InputsSha256}\s*│", shown.Out);
        Assert.EndsWith("\n" + stored.InputsJson + "\n", shown.Out);
        // Plan 1 was made before D2 and D3 were submitted.
        Assert.Contains("\"D1\"", stored.InputsJson);
        Assert.DoesNotContain("\"D2\"", stored.InputsJson);
        Assert.DoesNotContain("\"D3\"", stored.InputsJson);

        var json = await Audit("inputs", "2", "--json");
        var response = JsonParser.Default.Parse<GetPlanInputsResponse>(json.Out);
        Assert.Equal((2L, Start, 5), (response.PlanId, response.Request.StartDate, response.Request.HorizonDays));
        Assert.Contains("\"D2\"", response.InputsJson);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(response.InputsJson))), response.InputsSha256);
        Assert.NotEqual(stored.InputsSha256, response.InputsSha256);
        Assert.Equal(second.PlanId, response.PlanId);

        var missing = await Audit("inputs", "99", "--out", Path.Combine(_directory, "missing.json"));
        Assert.Equal((ExitCodes.Failed, "error: NotFound: plan 99 does not exist\n"), (missing.Exit, missing.Error));
        Assert.False(File.Exists(Path.Combine(_directory, "missing.json")));
    }

    /// <summary>A row of the demands table of <c>audit diff</c>.</summary>
    private static Regex DemandRow(Demand d, long unitsA, long unitsB, long dropped, long added) => new(
        $@"^│\s*{d.DemandId}\s*│\s*{d.Line.RequestId}\s*│\s*{unitsA}\s*│\s*{unitsB}\s*│\s*0\s*│\s*0\s*│\s*{dropped}\s*│\s*{added}\s*│$", RegexOptions.Multiline);

    [Fact]
    public async Task DiffShowsTheAddedUnitsOfTheNewDemandLargestFirstBothWays()
    {
        var (_, _, d2, d3) = await TwoPlans();
        var response = await new AuditService.AuditServiceClient(_channel).DiffPlansAsync(new DiffPlansRequest { PlanA = 1, PlanB = 2 });
        var t = response.Totals;
        Assert.Equal((300L, 550L, 0L), (t.UnitsA, t.UnitsB, t.Dropped));

        var diff = await Audit("diff", "1", "2");

        Assert.Equal((ExitCodes.Ok, ""), (diff.Exit, diff.Error));
        Assert.StartsWith($"plan 1 → plan 2: units 300 → 550; kept {t.Kept}, moved {t.Moved}, dropped 0, added {t.Added}\n", diff.Out);
        Assert.True(t.Added >= 250, $"the 250 units of D2 and D3 are added: {t}");
        var f1 = response.Factories.Single(f => f.FactoryId == "F1");
        Assert.Matches(
            new Regex($@"^│\s*F1\s*│\s*300\s*│\s*550\s*│\s*{f1.Kept}\s*│\s*{f1.Added}\s*│\s*{f1.Removed}\s*│$", RegexOptions.Multiline), diff.Out);
        var rowOfD2 = DemandRow(d2, 0, 200, 0, 200).Match(diff.Out);
        var rowOfD3 = DemandRow(d3, 0, 50, 0, 50).Match(diff.Out);
        Assert.True(rowOfD2.Success && rowOfD3.Success, diff.Out);
        Assert.True(diff.Out.IndexOf("factories:\n", StringComparison.Ordinal) < diff.Out.IndexOf("demands:\n", StringComparison.Ordinal), diff.Out);
        Assert.True(diff.Out.IndexOf("demands:\n", StringComparison.Ordinal) < rowOfD2.Index && rowOfD2.Index < rowOfD3.Index, "largest first:\n" + diff.Out);
        Assert.DoesNotContain("--limit 0", diff.Out);

        var limited = await Audit("diff", "1", "2", "--limit", "1");

        Assert.Matches(DemandRow(d2, 0, 200, 0, 200), limited.Out);
        Assert.DoesNotMatch(DemandRow(d3, 0, 50, 0, 50), limited.Out);
        Assert.EndsWith($"\n1 of {response.Demands.Count} demands shown, largest changes first; every row with --limit 0.\n", limited.Out);

        var reverse = await Audit("diff", "2", "1");

        Assert.Equal(ExitCodes.Ok, reverse.Exit);
        Assert.StartsWith("plan 2 → plan 1: units 550 → 300; ", reverse.Out);
        Assert.Matches(@"; kept \d+, moved \d+, dropped \d+, added 0\n", reverse.Out);
        Assert.Matches(DemandRow(d2, 200, 0, 200, 0), reverse.Out);
        Assert.Matches(DemandRow(d3, 50, 0, 50, 0), reverse.Out);

        var json = await Audit("diff", "1", "2", "--json");
        Assert.Equal(response, JsonParser.Default.Parse<DiffPlansResponse>(json.Out));
        var badLimit = await Audit("diff", "1", "2", "--limit", "-1");
        Assert.Equal(1, badLimit.Exit);
        Assert.Contains("--limit must be 0 (every row) or more.", badLimit.Error);
    }

    [Fact]
    public async Task ReplayOfAStoredPlanIsIdenticalAndExitsZero()
    {
        var (first, _, _, _) = await TwoPlans();

        var replay = await Audit("replay", "1");

        Assert.Equal((ExitCodes.Ok, ""), (replay.Exit, replay.Error));
        Assert.Matches($@"^plan 1 replays identically \(sha256 {first.AssignmentsSha256}\) in \d+\.\d\d s\n$", replay.Out);

        var json = await Audit("replay", "2", "--json");
        Assert.Equal(ExitCodes.Ok, json.Exit);
        var response = JsonParser.Default.Parse<ReplayPlanResponse>(json.Out);
        Assert.True(response.Identical);
        Assert.Equal((response.StoredSha256, PlanCompletion.Complete), (response.ReplayedSha256, response.Completion));
        Assert.Empty(response.Differences);

        var missing = await Audit("replay", "42");
        Assert.Equal((ExitCodes.Failed, "", "error: NotFound: plan 42 does not exist\n"), (missing.Exit, missing.Out, missing.Error));
    }

    [Fact]
    public async Task ExplainEventsHeadAndVerifyPrintWhatTheLedgerSays()
    {
        var (first, second, d2, _) = await TwoPlans();

        var (exit, output, error) = await Audit("explain", "D2");
        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains($"demand {d2.DemandId} (D2 of admin), HIGH, due 2020-02-10: in 1 plan(s)", output);
        Assert.Contains($"plan {second.PlanId} (DRAFT): 200 on time, 0 late, 0 unmet of 200", output);
        Assert.Equal(output, (await Audit("explain", d2.DemandId.ToString(System.Globalization.CultureInfo.InvariantCulture))).Out);

        (exit, output, error) = await Audit("events", "--rpc", "DemandService/SubmitDemands");
        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Matches(@"│\s*\d+\s*│[^│]*│\s*admin\s*│\s*DemandService/SubmitDemands\s*│\s*demand 1 \(1\)\s*│", output);
        Assert.Contains("demand 2, 3 (2)", output);
        Assert.DoesNotContain("PlanningService", output);

        (exit, output, _) = await Audit("head");
        Assert.Equal(ExitCodes.Ok, exit);
        var head = Regex.Match(output, @"ledger head: entry (\d+), hash ([0-9a-f]{64})");
        Assert.True(head.Success, output);
        (exit, output, _) = await Audit("verify", "--seq", head.Groups[1].Value, "--hash", head.Groups[2].Value);
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.StartsWith($"ledger ok: {head.Groups[1].Value} entries", output);
        (exit, output, _) = await Audit("verify", "--seq", head.Groups[1].Value, "--hash", new string('0', 64));
        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Contains("ledger NOT ok", output);
        Assert.Contains("was rewritten", output);
        (exit, _, error) = await Audit("verify", "--seq", "3");
        Assert.NotEqual(ExitCodes.Ok, exit);
        Assert.Contains("--seq and --hash go together", error);
        Assert.True(first.PlanId < second.PlanId);
    }
}
