using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Planning.Plans;
using EmergencyDispatch.Planning.Scenarios;
using EmergencyDispatch.Server.Grpc.Mapping;
using EmergencyDispatch.Server.Persistence;
using EmergencyDispatch.Server.PlanQueue;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using ApiAssignment = EmergencyDispatch.Api.V1.Assignment;
using ApiPlanner = EmergencyDispatch.Api.V1.Planner;
using ApiOutcome = EmergencyDispatch.Api.V1.Outcome;
using DomainAssignment = EmergencyDispatch.Planning.Plans.Assignment;
using DomainOutcome = EmergencyDispatch.Planning.Plans.Outcome;
using Planner = EmergencyDispatch.Planning.Plans.Planner;

namespace EmergencyDispatch.Tests.Server;

public sealed class PlanningServiceTests(SeededPlanFixture fixture) : IClassFixture<SeededPlanFixture>
{
    private readonly PlanningService.PlanningServiceClient _planning = fixture.Planning;

    /// <summary>The seed scenario planned here, without any server, as <c>dispatchctl solve</c> plans it.</summary>
    private static PlanResult SolveSeedsLocally()
    {
        var (scenario, errors) = ScenarioReader.Read(RepositoryPaths.Seeds);
        Assert.Empty(errors);
        return Planner.Plan(PlanningInput.From(scenario!), new PlannerOptions());
    }

    private static string AssignmentsCsv(IEnumerable<DomainAssignment> assignments)
    {
        var writer = new StringWriter();
        PlanFiles.WriteAssignments(writer, assignments);
        return writer.ToString();
    }

    private static string OutcomesCsv(IEnumerable<EmergencyDispatch.Planning.Plans.Outcome> outcomes)
    {
        var writer = new StringWriter();
        PlanFiles.WriteOutcomes(writer, outcomes);
        return writer.ToString();
    }

    private static DomainAssignment ToDomain(ApiAssignment a) => new(
        a.FactoryId, a.RequestId, a.Sku, DateOnly.Parse(a.ProductionDate, System.Globalization.CultureInfo.InvariantCulture),
        DateOnly.Parse(a.ArrivalDate, System.Globalization.CultureInfo.InvariantCulture), a.Quantity, a.Source);

    /// <summary>An outcome as the API shows it, back in the planner's terms (the reason through its stored code).</summary>
    private static DomainOutcome ToDomain(ApiOutcome o) => new(
        o.RequestId, o.Quantity, o.OnTime, o.Late,
        System.Enum.GetValues<EmergencyDispatch.Planning.Plans.ShortfallReason>().Single(r => ApiValues.Reason(Codes.Reasons.Code(r)) == o.Reason),
        [.. o.BindingFactories]) { BindingMaterials = [.. o.BindingMaterials] };

    private async Task<List<T>> PageThrough<T>(long planId, PlanView view, Func<GetPlanResponse, IEnumerable<T>> items, int pageSize)
    {
        var all = new List<T>();
        var token = "";
        do
        {
            var response = await _planning.GetPlanAsync(new GetPlanRequest { PlanId = planId, View = view, Page = new PageRequest { PageSize = pageSize, PageToken = token } });
            Assert.Equal(fixture.Plan, response.Summary);
            all.AddRange(items(response));
            token = response.NextPageToken;
        }
        while (token.Length > 0);
        return all;
    }

