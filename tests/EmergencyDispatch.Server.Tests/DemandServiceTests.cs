using EmergencyDispatch.Api.V1;
using Grpc.Core;
using static EmergencyDispatch.Testing.Fixtures;

namespace EmergencyDispatch.Tests.Server;

public sealed class DemandServiceTests : IAsyncLifetime, IDisposable
{
    private readonly DispatchFactory _factory = new();
    private DemandService.DemandServiceClient _demand = null!;

    public async Task InitializeAsync()
    {
        var channel = _factory.CreateChannel();
        _demand = new DemandService.DemandServiceClient(channel);
        await RegisterSmallRegistry(new RegistryService.RegistryServiceClient(channel));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task SubmittedDemandIsStoredOpenWithItsSubmitterAndTime()
    {
        var response = await _demand.SubmitDemandsAsync(Batch(Line("A-1"), Line("A-2", 5, region: "R1")));

        Assert.Equal(2, response.Created);
        Assert.Equal(0, response.Replayed);
        var stored = await _demand.GetDemandAsync(new GetDemandRequest { DemandId = response.Demands[1].DemandId });
        Assert.Equal("A-2", stored.Line.RequestId);
        Assert.Equal(5, stored.Line.Quantity);
        Assert.Equal(DemandStatus.Open, stored.Status);
        Assert.Equal("admin", stored.Submitter);
        Assert.True(stored.SubmittedAt.ToDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
    }

    [Fact]
    public async Task ReplayOfTheSameLineReturnsTheStoredDemandAndStoresNothing()
    {
        var first = await _demand.SubmitDemandsAsync(Batch(Line("R-1")));

        var again = await _demand.SubmitDemandsAsync(Batch(Line("R-1"), Line("R-2")));

        Assert.Equal(1, again.Replayed);
        Assert.Equal(1, again.Created);
        Assert.Equal(first.Demands[0].DemandId, again.Demands[0].DemandId);
        Assert.Equal(first.Demands[0].SubmittedAt, again.Demands[0].SubmittedAt);
        Assert.Equal(2, (await _demand.ListDemandsAsync(new ListDemandsRequest())).Demands.Count);
    }

    [Fact]
    public async Task SameRequestIdWithOtherContentIsRefusedAndTheBatchIsNotStored()
    {
        await _demand.SubmitDemandsAsync(Batch(Line("C-1", 100)));

        var e = await Rpc.Fails(StatusCode.AlreadyExists, () => _demand.SubmitDemandsAsync(Batch(Line("C-2"), Line("C-1", 101))).ResponseAsync);

        Assert.Equal(["lines[1].request_id"], Rpc.Fields(e));
        var all = await _demand.ListDemandsAsync(new ListDemandsRequest());
        Assert.Equal(["C-1"], all.Demands.Select(d => d.Line.RequestId));
        Assert.Equal(100, all.Demands[0].Line.Quantity);
    }

    [Fact]
    public async Task OneBadLineLeavesTheWholeBatchUnstored()
    {
        await Rpc.InvalidFields(
            () => _demand.SubmitDemandsAsync(Batch(Line("B-1"), Line("B-2", sku: "NOPE"), Line("B-3"))).ResponseAsync,
            "lines[1].sku");

        Assert.Empty((await _demand.ListDemandsAsync(new ListDemandsRequest())).Demands);
    }

    [Theory]
    [InlineData("sku", "lines[0].sku")]
    [InlineData("zero", "lines[0].quantity")]
    [InlineData("negative", "lines[0].quantity")]
    [InlineData("huge", "lines[0].quantity")]
    [InlineData("date", "lines[0].due_date")]
    [InlineData("impossible-date", "lines[0].due_date")]
    [InlineData("priority", "lines[0].priority")]
    [InlineData("empty-id", "lines[0].request_id")]
    [InlineData("long-id", "lines[0].request_id")]
    [InlineData("bad-chars-id", "lines[0].request_id")]
    [InlineData("region", "lines[0].region")]
    [InlineData("empty-region", "lines[0].region")]
    public async Task EveryInvalidFieldIsNamed(string problem, string field)
    {
        var line = Line("V-1");
        switch (problem)
        {
            case "sku": line.Sku = "GHOST"; break;
            case "zero": line.Quantity = 0; break;
            case "negative": line.Quantity = -5; break;
            case "huge": line.Quantity = 1_000_000_001; break;
            case "date": line.DueDate = "10/02/2020"; break;
            case "impossible-date": line.DueDate = "2020-02-30"; break;
            case "priority": line.Priority = Priority.Unspecified; break;
            case "empty-id": line.RequestId = ""; break;
            case "long-id": line.RequestId = new string('x', 65); break;
            case "bad-chars-id": line.RequestId = "a b"; break;
            case "region": line.Region = "NOWHERE"; break;
            case "empty-region": line.Region = ""; break;
        }

        var e = await Rpc.Fails(StatusCode.InvalidArgument, () => _demand.SubmitDemandsAsync(Batch(Line("V-0"), line)).ResponseAsync);

        Assert.Equal([field.Replace("[0]", "[1]")], Rpc.Fields(e));
        Assert.DoesNotContain("Exception", e.Status.Detail);
        Assert.Empty((await _demand.ListDemandsAsync(new ListDemandsRequest())).Demands);
    }

    [Fact]
    public async Task RegionKnownOnlyAsALaneEndIsAccepted()
    {
        var response = await _demand.SubmitDemandsAsync(Batch(Line("L-1", region: "R3"), Line("L-2", region: "R2")));

        Assert.Equal(2, response.Created);
    }

    [Fact]
    public async Task EmptyOversizedAndRepeatingBatchesAreRefused()
    {
        await Rpc.InvalidFields(() => _demand.SubmitDemandsAsync(new SubmitDemandsRequest()).ResponseAsync, "lines");
        var big = new SubmitDemandsRequest();
        big.Lines.AddRange(Enumerable.Range(0, 10_001).Select(i => Line($"X-{i}")));
        await Rpc.InvalidFields(() => _demand.SubmitDemandsAsync(big).ResponseAsync, "lines");
        await Rpc.InvalidFields(() => _demand.SubmitDemandsAsync(Batch(Line("D-1"), Line("D-1"))).ResponseAsync, "lines[1]");

        Assert.Empty((await _demand.ListDemandsAsync(new ListDemandsRequest())).Demands);
    }

    [Fact]
    public async Task TenThousandLinesAreStoredInOneBatch()
    {
        var batch = new SubmitDemandsRequest();
        batch.Lines.AddRange(Enumerable.Range(0, 10_000).Select(i => Line($"BIG-{i:D5}", 1 + i)));

        var response = await _demand.SubmitDemandsAsync(batch);

        Assert.Equal(10_000, response.Created);
        Assert.Equal(response.Demands.Select(d => d.Line.RequestId), batch.Lines.Select(l => l.RequestId));
    }

    [Fact]
    public async Task ListingPagesThroughEveryDemandOnceInOrder()
    {
        var batch = new SubmitDemandsRequest();
        batch.Lines.AddRange(Enumerable.Range(0, 25).Select(i => Line($"P-{i:D2}", priority: i % 2 == 0 ? Priority.Critical : Priority.Low)));
        await _demand.SubmitDemandsAsync(batch);

        var seen = new List<string>();
        var token = "";
        var pages = 0;
        do
        {
            var page = await _demand.ListDemandsAsync(new ListDemandsRequest { Page = new PageRequest { PageSize = 10, PageToken = token } });
            seen.AddRange(page.Demands.Select(d => d.Line.RequestId));
            token = page.NextPageToken;
            pages++;
        }
        while (token.Length > 0);

        Assert.Equal(3, pages);
        Assert.Equal(batch.Lines.Select(l => l.RequestId), seen);
    }

    [Fact]
    public async Task ListingFiltersByStatusRegionSkuAndPriority()
    {
        var r = await _demand.SubmitDemandsAsync(Batch(
            Line("F-1", region: "R3", priority: Priority.Critical),
            Line("F-2", region: "R1", priority: Priority.Critical),
            Line("F-3", region: "R3", priority: Priority.Low),
            Line("F-4", region: "R3", sku: "SUIT", priority: Priority.Critical)));
        await _demand.CancelDemandAsync(new CancelDemandRequest { DemandId = r.Demands[3].DemandId, Reason = "duplicate" });

        var open = await _demand.ListDemandsAsync(new ListDemandsRequest
        {
            Statuses = { DemandStatus.Open }, Region = "R3", Priority = Priority.Critical,
        });
        var suits = await _demand.ListDemandsAsync(new ListDemandsRequest { Sku = "SUIT" });
        var cancelled = await _demand.ListDemandsAsync(new ListDemandsRequest { Statuses = { DemandStatus.Cancelled } });

        Assert.Equal(["F-1"], open.Demands.Select(d => d.Line.RequestId));
        Assert.Equal(["F-4"], suits.Demands.Select(d => d.Line.RequestId));
        Assert.Equal(["F-4"], cancelled.Demands.Select(d => d.Line.RequestId));
    }

    [Fact]
    public async Task BadPagingIsRefused()
    {
        await Rpc.InvalidFields(() => _demand.ListDemandsAsync(new ListDemandsRequest { Page = new PageRequest { PageSize = 1001 } }).ResponseAsync, "page.page_size");
        await Rpc.InvalidFields(() => _demand.ListDemandsAsync(new ListDemandsRequest { Page = new PageRequest { PageToken = "%%%" } }).ResponseAsync, "page.page_token");
        await Rpc.InvalidFields(() => _demand.ListDemandsAsync(new ListDemandsRequest { Page = new PageRequest { PageSize = -1 } }).ResponseAsync, "page.page_size");
    }

    [Fact]
    public async Task CancelMarksTheDemandAndIsIdempotent()
    {
        var r = await _demand.SubmitDemandsAsync(Batch(Line("X-1")));
        var id = r.Demands[0].DemandId;

        var cancelled = await _demand.CancelDemandAsync(new CancelDemandRequest { DemandId = id, Reason = "met locally" });
        var again = await _demand.CancelDemandAsync(new CancelDemandRequest { DemandId = id, Reason = "other words" });

        Assert.Equal(DemandStatus.Cancelled, cancelled.Status);
        Assert.Equal("met locally", cancelled.CancelReason);
        Assert.NotNull(cancelled.CancelledAt);
        Assert.Equal(cancelled, again);
        await Rpc.Fails(StatusCode.NotFound, () => _demand.CancelDemandAsync(new CancelDemandRequest { DemandId = id + 100 }).ResponseAsync);
        await Rpc.InvalidFields(() => _demand.CancelDemandAsync(new CancelDemandRequest { DemandId = 0 }).ResponseAsync, "demand_id");
    }

    [Fact]
    public async Task CancellingAPlannedDemandWithdrawsItsLiveWorkClosesReportedWorkAndTellsTheFactory()
    {
        using var channel = _factory.CreateChannel();
        var assignments = new AssignmentService.AssignmentServiceClient(channel);
        var submitted = await _demand.SubmitDemandsAsync(Batch(Line("K-1", 3000), Line("K-2", 100)));
        var (cancelledId, keptId) = (submitted.Demands[0].DemandId, submitted.Demands[1].DemandId);
        using (var call = new PlanningService.PlanningServiceClient(channel).CreatePlan(new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = 5, Publish = true }))
            Assert.Equal(PlanStatus.Active, (await PlanStreams.ReadAll(call))[^1].Plan.Status);
        var published = (await assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = "F1" })).Assignments;
        var work = published.Where(a => a.DemandId == cancelledId).ToList();
        Assert.True(work.Count >= 3, $"K-1 should be spread over at least three days, got {work.Count} assignments");
        var (pending, accepted, partly) = (work[0], work[1], work[2]);
        Assert.True(partly.Quantity > 7);
        Assert.Equal(AssignmentStatus.Accepted, (await Acknowledge(assignments, accepted, Decision.Accept)).Status);
        await Acknowledge(assignments, partly, Decision.Accept);
        await assignments.ReportProductionAsync(new ReportProductionRequest
            { ReportId = "k-1", FactoryId = "F1", AssignmentId = partly.AssignmentId, Date = partly.ProductionDate, Quantity = 7 });
        await using var watch = new Watcher(assignments, "F1");
        await watch.Until(m => m.Any(x => x.Synced is not null));
        var before = watch.LastVersion;

