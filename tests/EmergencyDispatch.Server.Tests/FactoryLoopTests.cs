using System.Collections.Concurrent;
using EmergencyDispatch.Api.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace EmergencyDispatch.Tests.Server;

/// <summary>A WatchAssignments stream collected in the background.</summary>
public sealed class Watcher : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly AsyncServerStreamingCall<WatchAssignmentsResponse> _call;
    private readonly Task _reading;

    public Watcher(AssignmentService.AssignmentServiceClient client, string factoryId, long afterVersion = 0)
    {
        _call = client.WatchAssignments(new WatchAssignmentsRequest { FactoryId = factoryId, AfterVersion = afterVersion }, cancellationToken: _stop.Token);
        _reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var message in _call.ResponseStream.ReadAllAsync(_stop.Token))
                    Messages.Enqueue(message);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
            {
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public ConcurrentQueue<WatchAssignmentsResponse> Messages { get; } = new();

    public IReadOnlyList<WorkAssignment> Assignments => [.. Messages.Where(m => m.Assignment is not null).Select(m => m.Assignment)];

    public IReadOnlyList<OptionOrder> OptionOrders => [.. Messages.Where(m => m.OptionOrder is not null).Select(m => m.OptionOrder)];

    /// <summary>The version to resume from: the last assignment's, option order's or synced message's.</summary>
    public long LastVersion => Messages.Select(m => m.Assignment?.Version ?? m.OptionOrder?.Version ?? m.Synced.Version).DefaultIfEmpty(0).Max();

    /// <summary>Waits until the collected messages satisfy the condition (at most 10 s).</summary>
    public async Task Until(Func<IReadOnlyList<WatchAssignmentsResponse>, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition([.. Messages]))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the watch did not get there in 10 s; it has {Messages.Count} messages");
            await Task.Delay(20);
        }
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        await _stop.CancelAsync();
        await _reading;
        _call.Dispose();
        _stop.Dispose();
    }
}

/// <summary>The whole factory loop in-process against a real SQLite file, on the seed scenario.</summary>
public sealed class FactoryLoopTests : IDisposable
{
    private const string Start = "2020-02-03";
    private readonly DispatchFactory _factory = new(seed: true);
    private readonly GrpcChannel _channel;
    private readonly PlanningService.PlanningServiceClient _planning;
    private readonly AssignmentService.AssignmentServiceClient _assignments;
    private readonly DemandService.DemandServiceClient _demands;

    public FactoryLoopTests()
    {
        _channel = _factory.CreateChannel();
        _planning = new PlanningService.PlanningServiceClient(_channel);
        _assignments = new AssignmentService.AssignmentServiceClient(_channel);
        _demands = new DemandService.DemandServiceClient(_channel);
    }

    public void Dispose()
    {
        _channel.Dispose();
        _factory.Dispose();
    }

    private async Task<PlanSummary> Plan(bool publish = false, int? frozenDays = null)
    {
        var request = new CreatePlanRequest { StartDate = Start, HorizonDays = 14, Publish = publish };
        if (frozenDays is { } f)
            request.FrozenDays = f;
        using var call = _planning.CreatePlan(request);
        return (await PlanStreams.ReadAll(call))[^1].Plan;
    }