    [Fact]
    public void CreatePlanStreamsQueuedThenEveryStepThenTheStoredSummary()
    {
        var messages = fixture.Messages;

        Assert.Equal(0, messages[0].Queued.Ahead);
        var steps = messages.Skip(1).SkipLast(1).Select(m => m.Step).ToList();
        Assert.Equal(Step.All.Select(s => s.Name), steps.Select(s => s.Step));
        Assert.Equal(Enumerable.Range(0, Step.All.Count), steps.Select(s => s.StepIndex));
        Assert.All(steps, s => Assert.Equal(Step.All.Count, s.StepCount));
        var plan = messages[^1].Plan;
        Assert.True(plan.PlanId > 0);
        Assert.Equal(PlanStatus.Draft, plan.Status);
        Assert.Equal("admin", plan.CreatedBy);
        Assert.Equal(new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = 14, Planner = ApiPlanner.Lp, TimeLimit = Duration.FromTimeSpan(TimeSpan.FromSeconds(60)), FrozenDays = 2 }, plan.Request);
        Assert.Equal(EmergencyDispatch.Api.V1.PlanCompletion.Complete, plan.Completion);
        Assert.Equal("cost", plan.LastCompletedStep);
        Assert.Equal(Step.All.Select(s => s.Name), plan.StepValues.Select(s => s.Step));
        Assert.Equal([Priority.Critical, Priority.High, Priority.Normal, Priority.Low], plan.Priorities.Select(p => p.Priority));
        Assert.Equal(387, plan.DemandCount);
        Assert.Equal(387, plan.Priorities.Sum(p => p.Demands));
        Assert.All(plan.Priorities, p => Assert.Equal(p.Quantity, p.OnTime + p.Late + p.Unmet));
        Assert.Equal(64, plan.AssignmentsSha256.Length);
        Assert.Equal(PlanStore.LargestShortfallCount, plan.LargestShortfalls.Count);
        Assert.Equal(plan.LargestShortfalls.OrderByDescending(o => o.Late + o.Unmet), plan.LargestShortfalls);
    }

    [Fact]
    public async Task GetPlanPagesThroughEveryAssignmentAndOutcome()
    {
        var plan = fixture.Plan;

        var assignments = await PageThrough(plan.PlanId, PlanView.Assignments, r => r.Assignments, 250);
        var outcomes = await PageThrough(plan.PlanId, PlanView.Outcomes, r => r.Outcomes, 100);
        var summaryOnly = await _planning.GetPlanAsync(new GetPlanRequest { PlanId = plan.PlanId });

        Assert.Equal(plan.AssignmentCount, assignments.Count);
        Assert.Equal(PlanFiles.InFileOrder(assignments.Select(ToDomain)), assignments.Select(ToDomain));
        Assert.Equal(plan.DemandCount, outcomes.Count);
        Assert.Equal(outcomes.Select(o => o.RequestId).Order(StringComparer.Ordinal), outcomes.Select(o => o.RequestId));
        Assert.Equal(outcomes.Count, outcomes.Select(o => o.DemandId).Distinct().Count());
        Assert.All(outcomes, o => Assert.Equal(o.Quantity - o.OnTime - o.Late, o.Unmet));
        Assert.Equal(plan, summaryOnly.Summary);
        Assert.Empty(summaryOnly.Assignments);
        Assert.Empty(summaryOnly.Outcomes);
    }

    [Fact]
    public async Task StoredPlanHasTheAssignmentsAndOutcomesOfThePlannerOnTheSameInputs()
    {
        var local = SolveSeedsLocally();

        var assignments = await PageThrough(fixture.Plan.PlanId, PlanView.Assignments, r => r.Assignments, 1000);
        var outcomes = await PageThrough(fixture.Plan.PlanId, PlanView.Outcomes, r => r.Outcomes, 1000);

        Assert.Equal(PlanRecords.AssignmentsSha256(local.Assignments), fixture.Plan.AssignmentsSha256);
        Assert.Equal(AssignmentsCsv(local.Assignments), AssignmentsCsv(assignments.Select(ToDomain)));
        Assert.Equal(OutcomesCsv(local.Outcomes), OutcomesCsv(outcomes.Select(ToDomain)));
        Assert.Equal(local.StepValues.Select(v => v.Value), fixture.Plan.StepValues.Select(v => v.Value));
    }

    [Fact]
    public void StoredInputsAreCanonicalAndReplayToTheSameAssignments()
    {
        var store = fixture.Factory.Services.GetRequiredService<PlanStore>();
        var json = store.GetInputsJson(fixture.Plan.PlanId)!;

        var inputs = PlanInputJson.Read(json);
        var replay = Planner.Plan(inputs.Input, new PlannerOptions());

        Assert.Equal(json, PlanInputJson.Write(inputs));
        Assert.Equal(387, inputs.Demands.Count);
        Assert.Equal(fixture.Plan.AssignmentsSha256, PlanRecords.AssignmentsSha256(replay.Assignments));
    }

    public static TheoryData<string, CreatePlanRequest> BadRequests => new()
    {
        { "start_date", new CreatePlanRequest { StartDate = "2020-02-30" } },
        { "start_date", new CreatePlanRequest { StartDate = "3 Feb 2020" } },
        { "horizon_days", new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = 91 } },
        { "horizon_days", new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = -1 } },
        { "time_limit", new CreatePlanRequest { StartDate = "2020-02-03", TimeLimit = new Duration() } },
        { "time_limit", new CreatePlanRequest { StartDate = "2020-02-03", TimeLimit = new Duration { Seconds = -5 } } },
        { "time_limit", new CreatePlanRequest { StartDate = "2020-02-03", TimeLimit = new Duration { Seconds = 600, Nanos = 1 } } },
        { "time_limit", new CreatePlanRequest { StartDate = "2020-02-03", TimeLimit = new Duration { Seconds = 1, Nanos = -1 } } },
        { "planner", new CreatePlanRequest { StartDate = "2020-02-03", Planner = (ApiPlanner)7 } },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadPlanRequestIsRefusedNamingTheField(string field, CreatePlanRequest request)
    {
        using var call = _planning.CreatePlan(request);

        await Rpc.InvalidFields(() => call.ResponseStream.MoveNext(), field);
    }

    [Fact]
    public async Task EveryBadFieldOfAPlanRequestIsNamed()
    {
        using var call = _planning.CreatePlan(new CreatePlanRequest { StartDate = "tomorrow", HorizonDays = 100, TimeLimit = new Duration { Seconds = 3600 } });

        await Rpc.InvalidFields(() => call.ResponseStream.MoveNext(), "start_date", "horizon_days", "time_limit");
    }

    [Fact]
    public async Task UnknownPlanIsNotFoundAndABadIdOrTokenIsInvalid()
    {
        await Rpc.Fails(StatusCode.NotFound, () => _planning.GetPlanAsync(new GetPlanRequest { PlanId = 999_999 }).ResponseAsync);
        await Rpc.InvalidFields(() => _planning.GetPlanAsync(new GetPlanRequest { PlanId = 0 }).ResponseAsync, "plan_id");
        await Rpc.InvalidFields(
            () => _planning.GetPlanAsync(new GetPlanRequest { PlanId = fixture.Plan.PlanId, View = PlanView.Outcomes, Page = new PageRequest { PageToken = "x" } }).ResponseAsync,
            "page.page_token");
    }

}