        var cancelled = await _demand.CancelDemandAsync(new CancelDemandRequest { DemandId = cancelledId, Reason = "met locally" });

        Assert.Equal((DemandStatus.Cancelled, 7L), (cancelled.Status, cancelled.Produced));
        var all = (await assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = "F1", IncludeWithdrawn = true })).Assignments;
        WorkAssignment Now(WorkAssignment a) => all.Single(x => x.AssignmentId == a.AssignmentId);
        Assert.All(work.Where(a => a != partly), a => Assert.Equal(AssignmentStatus.Withdrawn, Now(a).Status));
        Assert.Equal((AssignmentStatus.Done, 7L, 7L), (Now(partly).Status, Now(partly).Quantity, Now(partly).Produced));
        Assert.All(all.Where(a => a.DemandId == keptId), a => Assert.Equal(published.Single(x => x.AssignmentId == a.AssignmentId), a));
        // What factories list now: the closed work, not the withdrawn.
        var current = (await assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = "F1" })).Assignments;
        Assert.Equal([partly.AssignmentId], current.Where(a => a.DemandId == cancelledId).Select(a => a.AssignmentId));
        // The watch got each change once, as listed.
        var changed = all.Where(a => a.Version > before).OrderBy(a => a.Version).ToList();
        Assert.Equal(work.Select(a => a.AssignmentId).Order(), changed.Select(a => a.AssignmentId).Order());
        await watch.Until(_ => watch.Assignments.Count(a => a.Version > before) >= changed.Count);
        Assert.Equal(changed, watch.Assignments.Where(a => a.Version > before));
        // Withdrawn work cannot be taken up again; the closed work answers ACCEPT as it is.
        var refused = await Rpc.Fails(StatusCode.FailedPrecondition, () => Acknowledge(assignments, pending, Decision.Accept));
        Assert.Contains("WITHDRAWN", refused.Status.Detail);
        await Rpc.Fails(StatusCode.FailedPrecondition, () => Acknowledge(assignments, accepted, Decision.Accept));
        await Rpc.Fails(StatusCode.FailedPrecondition, () => assignments.ReportProductionAsync(new ReportProductionRequest
            { ReportId = "k-2", FactoryId = "F1", AssignmentId = accepted.AssignmentId, Date = accepted.ProductionDate, Quantity = 1 }).ResponseAsync);
        Assert.Equal(Now(partly), await Acknowledge(assignments, partly, Decision.Accept));
        // Cancelling again changes nothing.
        await _demand.CancelDemandAsync(new CancelDemandRequest { DemandId = cancelledId, Reason = "again" });
        Assert.Equal(all, (await assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = "F1", IncludeWithdrawn = true })).Assignments);
    }

    private static Task<WorkAssignment> Acknowledge(AssignmentService.AssignmentServiceClient client, WorkAssignment a, Decision decision) =>
        client.AcknowledgeAssignmentAsync(new AcknowledgeAssignmentRequest { FactoryId = a.FactoryId, AssignmentId = a.AssignmentId, Decision = decision }).ResponseAsync;

    [Fact]
    public async Task DemandIsFoundByRequestIdOfItsSubmitter()
    {
        await _demand.SubmitDemandsAsync(Batch(Line("G-1", 42)));

        var mine = await _demand.GetDemandAsync(new GetDemandRequest { RequestId = "G-1" });
        var named = await _demand.GetDemandAsync(new GetDemandRequest { RequestId = "G-1", Submitter = "admin" });

        Assert.Equal(42, mine.Line.Quantity);
        Assert.Equal(mine, named);
        await Rpc.Fails(StatusCode.NotFound, () => _demand.GetDemandAsync(new GetDemandRequest { RequestId = "G-1", Submitter = "someone-else" }).ResponseAsync);
        await Rpc.InvalidFields(() => _demand.GetDemandAsync(new GetDemandRequest()).ResponseAsync, "key");
    }

    [Fact]
    public async Task ListingByRequestIdsFindsThemUnderEverySubmitterAndCanLeaveOutTheCaller()
    {
        var other = new DemandService.DemandServiceClient(_factory.CreateChannel(_factory.CreateKey(Role.Coordinator, name: "other")));
        await _demand.SubmitDemandsAsync(Batch(Line("Q-1"), Line("Q-2"), Line("Q-3")));
        await other.SubmitDemandsAsync(Batch(Line("Q-2"), Line("Q-4")));
        var request = new ListDemandsRequest { RequestIds = { "Q-2", "Q-4", "Q-9" } };

        var everyone = await _demand.ListDemandsAsync(request);
        request.ExcludeCaller = true;
        var others = await _demand.ListDemandsAsync(request);
        request.Page = new PageRequest { PageSize = 1 };
        var firstPage = await _demand.ListDemandsAsync(request);

        Assert.Equal(["Q-2 admin", "Q-2 other", "Q-4 other"], everyone.Demands.Select(d => $"{d.Line.RequestId} {d.Submitter}"));
        Assert.Equal(["Q-2 other", "Q-4 other"], others.Demands.Select(d => $"{d.Line.RequestId} {d.Submitter}"));
        Assert.Equal(["Q-2 other"], firstPage.Demands.Select(d => $"{d.Line.RequestId} {d.Submitter}"));
        Assert.NotEqual("", firstPage.NextPageToken);
    }

    [Fact]
    public async Task ListingByMoreThanAThousandOrMalformedRequestIdsIsInvalid()
    {
        await Rpc.InvalidFields(
            async () => await _demand.ListDemandsAsync(new ListDemandsRequest { RequestIds = { Enumerable.Range(0, 1001).Select(i => $"R{i}") } }),
            "request_ids");
        await Rpc.InvalidFields(
            async () => await _demand.ListDemandsAsync(new ListDemandsRequest { RequestIds = { "ok", "not ok" } }),
            "request_ids[1]");
    }
}
