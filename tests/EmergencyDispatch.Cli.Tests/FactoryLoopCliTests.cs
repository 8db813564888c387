using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Cli;
using EmergencyDispatch.Cli.Infrastructure;
using Google.Protobuf;
using Grpc.Net.Client;

namespace EmergencyDispatch.Tests.Cli;

/// <summary>A text writer a test can read while a command still writes to it on another thread; lines end with \n on every platform.</summary>
public sealed class SharedWriter : TextWriter
{
    private readonly StringBuilder _text = new();

    public SharedWriter() => NewLine = "\n";

    public override Encoding Encoding => Encoding.UTF8;

    // Every other Write overload of TextWriter ends here.
    public override void Write(char value)
    {
        lock (_text)
            _text.Append(value);
    }

    public override string ToString()
    {
        lock (_text)
            return _text.ToString();
    }
}

/// <summary>dispatchctl's plan publishing, assignments and factory commands against the real service in-process, each test on a fresh small registry.</summary>
public sealed class FactoryLoopCliTests : IDisposable
{
    private const string Start = "2020-02-03";
    private const string Reason = "line converted to gowns";
    private readonly DispatchFactory _factory = new();
    private readonly GrpcChannel _channel;
    private readonly AssignmentService.AssignmentServiceClient _assignments;

    public FactoryLoopCliTests()
    {
        _channel = _factory.CreateChannel();
        _assignments = new AssignmentService.AssignmentServiceClient(_channel);
    }

    public void Dispose()
    {
        _channel.Dispose();
        _factory.Dispose();
    }