    private async Task<List<Assignment>> PlanRows(long planId)
    {
        var rows = new List<Assignment>();
        var token = "";
        do
        {
            var page = await _planning.GetPlanAsync(new GetPlanRequest
            {
                PlanId = planId, View = PlanView.Assignments, Page = new PageRequest { PageSize = 1000, PageToken = token },
            });
            rows.AddRange(page.Assignments);
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        return rows;
    }

    private async Task<List<WorkAssignment>> Listed(string factoryId, bool withdrawn = false)
    {
        var all = new List<WorkAssignment>();
        var token = "";
        do
        {
            var page = await _assignments.ListAssignmentsAsync(new ListAssignmentsRequest
            {
                FactoryId = factoryId, IncludeWithdrawn = withdrawn, Page = new PageRequest { PageSize = 7, PageToken = token },
            });
            all.AddRange(page.Assignments);
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        return all;
    }

    private static string Key(WorkAssignment a) => $"{a.AssignmentId}@{a.Version}";

    [Fact]
    public async Task PlanPublishWatchAcknowledgeReportOutageReplanAndPublishAgain()
    {
        // Plan; nothing reaches factories before publishing.
        var first = await Plan();
        Assert.Equal(PlanStatus.Draft, first.Status);
        Assert.Null(first.Changes);
        var rows = await PlanRows(first.PlanId);
        var frozen = new[] { "2020-02-03", "2020-02-04" };
        var a = rows.Where(r => frozen.Contains(r.ProductionDate)).GroupBy(r => r.FactoryId)
            .Where(g => g.Select(r => r.RequestId).Distinct().Count() >= 2 && rows.Count(r => r.FactoryId == g.Key) >= 3)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
        var b = rows.Select(r => r.FactoryId).Where(f => f != a).Order(StringComparer.Ordinal).First();
        var closed = new[] { "2020-02-06", "2020-02-07", "2020-02-08" };
        var c = rows.Where(r => r.FactoryId != a && r.FactoryId != b && closed.Contains(r.ProductionDate))
            .GroupBy(r => r.FactoryId).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
        Assert.Empty(await Listed(a));

        // Two factories watch; publishing sends each exactly its rows of the plan.
        await using var watchA = new Watcher(_assignments, a);
        await using var watchB = new Watcher(_assignments, b);
        await watchA.Until(m => m.Any(x => x.Synced is not null));
        await watchB.Until(m => m.Any(x => x.Synced is not null));
        var published = await _planning.PublishPlanAsync(new PublishPlanRequest { PlanId = first.PlanId });
        Assert.Equal(PlanStatus.Active, published.Status);
        Assert.NotNull(published.PublishedAt);
        var rowsA = rows.Where(r => r.FactoryId == a).ToList();
        await watchA.Until(_ => watchA.Assignments.Count == rowsA.Count);
        await watchB.Until(_ => watchB.Assignments.Count == rows.Count(r => r.FactoryId == b));
        Assert.Equal(
            rowsA.Select(r => $"{r.RequestId} {r.ProductionDate} {r.Quantity}").Order(StringComparer.Ordinal),
            watchA.Assignments.Select(w => $"{w.RequestId} {w.ProductionDate} {w.Quantity}").Order(StringComparer.Ordinal));
        Assert.All(watchA.Assignments, w => Assert.Equal((AssignmentStatus.Pending, first.PlanId), (w.Status, w.PlanId)));
        Assert.Equal(watchA.Assignments.Select(Key).Order(), (await Listed(a)).Select(Key).Order());

        // B's stream goes away; it will reconnect from the last version it saw.
        var resumeB = watchB.LastVersion;
        await watchB.DisposeAsync();

        // A accepts two assignments in the frozen window and rejects one of another demand; each is idempotent.
        var listedA = await Listed(a);
        var accepted = listedA.Where(x => frozen.Contains(x.ProductionDate)).GroupBy(x => x.RequestId).Take(2).Select(g => g.First()).ToList();
        Assert.Equal(2, accepted.Count);
        var rejected = listedA.First(x => !accepted.Any(y => y.DemandId == x.DemandId));
        foreach (var x in accepted)
        {
            var once = await Accept(a, x.AssignmentId);
            var twice = await Accept(a, x.AssignmentId);
            Assert.Equal(AssignmentStatus.Accepted, once.Status);
            Assert.Equal(once, twice);
        }
        // What List serves (a cache of each factory's current assignments) follows every answer at once.
        var afterAccepting = await Listed(a);
        Assert.All(accepted, x => Assert.Equal(AssignmentStatus.Accepted, afterAccepting.Single(y => y.AssignmentId == x.AssignmentId).Status));
        await Rpc.InvalidFields(() => _assignments.AcknowledgeAssignmentAsync(new AcknowledgeAssignmentRequest
            { FactoryId = a, AssignmentId = rejected.AssignmentId, Decision = Decision.Reject }).ResponseAsync, "reason");
        var rejection = await _assignments.AcknowledgeAssignmentAsync(new AcknowledgeAssignmentRequest
            { FactoryId = a, AssignmentId = rejected.AssignmentId, Decision = Decision.Reject, Reason = "line converted to gowns" });
        Assert.Equal((AssignmentStatus.Rejected, "line converted to gowns"), (rejection.Status, rejection.Reason));
        await Rpc.Fails(StatusCode.FailedPrecondition, () => Accept(a, rejected.AssignmentId));
        // Another factory's assignment does not exist for B.
        await Rpc.Fails(StatusCode.NotFound, () => Accept(b, accepted[0].AssignmentId));

        // A reports part of the first accepted assignment: the demand is partly fulfilled; replays change nothing.
        var produced = Math.Max(1, accepted[0].Quantity / 2);
        var report = new ReportProductionRequest { ReportId = "r-1", FactoryId = a, AssignmentId = accepted[0].AssignmentId, Date = Start, Quantity = produced };
        var reported = await _assignments.ReportProductionAsync(report);
        Assert.False(reported.Replayed);
        Assert.Equal(produced, reported.Assignment.Produced);
        var replayed = await _assignments.ReportProductionAsync(report);
        Assert.True(replayed.Replayed);
        Assert.Equal(reported.Assignment, replayed.Assignment);
        await Rpc.Fails(StatusCode.AlreadyExists, () => _assignments.ReportProductionAsync(new ReportProductionRequest(report) { Quantity = produced + 1 }).ResponseAsync);
        await Rpc.InvalidFields(() => _assignments.ReportProductionAsync(new ReportProductionRequest(report) { ReportId = "r-2", Quantity = accepted[0].Quantity }).ResponseAsync, "quantity");
        var demand = await _demands.GetDemandAsync(new GetDemandRequest { DemandId = accepted[0].DemandId });
        Assert.Equal(produced, demand.Produced);
        Assert.Equal(produced < demand.Line.Quantity ? DemandStatus.PartiallyFulfilled : DemandStatus.Fulfilled, demand.Status);
        Assert.Equal(reported.DemandStatus, demand.Status);

        // A plan made now would drop nothing: but one made before those answers is stale.
        // C announces a three-day outage (twice: the same answer).
        foreach (var _ in new[] { 1, 2 })
        {
            var outage = await _assignments.UpdateAvailabilityAsync(new UpdateAvailabilityRequest { FactoryId = c, FromDate = closed[0], ToDate = closed[^1], Factor = 0 });
            Assert.Equal(3, outage.Days);
        }

        // Re-plan and publish in one call.
        var versionBefore = watchA.LastVersion;
        var second = await Plan(publish: true);
        Assert.Equal(PlanStatus.Active, second.Status);
        Assert.Equal(2, second.CommitmentCount);
        Assert.Equal(1, second.ExclusionCount);
        Assert.Equal(first.PlanId, second.Changes.ActivePlanId);
        Assert.True(second.Changes.UnitsKept > 0);
        Assert.Equal(PlanStatus.Superseded, (await _planning.GetPlanAsync(new GetPlanRequest { PlanId = first.PlanId })).Summary.Status);
        var rows2 = await PlanRows(second.PlanId);

        // Accepted, frozen assignments are unchanged: same id, plan, quantity, units produced and status.
        var nowA = await Listed(a);
        foreach (var x in accepted)
        {
            var kept = Assert.Single(nowA, y => y.AssignmentId == x.AssignmentId);
            Assert.Equal((first.PlanId, x.Quantity, AssignmentStatus.Accepted, x.RequestId, x.ProductionDate),
                (kept.PlanId, kept.Quantity, kept.Status, kept.RequestId, kept.ProductionDate));
        }
        Assert.Equal(produced, nowA.Single(y => y.AssignmentId == accepted[0].AssignmentId).Produced);
        // The rejected pair is not proposed again; the outage factory gets nothing on its closed days.
        Assert.DoesNotContain(rows2, r => r.FactoryId == a && r.DemandId == rejected.DemandId);
        Assert.DoesNotContain(nowA, y => y.DemandId == rejected.DemandId && y.Status == AssignmentStatus.Pending);
        Assert.DoesNotContain(rows2, r => r.FactoryId == c && closed.Contains(r.ProductionDate));
        Assert.DoesNotContain(await Listed(c), y => closed.Contains(y.ProductionDate) && y.Status != AssignmentStatus.Withdrawn);

        // The watcher got exactly the changes: every assignment whose version moved past what it had, once each.
        var changedA = (await Listed(a, withdrawn: true)).Where(y => y.Version > versionBefore).ToList();
        Assert.NotEmpty(changedA);
        await watchA.Until(_ => watchA.Assignments.Count(y => y.Version > versionBefore) >= changedA.Count);
        var seen = watchA.Assignments.Where(y => y.Version > versionBefore).ToList();
        Assert.Equal(changedA.Select(Key).Order(), seen.Select(Key).Order());
        Assert.Equal(seen.Count, seen.Select(Key).Distinct().Count());
        Assert.DoesNotContain(seen, y => accepted.Any(x => x.AssignmentId == y.AssignmentId));
        // Its latest state per assignment is what List says.
        var latest = watchA.Assignments.GroupBy(y => y.AssignmentId).Select(g => g.MaxBy(y => y.Version)!).OrderBy(y => y.AssignmentId);
        Assert.Equal((await Listed(a, withdrawn: true)).OrderBy(y => y.AssignmentId), latest);

        // B reconnects from where it left: it gets what it missed, nothing twice, then synced.
        await using var resumed = new Watcher(_assignments, b, resumeB);
        var missedB = (await Listed(b, withdrawn: true)).Where(y => y.Version > resumeB).ToList();
        await resumed.Until(m => m.Any(x => x.Synced is not null));
        Assert.Equal(missedB.Select(Key).Order(), resumed.Assignments.Select(Key).Order());
        Assert.IsType<WatchSynced>(resumed.Messages.Last().Synced);

        // Publishing again changes nothing; the superseded plan cannot come back.
        var versionNow = watchA.LastVersion;
        var again = await _planning.PublishPlanAsync(new PublishPlanRequest { PlanId = second.PlanId });
        Assert.Equal((PlanStatus.Active, second.PublishedAt), (again.Status, again.PublishedAt));
        await Rpc.Fails(StatusCode.FailedPrecondition, () => _planning.PublishPlanAsync(new PublishPlanRequest { PlanId = first.PlanId }).ResponseAsync);
        Assert.Equal(versionNow, (await Listed(a, withdrawn: true)).Max(y => y.Version));

        // A draft made before a factory answered is refused: it would drop the answer.
        var third = await Plan();
        var pending = (await Listed(a)).First(y => y.Status == AssignmentStatus.Pending);
        await Accept(a, pending.AssignmentId);
        var stale = await Rpc.Fails(StatusCode.FailedPrecondition, () => _planning.PublishPlanAsync(new PublishPlanRequest { PlanId = third.PlanId }).ResponseAsync);
        Assert.Contains("make a new plan", stale.Status.Detail);

        // A coordinator clears the rejection: listed until then, gone after; clearing twice clears nothing more.
        var rejections = await _assignments.ListRejectionsAsync(new ListRejectionsRequest { FactoryId = a });
        Assert.Equal((a, rejected.DemandId), (Assert.Single(rejections.Rejections).FactoryId, rejections.Rejections[0].DemandId));
        Assert.Equal(1, (await _assignments.ClearRejectionAsync(new ClearRejectionRequest { FactoryId = a, DemandId = rejected.DemandId })).Cleared);
        Assert.Equal(0, (await _assignments.ClearRejectionAsync(new ClearRejectionRequest { FactoryId = a, DemandId = rejected.DemandId })).Cleared);
        Assert.Empty((await _assignments.ListRejectionsAsync(new ListRejectionsRequest { FactoryId = a })).Rejections);
        Assert.Equal(0, (await Plan()).ExclusionCount);
    }

    [Fact]
    public async Task ADemandReportedInFullIsFulfilledAndNotPlannedAgain()
    {
        using var factory = new DispatchFactory();
        using var channel = factory.CreateChannel();
        var registry = new RegistryService.RegistryServiceClient(channel);
        var planning = new PlanningService.PlanningServiceClient(channel);
        var assignments = new AssignmentService.AssignmentServiceClient(channel);
        var demands = new DemandService.DemandServiceClient(channel);
        await Fixtures.RegisterSmallRegistry(registry);
        var submitted = await demands.SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("D1", quantity: 300), Fixtures.Line("D2", quantity: 200)));
        var d1 = submitted.Demands[0].DemandId;

        using (var call = planning.CreatePlan(new CreatePlanRequest { StartDate = Start, HorizonDays = 5, Publish = true }))
            Assert.Equal(PlanStatus.Active, (await PlanStreams.ReadAll(call))[^1].Plan.Status);
        var work = (await assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = "F1" })).Assignments.Where(x => x.DemandId == d1).ToList();
        Assert.Equal(300, work.Sum(x => x.Quantity));
        ReportProductionResponse last = null!;
        foreach (var (x, n) in work.Select((x, n) => (x, n)))
        {
            last = await assignments.ReportProductionAsync(new ReportProductionRequest
                { ReportId = $"d1-{n}", FactoryId = "F1", AssignmentId = x.AssignmentId, Date = x.ProductionDate, Quantity = x.Quantity });
            Assert.Equal(AssignmentStatus.Done, last.Assignment.Status);
        }
        Assert.Equal((DemandStatus.Fulfilled, 300L), (last.DemandStatus, last.DemandProduced));
        Assert.Equal(DemandStatus.Fulfilled, (await demands.GetDemandAsync(new GetDemandRequest { DemandId = d1 })).Status);
        await Rpc.Fails(StatusCode.FailedPrecondition, () => assignments.AcknowledgeAssignmentAsync(new AcknowledgeAssignmentRequest
            { FactoryId = "F1", AssignmentId = work[0].AssignmentId, Decision = Decision.Reject, Reason = "too late" }).ResponseAsync);

        using (var call = planning.CreatePlan(new CreatePlanRequest { StartDate = Start, HorizonDays = 5, Publish = true }))
        {
            var replan = (await PlanStreams.ReadAll(call))[^1].Plan;
            Assert.Equal(1, replan.DemandCount);
            Assert.Equal(0, replan.CommitmentCount);
        }
        // Done work stays as it was; D2's first pending assignments were withdrawn and planned again.
        var after = (await assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = "F1", IncludeWithdrawn = true })).Assignments;
        Assert.All(work, x => Assert.Equal(AssignmentStatus.Done, after.Single(y => y.AssignmentId == x.AssignmentId).Status));
        Assert.Equal(200, after.Where(y => y.DemandId != d1 && y.Status == AssignmentStatus.Pending).Sum(y => y.Quantity));
    }

    [Fact]
    public async Task EveryBadFieldOfTheAssignmentServiceIsNamed()
    {
        await Rpc.InvalidFields(() => _assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = "", FromDate = "2020-13-01", ToDate = "x" }).ResponseAsync,
            "factory_id", "from_date", "to_date");
        await Rpc.InvalidFields(() => _assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = "F-GD-001", FromDate = "2020-02-05", ToDate = "2020-02-04" }).ResponseAsync,
            "to_date");
        await Rpc.Fails(StatusCode.NotFound, () => _assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = "NOPE" }).ResponseAsync);
        await Rpc.InvalidFields(() => _assignments.AcknowledgeAssignmentAsync(new AcknowledgeAssignmentRequest { FactoryId = "bad id!", AssignmentId = -1 }).ResponseAsync,
            "factory_id", "assignment_id", "decision");
        await Rpc.Fails(StatusCode.NotFound, () => _assignments.AcknowledgeAssignmentAsync(new AcknowledgeAssignmentRequest { FactoryId = "F", AssignmentId = 99, Decision = Decision.Accept }).ResponseAsync);
        await Rpc.InvalidFields(() => _assignments.ReportProductionAsync(new ReportProductionRequest { Date = "2020-02-30", Quantity = 0 }).ResponseAsync,
            "report_id", "factory_id", "assignment_id", "date", "quantity");
        await Rpc.InvalidFields(() => _assignments.UpdateAvailabilityAsync(new UpdateAvailabilityRequest { FactoryId = "F", FromDate = "2020-02-01", ToDate = "2020-01-01", Factor = double.NaN }).ResponseAsync,
            "factor");
        await Rpc.InvalidFields(() => _assignments.UpdateAvailabilityAsync(new UpdateAvailabilityRequest { FactoryId = "F", FromDate = "2020-02-01", ToDate = "2020-01-01", Factor = 1 }).ResponseAsync,
            "to_date");
        await Rpc.InvalidFields(() => _assignments.UpdateAvailabilityAsync(new UpdateAvailabilityRequest { FactoryId = "F", FromDate = "2020-01-01", ToDate = "2022-01-01", Factor = 1 }).ResponseAsync,
            "to_date");
        await Rpc.Fails(StatusCode.NotFound, () => _assignments.UpdateAvailabilityAsync(new UpdateAvailabilityRequest { FactoryId = "NOPE", FromDate = "2020-01-01", ToDate = "2020-01-02", Factor = 0 }).ResponseAsync);
        await Rpc.InvalidFields(() => _assignments.ClearRejectionAsync(new ClearRejectionRequest()).ResponseAsync, "factory_id", "demand_id");
        await Rpc.InvalidFields(() => _assignments.ListRejectionsAsync(new ListRejectionsRequest { Page = new PageRequest { PageToken = "garbage" } }).ResponseAsync, "page.page_token");
        await Rpc.InvalidFields(async () =>
        {
            using var call = _assignments.WatchAssignments(new WatchAssignmentsRequest { FactoryId = "F-GD-001", AfterVersion = 5 });
            await call.ResponseStream.MoveNext();
        }, "after_version");
        await Rpc.InvalidFields(async () =>
        {
            using var call = _planning.CreatePlan(new CreatePlanRequest { StartDate = Start, HorizonDays = 3, FrozenDays = 4 });
            await call.ResponseStream.MoveNext();
        }, "frozen_days");
        await Rpc.InvalidFields(() => _planning.PublishPlanAsync(new PublishPlanRequest()).ResponseAsync, "plan_id");
        await Rpc.Fails(StatusCode.NotFound, () => _planning.PublishPlanAsync(new PublishPlanRequest { PlanId = 999 }).ResponseAsync);
    }

    private Task<WorkAssignment> Accept(string factoryId, long assignmentId) =>
        _assignments.AcknowledgeAssignmentAsync(new AcknowledgeAssignmentRequest { FactoryId = factoryId, AssignmentId = assignmentId, Decision = Decision.Accept }).ResponseAsync;
}