/// <summary>
/// A solver that tells when a solve has started and holds it until the gate opens or the solve is cancelled; it counts
/// the solves it was asked for and the most that ran at once.
/// </summary>
public sealed class GatedSolver : IPlanSolver
{
    private int _running;
    private int _mostAtOnce;
    private int _solves;

    public SemaphoreSlim Started { get; } = new(0);

    public ManualResetEventSlim Gate { get; } = new(false);

    /// <summary>Released when a held solve sees its call cancelled.</summary>
    public SemaphoreSlim Cancelled { get; } = new(0);

    /// <summary>Solves started so far.</summary>
    public int Solves => Volatile.Read(ref _solves);

    /// <summary>The most solves that were running at the same time.</summary>
    public int MostAtOnce => Volatile.Read(ref _mostAtOnce);

    /// <summary>The nice value of the thread the last solve ran on (Linux; null elsewhere).</summary>
    public int? Nice { get; private set; }

    /// <summary>The nice value of a thread the last solve's parts ran on (null when it was given no scheduler).</summary>
    public int? PartNice { get; private set; }

    /// <summary>The calling thread's nice value: the 19th field of /proc/thread-self/stat, the 17th after the command's closing parenthesis.</summary>
    private static int ThreadNice()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], System.Globalization.CultureInfo.InvariantCulture);
    }

    public PlanResult Solve(PlanningInput input, PlannerOptions options, IProgress<PlanProgress> progress, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsLinux())
        {
            Nice = ThreadNice();
            // A part of the solve, as the planner runs its parallel parts: on the scheduler it was given.
            PartNice = options.Scheduler is { } scheduler
                ? Task.Factory.StartNew(ThreadNice, CancellationToken.None, TaskCreationOptions.None, scheduler).GetAwaiter().GetResult()
                : null;
        }
        var running = Interlocked.Increment(ref _running);
        Interlocked.Increment(ref _solves);
        for (var most = MostAtOnce; running > most; most = MostAtOnce)
            Interlocked.CompareExchange(ref _mostAtOnce, running, most);
        try
        {
            Started.Release();
            try
            {
                Gate.Wait(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled.Release();
                throw;
            }
            return new PlanSolver().Solve(input, options, progress, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }
}

/// <summary>The queue and cancellation, each test on a fresh small database with solves held by a <see cref="GatedSolver"/>.</summary>
public sealed class PlanningQueueTests : IDisposable
{
    private static readonly CreatePlanRequest Request = new() { StartDate = "2020-02-03", HorizonDays = 7, Planner = ApiPlanner.Greedy };
    private readonly DispatchFactory _factory = new();
    private readonly GatedSolver _solver = new();

    public void Dispose()
    {
        _solver.Gate.Set();
        _factory.Dispose();
    }

    private async Task<(WebApplicationFactory<Program> App, PlanningService.PlanningServiceClient Planning)> Start(int queueLength)
    {
        var app = _factory.WithWebHostBuilder(b =>
        {
            b.UseSetting("Dispatch:Planning:QueueLength", queueLength.ToString(System.Globalization.CultureInfo.InvariantCulture));
            b.ConfigureTestServices(s => s.AddSingleton<IPlanSolver>(_solver));
        });
        var channel = DispatchFactory.CreateChannel(app.Server, DispatchFactory.ReadAdminToken(_factory.DatabasePath));
        await Fixtures.RegisterSmallRegistry(new RegistryService.RegistryServiceClient(channel));
        await new DemandService.DemandServiceClient(channel).SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("Q-1", 500), Fixtures.Line("Q-2", 900, due: "2020-02-05")));
        return (app, new PlanningService.PlanningServiceClient(channel));
    }

    private static async Task<CreatePlanProgress> Next(AsyncServerStreamingCall<CreatePlanProgress> call)
    {
        Assert.True(await call.ResponseStream.MoveNext());
        return call.ResponseStream.Current;
    }

    private long CountRows(string table)
    {
        using var connection = new SqliteConnection($"Data Source={_factory.DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {table}";
        return (long)command.ExecuteScalar()!;
    }

    [Fact]
    public async Task PastTheQueueBoundCallersGetResourceExhaustedAndQueuedPlansStillRun()
    {
        var (_, planning) = await Start(queueLength: 1);

        using var running = planning.CreatePlan(Request);
        Assert.Equal(0, (await Next(running)).Queued.Ahead);
        await _solver.Started.WaitAsync();
        using var waiting = planning.CreatePlan(Request);
        Assert.Equal(1, (await Next(waiting)).Queued.Ahead);
        using var refused = planning.CreatePlan(Request);
        await Rpc.Fails(StatusCode.ResourceExhausted, () => refused.ResponseStream.MoveNext());
        _solver.Gate.Set();
        var first = (await PlanStreams.ReadAll(running))[^1].Plan;
        var second = (await PlanStreams.ReadAll(waiting))[^1].Plan;

        Assert.Equal(1, first.PlanId);
        Assert.Equal(2, second.PlanId);
        Assert.Equal(first.AssignmentsSha256, second.AssignmentsSha256);
    }

    [Fact]
    public async Task OneCallerHoldsAtMostItsShareOfTheQueueAndAnotherIsStillAccepted()
    {
        var (app, planning) = await Start(queueLength: 4);
        using var adminChannel = DispatchFactory.CreateChannel(app.Server, DispatchFactory.ReadAdminToken(_factory.DatabasePath));
        var other = await new AdminService.AdminServiceClient(adminChannel).CreateApiKeyAsync(
            new CreateApiKeyRequest { Name = "hubei", Role = EmergencyDispatch.Api.V1.Role.Coordinator });
        using var otherChannel = DispatchFactory.CreateChannel(app.Server, other.Token);
        var otherPlanning = new PlanningService.PlanningServiceClient(otherChannel);

        using var running = planning.CreatePlan(Request);
        await Next(running);
        await _solver.Started.WaitAsync();
        using var waiting = planning.CreatePlan(Request);
        await Next(waiting);
        using var refused = planning.CreatePlan(Request);
        var e = await Rpc.Fails(StatusCode.ResourceExhausted, () => refused.ResponseStream.MoveNext());
        using var accepted = otherPlanning.CreatePlan(Request);
        var queued = await Next(accepted);
        _solver.Gate.Set();
        var plans = new[] { running, waiting, accepted }.Select(c => PlanStreams.ReadAll(c)).ToList();
        await Task.WhenAll(plans);

        Assert.Contains("this caller already has 2 plan requests or replays running or waiting", e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(2, queued.Queued.Ahead);
        Assert.All(plans, p => Assert.Equal(CreatePlanProgress.EventOneofCase.Plan, p.Result[^1].EventCase));
    }

    [Fact]
    public async Task WithNoQueueOnlyTheRunningSolveIsAccepted()
    {
        var (_, planning) = await Start(queueLength: 0);

        using var running = planning.CreatePlan(Request);
        await Next(running);
        await _solver.Started.WaitAsync();
        using var refused = planning.CreatePlan(Request);

        var e = await Rpc.Fails(StatusCode.ResourceExhausted, () => refused.ResponseStream.MoveNext());
        _solver.Gate.Set();
        var rest = await PlanStreams.ReadAll(running);
        Assert.Contains("busy", e.Status.Detail);
        Assert.Equal(CreatePlanProgress.EventOneofCase.Plan, Assert.Single(rest).EventCase);
    }

    [Fact]
    public async Task ASolveAndItsPartsRunAtTheConfiguredNiceValueOnLinux()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var (_, planning) = await Start(queueLength: 1);
        _solver.Gate.Set();

        using var call = planning.CreatePlan(Request);
        await PlanStreams.ReadAll(call);

        Assert.Equal(10, _solver.Nice);
        Assert.Equal(10, _solver.PartNice);
    }

    [Fact]
    public async Task ACancelledCallStoresNothing()
    {
        var (_, planning) = await Start(queueLength: 1);
        using var cancel = new CancellationTokenSource();

        using var cancelled = planning.CreatePlan(Request, cancellationToken: cancel.Token);
        await Next(cancelled);
        await _solver.Started.WaitAsync();
        await cancel.CancelAsync();
        await Rpc.Fails(StatusCode.Cancelled, () => cancelled.ResponseStream.MoveNext());
        // The next plan runs only once the cancelled one has ended; its id shows that nothing was stored before it.
        _solver.Gate.Set();
        using var next = planning.CreatePlan(Request);
        var plan = (await PlanStreams.ReadAll(next))[^1].Plan;

        Assert.Equal(1, plan.PlanId);
        Assert.Equal(1, CountRows("plan"));
        Assert.Equal(plan.AssignmentCount, CountRows("plan_assignment"));
        Assert.Equal(plan.DemandCount, CountRows("plan_outcome"));
    }

    [Fact]
    public async Task DemandsSharingARequestIdAreKeyedBySubmitterAndTheOthersByRequestId()
    {
        var (app, planning) = await Start(queueLength: 1);
        var demands = app.Services.GetRequiredService<DemandStore>();
        var line = new EmergencyDispatch.Planning.Model.DemandLine("Q-1", "MASK", 300, "R1", new DateOnly(2020, 2, 4), EmergencyDispatch.Planning.Model.Priority.Critical);
        var other = (await demands.SubmitAsync(new CallInfo("Test/Submit", "other"), [line], CancellationToken.None)).Demands[0].DemandId;
        _solver.Gate.Set();

        using var call = planning.CreatePlan(Request);
        var plan = (await PlanStreams.ReadAll(call))[^1].Plan;
        var outcomes = (await planning.GetPlanAsync(new GetPlanRequest { PlanId = plan.PlanId, View = PlanView.Outcomes })).Outcomes;
        var assignments = (await planning.GetPlanAsync(new GetPlanRequest { PlanId = plan.PlanId, View = PlanView.Assignments })).Assignments;

        Assert.Equal(["Q-2", "admin/Q-1", "other/Q-1"], outcomes.Select(o => o.RequestId));
        Assert.Equal(other, outcomes.Single(o => o.RequestId == "other/Q-1").DemandId);
        Assert.Equal(3, outcomes.Select(o => o.DemandId).Distinct().Count());
        Assert.All(assignments, a => Assert.Equal(outcomes.Single(o => o.RequestId == a.RequestId).DemandId, a.DemandId));
        Assert.Contains(assignments, a => a.RequestId == "other/Q-1");
    }

    /// <summary>A stored plan to replay (solved with the gate open), the gate closed again for what follows.</summary>
    private async Task<(PlanningService.PlanningServiceClient Planning, AuditService.AuditServiceClient Audit, PlanSummary Plan)> StartWithAPlan(int queueLength)
    {
        var (app, planning) = await Start(queueLength);
        _solver.Gate.Set();
        PlanSummary plan;
        using (var call = planning.CreatePlan(Request))
            plan = (await PlanStreams.ReadAll(call))[^1].Plan;
        _solver.Gate.Reset();
        await _solver.Started.WaitAsync();
        var channel = DispatchFactory.CreateChannel(app.Server, DispatchFactory.ReadAdminToken(_factory.DatabasePath));
        return (planning, new AuditService.AuditServiceClient(channel), plan);
    }

    [Fact]
    public async Task AReplayWaitsInThePlanQueueAndNeverSolvesBesideAPlan()
    {
        var (planning, audit, plan) = await StartWithAPlan(queueLength: 1);

        using var running = planning.CreatePlan(Request);
        await Next(running);
        await _solver.Started.WaitAsync();
        using var replay = audit.ReplayPlanAsync(new ReplayPlanRequest { PlanId = plan.PlanId });
        // Long enough for a replay beside the plan to have started its solve.
        await Task.Delay(500);
        var solvesWhileHeld = _solver.Solves;
        _solver.Gate.Set();
        var second = (await PlanStreams.ReadAll(running))[^1].Plan;
        var replayed = await replay;

        Assert.Equal(2, solvesWhileHeld);
        Assert.Equal(3, _solver.Solves);
        Assert.Equal(1, _solver.MostAtOnce);
        Assert.Equal(2, second.PlanId);
        Assert.True(replayed.Identical);
        Assert.Equal(plan.AssignmentsSha256, replayed.ReplayedSha256);
    }

    [Fact]
    public async Task AReplayBehindAFullPlanQueueIsRefusedWithResourceExhausted()
    {
        var (planning, audit, plan) = await StartWithAPlan(queueLength: 1);

        using var running = planning.CreatePlan(Request);
        await Next(running);
        await _solver.Started.WaitAsync();
        using var waiting = planning.CreatePlan(Request);
        Assert.Equal(1, (await Next(waiting)).Queued.Ahead);
        var e = await Rpc.Fails(StatusCode.ResourceExhausted, () => audit.ReplayPlanAsync(new ReplayPlanRequest { PlanId = plan.PlanId }).ResponseAsync);
        _solver.Gate.Set();
        await PlanStreams.ReadAll(running);
        await PlanStreams.ReadAll(waiting);

        Assert.Contains("busy", e.Status.Detail);
        Assert.Equal(3, _solver.Solves);
        Assert.Equal(1, _solver.MostAtOnce);
    }

    [Fact]
    public async Task AReplayPastItsDeadlineLeavesThePlanQueue()
    {
        var (planning, audit, plan) = await StartWithAPlan(queueLength: 1);

        using var running = planning.CreatePlan(Request);
        await Next(running);
        await _solver.Started.WaitAsync();
        await Rpc.EndsAtDeadline(
            () => audit.ReplayPlanAsync(new ReplayPlanRequest { PlanId = plan.PlanId }, deadline: DateTime.UtcNow.AddMilliseconds(300)).ResponseAsync);
        // Its place in the queue is free again: one more request fits behind the running solve.
        using var waiting = planning.CreatePlan(Request);
        var queued = await Next(waiting);
        _solver.Gate.Set();
        await PlanStreams.ReadAll(running);
        await PlanStreams.ReadAll(waiting);

        Assert.Equal(1, queued.Queued.Ahead);
        Assert.Equal(3, _solver.Solves);
    }

    [Fact]
    public async Task ACallPastItsDeadlineStopsTheSolveAndStoresNothing()
    {
        var (_, planning) = await Start(queueLength: 1);

        using var late = planning.CreatePlan(Request, deadline: DateTime.UtcNow.AddSeconds(2));
        await _solver.Started.WaitAsync();
        await Rpc.EndsAtDeadline(() => PlanStreams.ReadAll(late));
        // The client's deadline fires on its own clock and the server's a moment later: the gate opens only once the
        // held solve has seen its call end, or under load it could finish and store the late plan.
        await _solver.Cancelled.WaitAsync();
        _solver.Gate.Set();
        using var next = planning.CreatePlan(Request);
        var plan = (await PlanStreams.ReadAll(next))[^1].Plan;

        Assert.Equal(1, plan.PlanId);
        Assert.Equal(1, CountRows("plan"));
    }
}