    /// <summary>Registers F1 (makes MASK, 1000 a day) and F2 and submits D1 (300 MASK) and D2 (200 MASK), both due 2020-02-10 in R3.</summary>
    private async Task<IReadOnlyList<Demand>> Setup()
    {
        await Fixtures.RegisterSmallRegistry(new RegistryService.RegistryServiceClient(_channel));
        var submitted = await new DemandService.DemandServiceClient(_channel)
            .SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("D1", quantity: 300), Fixtures.Line("D2", quantity: 200)));
        return submitted.Demands;
    }

    /// <summary>Runs dispatchctl to its end with its output captured.</summary>
    private async Task<(int Exit, string Out, string Error)> Run(params string[] args)
    {
        var output = new SharedWriter();
        var error = new SharedWriter();
        var exit = await Invoke(args, output, error, CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>Starts dispatchctl against the in-process server; <paramref name="cancellationToken"/> stands in for Ctrl+C.</summary>
    private Task<int> Invoke(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var root = DispatchCli.CreateRootCommand(CliConsole.FromWriters(output, error), _ => _channel);
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
    }

    /// <summary>Plans all open demand over 5 days from <see cref="Start"/> and publishes it, with the CLI.</summary>
    private async Task<PlanSummary> PublishPlan(params string[] options)
    {
        var (exit, output, error) = await Run(["plan", "create", "--start", Start, "--horizon", "5", "--publish", "--json", .. options]);
        Assert.True(exit == ExitCodes.Ok, error);
        var plan = JsonParser.Default.Parse<PlanSummary>(output);
        Assert.Equal(PlanStatus.Active, plan.Status);
        return plan;
    }

    /// <summary>F1's current assignments, read straight from the service.</summary>
    private async Task<List<WorkAssignment>> Listed() =>
        [.. (await _assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = "F1", Page = new PageRequest { PageSize = 1000 } })).Assignments];

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The table row of an assignment in a given status, with nothing produced.</summary>
    private static string RowPattern(WorkAssignment a, string status) =>
        $@"^│\s*{a.AssignmentId}\s*│\s*{a.PlanId}\s*│\s*{a.DemandId}\s*│\s*{a.RequestId}\s*│\s*MASK\s*│\s*{a.ProductionDate}\s*│\s*{a.ArrivalDate}\s*│"
        + $@"\s*{a.Quantity}\s*│\s*0\s*│\s*{status}\s*│";

    /// <summary>Waits until the condition holds (at most 10 s).</summary>
    private static async Task Until(Func<bool> condition, SharedWriter output)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not there in 10 s; the output so far:\n{output}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task PlanPublishPrintsTheActivePlanAReplanItsChangesAndASupersededPlanIsRefused()
    {
        await Setup();
        var (created, draftJson, _) = await Run("plan", "create", "--start", Start, "--horizon", "5", "--json");
        var draft = JsonParser.Default.Parse<PlanSummary>(draftJson);
        Assert.Equal((ExitCodes.Ok, PlanStatus.Draft), (created, draft.Status));
        Assert.Empty(await Listed());

        var published = await Run("plan", "publish", N(draft.PlanId));

        Assert.Equal((ExitCodes.Ok, ""), (published.Exit, published.Error));
        Assert.Matches($@"^plan {draft.PlanId}: ACTIVE, published \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ by \S+\n$", published.Out);
        Assert.Equal(500, (await Listed()).Sum(a => a.Quantity));

        var replan = await Run("plan", "create", "--start", Start, "--horizon", "5", "--publish");

        Assert.Equal(ExitCodes.Ok, replan.Exit);
        Assert.Matches(@"status\s*│\s*ACTIVE", replan.Out);
        Assert.Matches(@"published\s*│\s*\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ by ", replan.Out);
        Assert.Contains("commitments: 0 accepted assignment(s) kept; exclusions: 0 rejected (factory, demand) pair(s) not used", replan.Out);
        var changes = Regex.Match(replan.Out, $@"against plan {draft.PlanId}: kept (\d+), moved (\d+), dropped (\d+), added (\d+) units");
        Assert.True(changes.Success, replan.Out);
        var units = changes.Groups.Values.Skip(1).Select(g => long.Parse(g.Value, CultureInfo.InvariantCulture)).ToArray();
        // Both plans plan all 500 units: the new plan's are kept, moved or added; the old plan's kept, moved or dropped.
        Assert.Equal((500L, 500L), (units[0] + units[1] + units[3], units[0] + units[1] + units[2]));
        var replanId = long.Parse(Regex.Match(replan.Out, @"plan_id\s*│\s*(\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(replanId > draft.PlanId);

        var refused = await Run("plan", "publish", N(draft.PlanId));

        Assert.Equal((ExitCodes.Failed, ""), (refused.Exit, refused.Out));
        Assert.Equal($"error: FailedPrecondition: plan {draft.PlanId} is SUPERSEDED: only a draft can be published\n", refused.Error);

        var again = await Run("plan", "publish", N(replanId), "--json");

        Assert.Equal(ExitCodes.Ok, again.Exit);
        var active = JsonParser.Default.Parse<PlanSummary>(again.Out);
        Assert.Equal((replanId, PlanStatus.Active, draft.PlanId), (active.PlanId, active.Status, active.Changes.ActivePlanId));
    }

    [Fact]
    public async Task PublishedAssignmentsAreListedOnEveryPageAcceptedAndReported()
    {
        var demands = await Setup();
        var plan = await PublishPlan("--frozen-days", "1");
        Assert.Equal(1, plan.Request.FrozenDays);
        var work = await Listed();
        Assert.Equal((500L, plan.AssignmentCount), (work.Sum(a => a.Quantity), work.Count));
        Assert.True(work.Count >= 2, "the test needs assignments on more than one page");

        var listed = await Run("assignments", "list", "--factory", "F1", "--page-size", "1");

        Assert.Equal(ExitCodes.Ok, listed.Exit);
        Assert.All(work, a => Assert.Matches(new Regex(RowPattern(a, "PENDING"), RegexOptions.Multiline), listed.Out));
        Assert.DoesNotContain("--page-token", listed.Out);

        var target = work[0];
        var accepted = await Run("assignments", "accept", "--factory", "F1", N(target.AssignmentId));

        Assert.Equal(ExitCodes.Ok, accepted.Exit);
        Assert.Matches(@"status\s*│\s*ACCEPTED", accepted.Out);
        var relisted = await Run("assignments", "list", "--factory", "F1");
        Assert.Matches(new Regex(RowPattern(target, "ACCEPTED"), RegexOptions.Multiline), relisted.Out);
        Assert.All(work.Skip(1), a => Assert.Matches(new Regex(RowPattern(a, "PENDING"), RegexOptions.Multiline), relisted.Out));
        var json = await Run("assignments", "list", "--factory", "F1", "--json", "--page-size", "1");
        Assert.Equal(await Listed(), JsonParser.Default.Parse<ListAssignmentsResponse>(json.Out).Assignments);

        Assert.True(target.Quantity >= 2, "the test reports half of the assignment first");
        var half = target.Quantity / 2;
        string[] report = ["assignments", "report", "--factory", "F1", N(target.AssignmentId), "--report-id", "r-1", "--date", Start, "--quantity", N(half)];
        var reported = await Run(report);
        var replayed = await Run(report);

        Assert.Equal((ExitCodes.Ok, ExitCodes.Ok), (reported.Exit, replayed.Exit));
        var lines = $"assignment {target.AssignmentId}: {half} of {target.Quantity} units produced, ACCEPTED\n"
            + $"demand {target.DemandId} ({target.RequestId}): PARTIALLY_FULFILLED, {half} units produced in all\n";
        Assert.Equal(lines, reported.Out);
        Assert.Equal("report r-1 was recorded before; nothing changed.\n" + lines, replayed.Out);

        var rest = await Run("assignments", "report", "--factory", "F1", N(target.AssignmentId), "--report-id", "r-2", "--date", Start,
            "--quantity", N(target.Quantity - half));

        var demand = demands.Single(d => d.DemandId == target.DemandId);
        var status = target.Quantity == demand.Line.Quantity ? "FULFILLED" : "PARTIALLY_FULFILLED";
        Assert.Contains($"{target.Quantity} of {target.Quantity} units produced, DONE", rest.Out);
        Assert.Contains($"demand {target.DemandId} ({target.RequestId}): {status}, {target.Quantity} units produced in all", rest.Out);
    }

    [Fact]
    public async Task RejectNeedsAReasonAndTheRejectionIsListedLeftOutOfTheNextPlanAndCleared()
    {
        await Setup();
        await PublishPlan();
        var target = (await Listed())[0];

        var missing = await Run("assignments", "reject", "--factory", "F1", N(target.AssignmentId));

        Assert.Equal(1, missing.Exit);
        Assert.Contains("Option '--reason' is required.", missing.Error);
        Assert.Equal(AssignmentStatus.Pending, (await Listed()).Single(a => a.AssignmentId == target.AssignmentId).Status);

        var rejected = await Run("assignments", "reject", "--factory", "F1", N(target.AssignmentId), "--reason", Reason);

        Assert.Equal(ExitCodes.Ok, rejected.Exit);
        Assert.Matches(@"status\s*│\s*REJECTED", rejected.Out);
        Assert.Matches($@"reason\s*│\s*{Reason}", rejected.Out);
        var rejections = await Run("assignments", "rejections", "--factory", "F1");
        Assert.Matches($@"│\s*F1\s*│\s*{target.DemandId}\s*│\s*{target.AssignmentId}\s*│\s*{Reason}\s*│", rejections.Out);

        var replan = await Run("plan", "create", "--start", Start, "--horizon", "5", "--publish");
        Assert.Contains("exclusions: 1 rejected (factory, demand) pair(s) not used", replan.Out);

        var cleared = await Run("assignments", "clear-rejection", "--factory", "F1", "--demand", N(target.DemandId));
        var clearedAgain = await Run("assignments", "clear-rejection", "--factory", "F1", "--demand", N(target.DemandId));

        Assert.Equal($"cleared 1 rejection(s) of demand {target.DemandId} by F1; the next plan may use the pair again.\n", cleared.Out);
        Assert.Equal($"no rejection of demand {target.DemandId} by F1 was in force; nothing changed.\n", clearedAgain.Out);
        Assert.Equal("(none)\n", (await Run("assignments", "rejections")).Out);
    }

    [Fact]
    public async Task FactoryAvailabilitySetsEveryDayOfTheRange()
    {
        await Setup();

        var outage = await Run("factory", "availability", "--factory", "F1", "--from", "2020-02-04", "--to", "2020-02-06", "--factor", "0");
        var expansion = await Run(
            "factory", "availability", "--factory", "F1", "--from", "2020-02-06", "--to", "2020-02-06", "--factor", "1.5", "--json");
        var unknown = await Run("factory", "availability", "--factory", "NOPE", "--from", "2020-02-04", "--to", "2020-02-04", "--factor", "0");

        Assert.Equal((ExitCodes.Ok, ExitCodes.Ok, ExitCodes.Failed), (outage.Exit, expansion.Exit, unknown.Exit));
        Assert.Equal("F1: capacity factor 0 set on 3 day(s), 2020-02-04 to 2020-02-06; the next plan uses it.\n", outage.Out);
        Assert.Equal(1, JsonParser.Default.Parse<UpdateAvailabilityResponse>(expansion.Out).Days);
        Assert.Equal("error: NotFound: factory NOPE does not exist\n", unknown.Error);
        var days = await new RegistryService.RegistryServiceClient(_channel).ListAvailabilityAsync(new ListAvailabilityRequest { FactoryId = "F1" });
        Assert.Equal(["2020-02-04 0", "2020-02-05 0", "2020-02-06 1.5"], days.Days.Select(d => $"{d.Date} {ProtoText.Number(d.Factor)}"));
    }

    [Fact]
    public async Task WatchPrintsTheAssignmentsThenSyncedThenLiveChangesUntilCancelledAndResumes()
    {
        await Setup();
        var plan = await PublishPlan();
        var work = await Listed();
        var version = work.Max(a => a.Version);
        using var stop = new CancellationTokenSource();
        var output = new SharedWriter();
        var error = new SharedWriter();

        var watching = Invoke(["assignments", "watch", "--factory", "F1"], output, error, stop.Token);
        await Until(() => output.ToString().Contains("synced"), output);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            work.Select(a => $"v{a.Version} assignment {a.AssignmentId} PENDING: {a.Quantity} MASK for demand {a.DemandId} ({a.RequestId}), "
                + $"produce {a.ProductionDate}, arrive {a.ArrivalDate}, produced 0, plan {plan.PlanId}"),
            lines[..^1]);
        Assert.StartsWith($"synced at version {version}: ", lines[^1]);

        var target = work[^1];
        await _assignments.AcknowledgeAssignmentAsync(new AcknowledgeAssignmentRequest
            { FactoryId = "F1", AssignmentId = target.AssignmentId, Decision = Decision.Reject, Reason = Reason });
        await Until(() => output.ToString().Contains($"assignment {target.AssignmentId} REJECTED"), output);
        await stop.CancelAsync();

        Assert.Equal(ExitCodes.Cancelled, await watching);
        Assert.Equal("cancelled\n", error.ToString());
        var live = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.Matches($@"^v(\d+) assignment {target.AssignmentId} REJECTED: .*; reason: {Reason}$", live);
        Assert.True(long.Parse(Regex.Match(live, @"^v(\d+)").Groups[1].Value, CultureInfo.InvariantCulture) > version);

        // From the synced version, as JSON: only the change since, then synced.
        using var stopResumed = new CancellationTokenSource();
        var resumedOutput = new SharedWriter();
        var resumed = Invoke(
            ["assignments", "watch", "--factory", "F1", "--after-version", N(version), "--json"], resumedOutput, new SharedWriter(), stopResumed.Token);
        await Until(() => resumedOutput.ToString().Contains("\"synced\""), resumedOutput);
        await stopResumed.CancelAsync();

        Assert.Equal(ExitCodes.Cancelled, await resumed);
        var messages = JsonMessages(resumedOutput.ToString());
        Assert.Equal(2, messages.Count);
        var change = messages[0].Assignment;
        Assert.Equal((target.AssignmentId, AssignmentStatus.Rejected, Reason), (change.AssignmentId, change.Status, change.Reason));
        Assert.Equal(change.Version, messages[1].Synced.Version);
    }

    [Fact]
    public async Task AssignmentsOfARegionListEachOfItsFactoriesRowsWithTheFactory()
    {
        await Setup();
        await PublishPlan();
        var work = await Listed();
        var file = Path.Combine(Path.GetTempPath(), $"r1-{Guid.NewGuid():N}.csv");
        try
        {
            var (exit, output, error) = await Run(["assignments", "list", "--region", "R1", "--csv", file]);
            Assert.True(exit == ExitCodes.Ok, error);
            Assert.Contains($"{work.Count} rows written", output);
            var lines = (await File.ReadAllLinesAsync(file)).ToList();
            Assert.StartsWith("factory,id,plan_id,", lines[0]);
            Assert.Equal(work.Select(a => $"F1,{a.AssignmentId},").Order(StringComparer.Ordinal),
                lines.Skip(1).Select(l => string.Join(',', l.Split(',').Take(2)) + ",").Order(StringComparer.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }

        var (none, _, refused) = await Run(["assignments", "list"]);
        Assert.NotEqual(ExitCodes.Ok, none);
        Assert.Contains("--factory", refused);
    }

    /// <summary>The watch messages of <c>--json</c> output: one JSON object after another.</summary>
    private static List<WatchAssignmentsResponse> JsonMessages(string text)
    {
        var messages = new List<WatchAssignmentsResponse>();
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text), new JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            using var document = JsonDocument.ParseValue(ref reader);
            messages.Add(JsonParser.Default.Parse<WatchAssignmentsResponse>(document.RootElement.GetRawText()));
        }
        return messages;
    }
}