/// <summary>A factory client's retries in the loop, on the small registry: F1 makes MASK for R3, 1,000 a day.</summary>
public sealed class FactoryRetryTests : IDisposable
{
    private const string Start = "2020-02-03";
    private readonly DispatchFactory _factory = new();
    private readonly GrpcChannel _channel;
    private readonly AssignmentService.AssignmentServiceClient _assignments;
    private readonly AuditService.AuditServiceClient _audit;

    public FactoryRetryTests()
    {
        _channel = _factory.CreateChannel();
        _assignments = new AssignmentService.AssignmentServiceClient(_channel);
        _audit = new AuditService.AuditServiceClient(_channel);
    }

    public void Dispose()
    {
        _channel.Dispose();
        _factory.Dispose();
    }

    /// <summary>Registers the small registry, submits one demand of <paramref name="quantity"/>, plans and publishes; F1's work for it by date.</summary>
    private Task<List<WorkAssignment>> PublishedWork(long quantity) => PublishedWork(_channel, quantity);

    private static async Task<List<WorkAssignment>> PublishedWork(GrpcChannel channel, long quantity)
    {
        await Fixtures.RegisterSmallRegistry(new RegistryService.RegistryServiceClient(channel));
        var demand = (await new DemandService.DemandServiceClient(channel).SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("D1", quantity)))).Demands[0];
        using (var call = new PlanningService.PlanningServiceClient(channel).CreatePlan(new CreatePlanRequest { StartDate = Start, HorizonDays = 5, Publish = true }))
            Assert.Equal(PlanStatus.Active, (await PlanStreams.ReadAll(call))[^1].Plan.Status);
        var work = (await new AssignmentService.AssignmentServiceClient(channel).ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = "F1" })).Assignments
            .Where(a => a.DemandId == demand.DemandId).ToList();
        Assert.NotEmpty(work);
        return work;
    }

    private Task<ReportProductionResponse> Report(string reportId, WorkAssignment a, long quantity) => Report(_assignments, reportId, a, quantity);

    private static Task<ReportProductionResponse> Report(AssignmentService.AssignmentServiceClient client, string reportId, WorkAssignment a, long quantity) =>
        client.ReportProductionAsync(new ReportProductionRequest
            { ReportId = reportId, FactoryId = "F1", AssignmentId = a.AssignmentId, Date = a.ProductionDate, Quantity = quantity }).ResponseAsync;

    private Task<WorkAssignment> Acknowledge(WorkAssignment a, Decision decision, string reason = "") =>
        _assignments.AcknowledgeAssignmentAsync(new AcknowledgeAssignmentRequest
            { FactoryId = "F1", AssignmentId = a.AssignmentId, Decision = decision, Reason = reason }).ResponseAsync;

    private async Task<int> AcknowledgeEvents() =>
        (await _audit.ListEventsAsync(new ListEventsRequest { Rpc = "AssignmentService/AcknowledgeAssignment", Page = new PageRequest { PageSize = 1000 } })).Events.Count;

    [Fact]
    public async Task AReplayedReportReturnsTheResultItGaveThenNotTheStateSince()
    {
        var a = (await PublishedWork(quantity: 100)).First(x => x.Quantity >= 3);
        var first = await Report("r-1", a, 1);
        var second = await Report("r-2", a, 1);

        var replayed = await Report("r-1", a, 1);

        Assert.Equal((1L, 1L), (first.Assignment.Produced, first.DemandProduced));
        Assert.Equal((2L, 2L), (second.Assignment.Produced, second.DemandProduced));
        Assert.True(replayed.Replayed);
        Assert.Equal(new ReportProductionResponse(first) { Replayed = true }, replayed);
        Assert.Equal(new ReportProductionResponse(second) { Replayed = true }, await Report("r-2", a, 1));
    }

    [Fact]
    public async Task ReportsStoredBeforeTheirResultsWereGetThemFromTheChangeLogWhenTheMigrationRuns()
    {
        var path = Path.Combine(Path.GetTempPath(), $"dispatch-reports-{Guid.NewGuid():N}.db");
        try
        {
            var reports = new[] { ("r-1", 0, 1L), ("r-2", 1, 2L), ("r-3", 0, 3L) };
            var answered = new List<ReportProductionResponse>();
            using (var first = new DispatchFactory(path))
            {
                using var channel = first.CreateChannel();
                var client = new AssignmentService.AssignmentServiceClient(channel);
                var work = await PublishedWork(channel, quantity: 3000);
                Assert.True(work.Count >= 2);
                foreach (var (id, n, units) in reports)
                    answered.Add(await Report(client, id, work[n], units));
            }
            var written = ReportResults(path);
            // As the database was before the migration: no result columns, the migration not recorded.
            Execute(path, """
                ALTER TABLE production_report DROP COLUMN version;
                ALTER TABLE production_report DROP COLUMN demand_status;
                ALTER TABLE production_report DROP COLUMN demand_produced;
                DELETE FROM schema_migrations WHERE name LIKE '%_report_results.sql';
                """);

            using var second = new DispatchFactory(path);
            using var restarted = second.CreateChannel();
            var client2 = new AssignmentService.AssignmentServiceClient(restarted);
            var replayed = new List<ReportProductionResponse>();
            foreach (var ((id, _, units), then) in reports.Zip(answered))
            {
                replayed.Add(await client2.ReportProductionAsync(new ReportProductionRequest
                    { ReportId = id, FactoryId = "F1", AssignmentId = then.Assignment.AssignmentId, Date = then.Assignment.ProductionDate, Quantity = units }));
            }

            Assert.Equal([1L, 3L, 6L], answered.Select(a => a.DemandProduced));
            Assert.Equal(written, ReportResults(path));
            Assert.Equal(answered.Select(a => new ReportProductionResponse(a) { Replayed = true }), replayed);
        }
        finally
        {
            DispatchFactory.DeleteDatabase(path);
        }
    }

    private static List<(string, long, string, long)> ReportResults(string path)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT report_id, version, demand_status, demand_produced FROM production_report ORDER BY report_id";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, long, string, long)>();
        while (reader.Read())
            rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt64(3)));
        return rows;
    }

    private static void Execute(string path, string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public async Task AcceptAgainAfterReportingReturnsTheAssignmentUnchangedAndWritesNothing()
    {
        var a = (await PublishedWork(quantity: 100)).First(x => x.Quantity >= 2);
        await using var watch = new Watcher(_assignments, "F1");
        await watch.Until(m => m.Any(x => x.Synced is not null));
        var partly = await Report("r-1", a, 1);
        var eventsBefore = await AcknowledgeEvents();

        var inProgress = await Acknowledge(a, Decision.Accept);
        var rest = await Report("r-2", a, a.Quantity - 1);
        var done = await Acknowledge(a, Decision.Accept);
        var doneAgain = await Acknowledge(a, Decision.Accept);

        Assert.Equal((AssignmentStatus.Accepted, 1L), (partly.Assignment.Status, partly.Assignment.Produced));
        Assert.Equal(partly.Assignment, inProgress);
        Assert.Equal(AssignmentStatus.Done, rest.Assignment.Status);
        Assert.Equal(rest.Assignment, done);
        Assert.Equal(done, doneAgain);
        Assert.Equal(eventsBefore, await AcknowledgeEvents());
        // Changes stream in version order: once the second report's has arrived, any change of the ACCEPTs would have too.
        await watch.Until(_ => watch.Assignments.Any(x => x.Version == rest.Assignment.Version));
        Assert.Equal([partly.Assignment, rest.Assignment], watch.Assignments.Where(x => x.Version > a.Version).ToList());
        Assert.Equal(rest.Assignment, (await _assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = "F1" })).Assignments
            .Single(x => x.AssignmentId == a.AssignmentId));
        // REJECT of work accepted or done keeps its rule.
        await Rpc.Fails(StatusCode.FailedPrecondition, () => Acknowledge(a, Decision.Reject, "line down"));
    }

    [Fact]
    public async Task AcceptOfAPendingAssignmentStillWritesOnceAndRepeatsUnchanged()
    {
        var a = (await PublishedWork(quantity: 100))[0];
        var eventsBefore = await AcknowledgeEvents();

        var once = await Acknowledge(a, Decision.Accept);
        var twice = await Acknowledge(a, Decision.Accept);

        Assert.Equal(AssignmentStatus.Accepted, once.Status);
        Assert.True(once.Version > a.Version);
        Assert.Equal(once, twice);
        Assert.Equal(eventsBefore + 1, await AcknowledgeEvents());
    }
}
