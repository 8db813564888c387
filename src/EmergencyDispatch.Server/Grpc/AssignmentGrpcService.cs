using System.Globalization;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Server.Persistence;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace EmergencyDispatch.Server.Grpc;

/// <summary>The factory loop's API: validate, delegate to <see cref="AssignmentStore"/>, map.</summary>
public sealed class AssignmentGrpcService(
    AssignmentStore store, AssignmentFeed feed, IHostApplicationLifetime lifetime, ILogger<AssignmentGrpcService> logger)
    : AssignmentService.AssignmentServiceBase
{
    /// <summary>How a watch ends when the host stops; the client resumes elsewhere (or later) from the last version it received.</summary>
    public const string ShuttingDown = "the server is shutting down; watch again with after_version set to the last version received";

    /// <summary>Changes read from the log per query while a watcher catches up.</summary>
    private const int WatchBatch = 1000;

    /// <summary>Most days one UpdateAvailability sets.</summary>
    public const int MaxAvailabilityDays = 366;

    /// <summary>Largest capacity factor a factory can announce.</summary>
    public const double MaxFactor = 10;

    public override Task<ListAssignmentsResponse> ListAssignments(ListAssignmentsRequest request, ServerCallContext context)
    {
        var v = new List<Violation>();
        Rules.Add(v, "factory_id", Rules.CheckId(request.FactoryId));
        var from = OptionalDate(v, "from_date", request.FromDate);
        var to = OptionalDate(v, "to_date", request.ToDate);
        if (from is not null && to is not null && string.CompareOrdinal(from, to) > 0)
            v.Add(new Violation("to_date", "must not be before from_date"));
        GrpcErrors.ThrowIfAny(v);
        var (size, after) = Paging.Read(request.Page, 2);
        (string, long)? afterKey = null;
        if (after is not null)
        {
            if (!long.TryParse(after[1], NumberStyles.None, CultureInfo.InvariantCulture, out var afterId))
                GrpcErrors.ThrowInvalid("page.page_token", "is not a token this list returned");
            afterKey = (after[0], afterId);
        }
        var page = store.List(request.FactoryId, from, to, request.IncludeWithdrawn, afterKey, size);
        // An empty page is the only case where an unknown factory could hide: check it then, not on every call.
        if (page.Items.Count == 0)
            RequireFactory(request.FactoryId);
        var response = new ListAssignmentsResponse { NextPageToken = Paging.Token(page) };
        response.Assignments.AddRange(page.Items.Select(Map));
        return Task.FromResult(response);
    }

    public override async Task WatchAssignments(WatchAssignmentsRequest request, IServerStreamWriter<WatchAssignmentsResponse> responseStream, ServerCallContext context)
    {
        var v = new List<Violation>();
        Rules.Add(v, "factory_id", Rules.CheckId(request.FactoryId));
        if (request.AfterVersion < 0)
            v.Add(new Violation("after_version", "must be 0 or a version a watch sent"));
        GrpcErrors.ThrowIfAny(v);
        RequireFactory(request.FactoryId);
        var latest = store.LatestVersion();
        if (request.AfterVersion > latest)
            GrpcErrors.ThrowInvalid("after_version", $"{request.AfterVersion} is ahead of the latest version, {latest}");

        // The wait below only ends when the client leaves: the host's stop must end it too, or shutdown waits for its timeout.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var ct = stopping.Token;
        // Subscribe first: a change committed after the read below wakes this stream, so none falls in between.
        using var subscription = feed.Subscribe(request.FactoryId);
        long last = request.AfterVersion;
        try
        {
            if (request.AfterVersion == 0)
            {
                var (assignments, version) = store.Snapshot(request.FactoryId);
                foreach (var a in assignments)
                    await responseStream.WriteAsync(new WatchAssignmentsResponse { Assignment = Map(a) }, ct);
                last = version;
            }
            else
            {
                last = await SendChangesAsync(request.FactoryId, request.AfterVersion, responseStream, ct);
                last = Math.Max(last, latest);
            }
            await responseStream.WriteAsync(new WatchAssignmentsResponse { Synced = new WatchSynced { Version = last } }, ct);

            while (true)
            {
                await subscription.WaitAsync(ct);
                last = await SendChangesAsync(request.FactoryId, last, responseStream, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            logger.LogDebug("Watch of {FactoryId} ended at version {Version}", request.FactoryId, last);
            if (!context.CancellationToken.IsCancellationRequested)
                throw GrpcErrors.Unavailable(ShuttingDown);
        }
    }

    /// <summary>Sends the factory's changes after a version, oldest first; returns the last version sent (or the one given).</summary>
    private async Task<long> SendChangesAsync(string factoryId, long after, IServerStreamWriter<WatchAssignmentsResponse> stream, CancellationToken ct)
    {
        while (true)
        {
            var changes = store.ChangesSince(factoryId, after, WatchBatch);
            foreach (var change in changes)
            {
                await stream.WriteAsync(new WatchAssignmentsResponse { Assignment = Map(change) }, ct);
                after = change.Version;
            }
            if (changes.Count < WatchBatch)
                return after;
        }
    }

    public override async Task<WorkAssignment> AcknowledgeAssignment(AcknowledgeAssignmentRequest request, ServerCallContext context)
    {
        var v = new List<Violation>();
        Rules.Add(v, "factory_id", Rules.CheckId(request.FactoryId));
        if (request.AssignmentId <= 0)
            v.Add(new Violation("assignment_id", "must be an assignment id (greater than 0)"));
        if (request.Decision is not (Decision.Accept or Decision.Reject))
            v.Add(new Violation("decision", "must be ACCEPT or REJECT"));
        if (request.Decision == Decision.Reject && string.IsNullOrWhiteSpace(request.Reason))
            v.Add(new Violation("reason", "is required to reject"));
        else if (request.Reason.Length > 0)
            Rules.Add(v, "reason", Rules.CheckText(request.Reason, 500));
        GrpcErrors.ThrowIfAny(v);
        var row = await store.AcknowledgeAsync(request.FactoryId, request.AssignmentId, request.Decision == Decision.Accept,
            request.Reason.Trim(), Callers.Name(context), context.CancellationToken);
        return Map(row);
    }

    public override async Task<ReportProductionResponse> ReportProduction(ReportProductionRequest request, ServerCallContext context)
    {
        var v = new List<Violation>();
        Rules.Add(v, "report_id", Rules.CheckId(request.ReportId));
        Rules.Add(v, "factory_id", Rules.CheckId(request.FactoryId));
        if (request.AssignmentId <= 0)
            v.Add(new Violation("assignment_id", "must be an assignment id (greater than 0)"));
        Rules.Add(v, "date", Rules.CheckDate(request.Date, out var date));
        Rules.Add(v, "quantity", Rules.CheckQuantity(request.Quantity));
        GrpcErrors.ThrowIfAny(v);
        var result = await store.ReportAsync(request.FactoryId, request.ReportId, request.AssignmentId, Text(date), request.Quantity,
            Callers.Name(context), context.CancellationToken);
        return new ReportProductionResponse
        {
            Assignment = Map(result.Assignment),
            DemandStatus = DemandGrpcService.StatusOf(result.DemandStatus),
            DemandProduced = result.DemandProduced,
            Replayed = result.Replayed,
        };
    }

    public override async Task<UpdateAvailabilityResponse> UpdateAvailability(UpdateAvailabilityRequest request, ServerCallContext context)
    {
        var v = new List<Violation>();
        Rules.Add(v, "factory_id", Rules.CheckId(request.FactoryId));
        Rules.Add(v, "from_date", Rules.CheckDate(request.FromDate, out var from));
        Rules.Add(v, "to_date", Rules.CheckDate(request.ToDate, out var to));
        Rules.Add(v, "factor", Rules.CheckNumber(request.Factor, 0, MaxFactor, minInclusive: true));
        if (v.Count == 0 && to < from)
            v.Add(new Violation("to_date", "must not be before from_date"));
        if (v.Count == 0 && to.DayNumber - from.DayNumber + 1 > MaxAvailabilityDays)
            v.Add(new Violation("to_date", $"the range must be at most {MaxAvailabilityDays} days"));
        GrpcErrors.ThrowIfAny(v);
        if (!await store.SetAvailabilityAsync(request.FactoryId, from, to, request.Factor, context.CancellationToken))
            GrpcErrors.ThrowNotFound<bool>($"factory {request.FactoryId} does not exist");
        return new UpdateAvailabilityResponse { Days = to.DayNumber - from.DayNumber + 1 };
    }

    public override Task<ListRejectionsResponse> ListRejections(ListRejectionsRequest request, ServerCallContext context)
    {
        if (request.FactoryId.Length > 0)
            GrpcErrors.ThrowIfAny(Check("factory_id", Rules.CheckId(request.FactoryId)));
        var (size, after) = Paging.Read(request.Page, 3);
        (string, long, long)? afterKey = null;
        if (after is not null)
        {
            if (!long.TryParse(after[1], NumberStyles.None, CultureInfo.InvariantCulture, out var demand)
                || !long.TryParse(after[2], NumberStyles.None, CultureInfo.InvariantCulture, out var assignment))
                GrpcErrors.ThrowInvalid("page.page_token", "is not a token this list returned");
            else
                afterKey = (after[0], demand, assignment);
        }
        var page = store.ListRejections(request.FactoryId.Length > 0 ? request.FactoryId : null, afterKey, size);
        var response = new ListRejectionsResponse { NextPageToken = Paging.Token(page) };
        response.Rejections.AddRange(page.Items.Select(r => new Rejection
        {
            FactoryId = r.FactoryId,
            DemandId = r.DemandId,
            AssignmentId = r.AssignmentId,
            Reason = r.Reason,
            RejectedAt = ApiValues.Time(r.RejectedAt),
            RejectedBy = r.RejectedBy,
        }));
        return Task.FromResult(response);
    }

    public override async Task<ClearRejectionResponse> ClearRejection(ClearRejectionRequest request, ServerCallContext context)
    {
        var v = Check("factory_id", Rules.CheckId(request.FactoryId));
        if (request.DemandId <= 0)
            v.Add(new Violation("demand_id", "must be a demand id (greater than 0)"));
        GrpcErrors.ThrowIfAny(v);
        var cleared = await store.ClearRejectionAsync(request.FactoryId, request.DemandId, Callers.Name(context), context.CancellationToken);
        return new ClearRejectionResponse { Cleared = cleared };
    }

    private void RequireFactory(string factoryId)
    {
        if (!store.FactoryExists(factoryId))
            GrpcErrors.ThrowNotFound<bool>($"factory {factoryId} does not exist");
    }

    private static List<Violation> Check(string field, string? problem)
    {
        var v = new List<Violation>();
        Rules.Add(v, field, problem);
        return v;
    }

    private static string? OptionalDate(List<Violation> v, string field, string value)
    {
        if (value.Length == 0)
            return null;
        Rules.Add(v, field, Rules.CheckDate(value, out var date));
        return Text(date);
    }

    private static string Text(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static WorkAssignment Map(AssignmentRow r) => new()
    {
        AssignmentId = r.AssignmentId,
        PlanId = r.PlanId,
        FactoryId = r.FactoryId,
        DemandId = r.DemandId,
        RequestId = r.RequestKey,
        Sku = r.Sku,
        ProductionDate = r.ProductionDate,
        ArrivalDate = r.ArrivalDate,
        Quantity = r.Quantity,
        Produced = r.Produced,
        Status = r.Status switch
        {
            AssignmentStore.Pending => AssignmentStatus.Pending,
            AssignmentStore.Accepted => AssignmentStatus.Accepted,
            AssignmentStore.Rejected => AssignmentStatus.Rejected,
            AssignmentStore.Done => AssignmentStatus.Done,
            AssignmentStore.Withdrawn => AssignmentStatus.Withdrawn,
            _ => AssignmentStatus.Unspecified,
        },
        Reason = r.Reason,
        Version = r.Version,
        UpdatedAt = ApiValues.Time(r.UpdatedAt),
    };
}
