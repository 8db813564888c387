using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Server.Persistence;
using EmergencyDispatch.Server.Grpc.Mapping;
using Grpc.Core;

namespace EmergencyDispatch.Server.Grpc;

/// <summary>The factory loop's API: validate, delegate to <see cref="AssignmentStore"/>, map.</summary>
public sealed class AssignmentGrpcService(
    AssignmentStore store, AssignmentFeed feed, IHostApplicationLifetime lifetime, ILogger<AssignmentGrpcService> logger)
    : AssignmentService.AssignmentServiceBase
{
    /// <summary>Changes read from the log per query while a watcher catches up.</summary>
    private const int WatchBatch = 1000;

    public override Task<ListAssignmentsResponse> ListAssignments(ListAssignmentsRequest request, ServerCallContext context)
    {
        var v = new List<Violation>();
        Rules.Add(v, "factory_id", Rules.CheckId(request.FactoryId));
        var from = RequestFields.OptionalDate(v, "from_date", request.FromDate);
        var to = RequestFields.OptionalDate(v, "to_date", request.ToDate);
        if (from is not null && to is not null && string.CompareOrdinal(from, to) > 0)
            v.Add(new Violation("to_date", "must not be before from_date"));
        GrpcErrors.ThrowIfAny(v);
        var (size, after) = Paging.Read(request.Page, 2);
        (string, long)? afterKey = null;
        if (after is not null)
            afterKey = (after[0], Paging.Number(after[1]));
        var page = store.List(request.FactoryId, from, to, request.IncludeWithdrawn, afterKey, size);
        var response = new ListAssignmentsResponse { NextPageToken = Paging.Token(page) };
        response.Assignments.AddRange(page.Items.Select(AssignmentMapping.ToApi));
        if (after is null)
            response.OptionOrders.AddRange(store.ListOptionOrders(request.FactoryId, request.IncludeWithdrawn).Select(AssignmentMapping.ToApi));
        // An empty page is the only case where an unknown factory could hide: check it then, not on every call.
        if (page.Items.Count == 0 && response.OptionOrders.Count == 0)
            RequireFactory(request.FactoryId);
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

        // The stream ends with its call or when the host stops, whichever comes first: a watch must not hold up shutdown.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var ct = linked.Token;
        // Subscribe first: a change committed after the read below wakes this stream, so none falls in between.
        using var subscription = feed.Subscribe(request.FactoryId);
        long last;
        if (request.AfterVersion == 0)
        {
            var (work, version) = store.Snapshot(request.FactoryId);
            foreach (var item in work)
                await responseStream.WriteAsync(AssignmentMapping.ToApi(item), ct);
            last = version;
        }
        else
        {
            last = await SendChangesAsync(request.FactoryId, request.AfterVersion, responseStream, ct);
            last = Math.Max(last, latest);
        }
        await responseStream.WriteAsync(new WatchAssignmentsResponse { Synced = new WatchSynced { Version = last } }, ct);

        try
        {
            while (true)
            {
                await subscription.WaitAsync(ct);
                last = await SendChangesAsync(request.FactoryId, last, responseStream, ct);
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            logger.LogDebug("Watch of {FactoryId} ended at version {Version}: the server is stopping", request.FactoryId, last);
            throw GrpcErrors.Unavailable($"the server is shutting down; watch again with after_version {last} to resume");
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            logger.LogDebug("Watch of {FactoryId} ended at version {Version}", request.FactoryId, last);
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
                await stream.WriteAsync(AssignmentMapping.ToApi(change), ct);
                after = change.Version;
            }
            if (changes.Count < WatchBatch)
                return after;
        }
    }

    public override async Task<WorkAssignment> AcknowledgeAssignment(AcknowledgeAssignmentRequest request, ServerCallContext context)
    {
        CheckAcknowledgement(request.FactoryId, "assignment_id", request.AssignmentId, "an assignment", request.Decision, request.Reason);
        var accept = request.Decision == Decision.Accept;
        var result = await store.AcknowledgeAsync(request.FactoryId, request.AssignmentId, accept,
            request.Reason.Trim(), Callers.Call(context), context.CancellationToken);
        return result.Outcome switch
        {
            AcknowledgeOutcome.Applied or AcknowledgeOutcome.Unchanged => AssignmentMapping.ToApi(result.Assignment!),
            AcknowledgeOutcome.NotFound => GrpcErrors.ThrowNotFound<WorkAssignment>($"factory {request.FactoryId} has no assignment {request.AssignmentId}"),
            _ => throw (accept
                ? GrpcErrors.FailedPrecondition($"assignment {request.AssignmentId} is {result.Assignment!.Status}: it can no longer be accepted")
                : GrpcErrors.FailedPrecondition($"assignment {request.AssignmentId} is {result.Assignment!.Status}: only a PENDING assignment can be rejected")),
        };
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
            Callers.Call(context), context.CancellationToken);
        switch (result.Outcome)
        {
            case ReportOutcome.ReportIdUsed:
                var e = result.Earlier!;
                throw GrpcErrors.AlreadyExists("report_id", $"{request.ReportId} was already used for {e.Quantity} units of assignment {e.AssignmentId} on {e.Date}");
            case ReportOutcome.NotFound:
                return GrpcErrors.ThrowNotFound<ReportProductionResponse>($"factory {request.FactoryId} has no assignment {request.AssignmentId}");
            case ReportOutcome.NotReportable:
                throw GrpcErrors.FailedPrecondition($"assignment {request.AssignmentId} is {result.Assignment!.Status}: production cannot be reported on it");
            case ReportOutcome.PastQuantity:
                var a = result.Assignment!;
                GrpcErrors.ThrowInvalid("quantity",
                    $"{request.Quantity} units would bring assignment {a.AssignmentId} to {a.Produced + request.Quantity}, past its {a.Quantity} ({a.Produced} reported so far)");
                break;
        }
        return new ReportProductionResponse
        {
            Assignment = AssignmentMapping.ToApi(result.Assignment!),
            DemandStatus = DemandMapping.StatusOf(result.DemandStatus),
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
        Rules.Add(v, "factor", Rules.CheckFactor(request.Factor));
        if (v.Count == 0)
            Rules.Add(v, "to_date", Rules.CheckRangeEnd(from, to));
        GrpcErrors.ThrowIfAny(v);
        if (!await store.SetAvailabilityAsync(request.FactoryId, from, to, request.Factor, Callers.Call(context), context.CancellationToken))
            GrpcErrors.ThrowNotFound<bool>($"factory {request.FactoryId} does not exist");
        return new UpdateAvailabilityResponse { Days = to.DayNumber - from.DayNumber + 1 };
    }

    public override Task<ListRejectionsResponse> ListRejections(ListRejectionsRequest request, ServerCallContext context)
    {
        if (request.FactoryId.Length > 0)
            GrpcErrors.ThrowIfAny(RequestFields.Check("factory_id", Rules.CheckId(request.FactoryId)));
        var (size, after) = Paging.Read(request.Page, 3);
        (string, long, long)? afterKey = null;
        if (after is not null)
            afterKey = (after[0], Paging.Number(after[1]), Paging.Number(after[2]));
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
        var v = RequestFields.Check("factory_id", Rules.CheckId(request.FactoryId));
        if (request.DemandId <= 0)
            v.Add(new Violation("demand_id", "must be a demand id (greater than 0)"));
        GrpcErrors.ThrowIfAny(v);
        var cleared = await store.ClearRejectionAsync(request.FactoryId, request.DemandId, Callers.Call(context), context.CancellationToken);
        return new ClearRejectionResponse { Cleared = cleared };
    }

    public override async Task<OptionOrder> AcknowledgeOptionOrder(AcknowledgeOptionOrderRequest request, ServerCallContext context)
    {
        CheckAcknowledgement(request.FactoryId, "order_id", request.OrderId, "an option order", request.Decision, request.Reason);
        var accept = request.Decision == Decision.Accept;
        var (outcome, order) = await store.AcknowledgeOptionOrderAsync(request.FactoryId, request.OrderId, accept,
            request.Reason.Trim(), Callers.Call(context), context.CancellationToken);
        return outcome switch
        {
            AcknowledgeOutcome.Applied or AcknowledgeOutcome.Unchanged => AssignmentMapping.ToApi(order!),
            AcknowledgeOutcome.NotFound => GrpcErrors.ThrowNotFound<OptionOrder>($"factory {request.FactoryId} has no option order {request.OrderId}"),
            _ => throw (accept
                ? GrpcErrors.FailedPrecondition($"option order {request.OrderId} is {order!.Status}: it can no longer be accepted")
                : GrpcErrors.FailedPrecondition($"option order {request.OrderId} is {order!.Status}: only a PENDING option order can be rejected")),
        };
    }

    public override Task<ListOptionRejectionsResponse> ListOptionRejections(ListOptionRejectionsRequest request, ServerCallContext context)
    {
        if (request.FactoryId.Length > 0)
            GrpcErrors.ThrowIfAny(RequestFields.Check("factory_id", Rules.CheckId(request.FactoryId)));
        var (size, after) = Paging.Read(request.Page, 2);
        (string, long)? afterKey = null;
        if (after is not null)
            afterKey = (after[0], Paging.Number(after[1]));
        var page = store.ListOptionRejections(request.FactoryId.Length > 0 ? request.FactoryId : null, afterKey, size);
        var response = new ListOptionRejectionsResponse { NextPageToken = Paging.Token(page) };
        response.Rejections.AddRange(page.Items.Select(r => new OptionRejection
        {
            OptionId = r.OptionId,
            FactoryId = r.FactoryId,
            OrderId = r.OrderId,
            Reason = r.Reason,
            RejectedAt = ApiValues.Time(r.RejectedAt),
            RejectedBy = r.RejectedBy ?? "",
        }));
        return Task.FromResult(response);
    }

    public override async Task<ClearOptionRejectionResponse> ClearOptionRejection(ClearOptionRejectionRequest request, ServerCallContext context)
    {
        GrpcErrors.ThrowIfAny(RequestFields.Check("option_id", Rules.CheckId(request.OptionId)));
        var cleared = await store.ClearOptionRejectionAsync(request.OptionId, Callers.Call(context), context.CancellationToken);
        return new ClearOptionRejectionResponse { Cleared = cleared };
    }

    /// <summary>What every acknowledgement's request must be: its factory, the id of what it decides on, a decision (a rejection with its reason).</summary>
    private static void CheckAcknowledgement(string factoryId, string idField, long id, string what, Decision decision, string reason)
    {
        var v = new List<Violation>();
        Rules.Add(v, "factory_id", Rules.CheckId(factoryId));
        if (id <= 0)
            v.Add(new Violation(idField, $"must be {what} id (greater than 0)"));
        CheckDecision(v, decision, reason);
        GrpcErrors.ThrowIfAny(v);
    }

    /// <summary>A decision is ACCEPT or REJECT; a rejection needs a reason, and a reason is at most 500 chars.</summary>
    private static void CheckDecision(List<Violation> v, Decision decision, string reason)
    {
        if (decision is not (Decision.Accept or Decision.Reject))
            v.Add(new Violation("decision", "must be ACCEPT or REJECT"));
        if (decision == Decision.Reject && string.IsNullOrWhiteSpace(reason))
            v.Add(new Violation("reason", "is required to reject"));
        else if (reason.Length > 0)
            Rules.Add(v, "reason", Rules.CheckReason(reason));
    }

    private void RequireFactory(string factoryId)
    {
        if (!store.FactoryExists(factoryId))
            GrpcErrors.ThrowNotFound<bool>($"factory {factoryId} does not exist");
    }

    private static string Text(DateOnly date) => IsoDate.Text(date);

}
