using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Server.Persistence;
using EmergencyDispatch.Server.Grpc.Mapping;
using Grpc.Core;
using DomainPriority = EmergencyDispatch.Planning.Model.Priority;
using Priority = EmergencyDispatch.Api.V1.Priority;
using DemandLine = EmergencyDispatch.Planning.Model.DemandLine;

namespace EmergencyDispatch.Server.Grpc;

/// <summary>The demand API: validate, delegate to <see cref="DemandStore"/>, map.</summary>
public sealed class DemandGrpcService(DemandStore store) : DemandService.DemandServiceBase
{
    public override async Task<SubmitDemandsResponse> SubmitDemands(SubmitDemandsRequest request, ServerCallContext context)
    {
        var lines = ToDomain(request.Lines);
        var result = await store.SubmitAsync(Callers.Call(context), lines, context.CancellationToken);
        if (result.Violations.Count > 0)
            throw GrpcErrors.InvalidArgument(result.Violations);
        if (result.ConflictLine is { } conflict)
        {
            throw GrpcErrors.AlreadyExists(
                $"lines[{conflict}].request_id",
                $"request_id '{lines[conflict].RequestId}' was already submitted with different content; nothing of this batch was stored");
        }
        var response = new SubmitDemandsResponse { Created = result.Created, Replayed = result.Replayed };
        response.Demands.AddRange(result.Demands.Select(DemandMapping.ToApi));
        return response;
    }

    public override Task<Demand> GetDemand(GetDemandRequest request, ServerCallContext context)
    {
        DemandRow? row;
        switch (request.KeyCase)
        {
            case GetDemandRequest.KeyOneofCase.DemandId:
                row = store.Get(request.DemandId);
                break;
            case GetDemandRequest.KeyOneofCase.RequestId:
                GrpcErrors.ThrowIfAny(RequestFields.Check("request_id", Rules.CheckId(request.RequestId)));
                if (request.Submitter.Length > 0)
                    GrpcErrors.ThrowIfAny(RequestFields.Check("submitter", Rules.CheckCallerName(request.Submitter)));
                var submitter = request.Submitter.Length > 0 ? request.Submitter : Callers.Name(context);
                row = store.FindByRequest(submitter, request.RequestId);
                break;
            default:
                GrpcErrors.ThrowInvalid("key", "set demand_id or request_id");
                return null!;
        }
        return Task.FromResult(DemandMapping.ToApi(row ?? GrpcErrors.ThrowNotFound<DemandRow>($"no such demand")));
    }

    public override Task<ListDemandsResponse> ListDemands(ListDemandsRequest request, ServerCallContext context)
    {
        var v = new List<Violation>();
        var statuses = new List<string>();
        for (var i = 0; i < request.Statuses.Count; i++)
        {
            switch (request.Statuses[i])
            {
                case DemandStatus.Open:
                    statuses.Add(DemandStore.Open);
                    break;
                case DemandStatus.Cancelled:
                    statuses.Add(DemandStore.Cancelled);
                    break;
                case DemandStatus.PartiallyFulfilled:
                    statuses.Add(DemandStore.PartiallyFulfilled);
                    break;
                case DemandStatus.Fulfilled:
                    statuses.Add(DemandStore.Fulfilled);
                    break;
                default:
                    v.Add(new Violation($"statuses[{i}]", "must be a known status other than UNSPECIFIED"));
                    break;
            }
        }
        if (request.Priority is not (Priority.Unspecified or Priority.Critical or Priority.High or Priority.Normal or Priority.Low))
            v.Add(new Violation("priority", "is not a known priority"));
        if (request.Submitter.Length > 0)
            Rules.Add(v, "submitter", Rules.CheckCallerName(request.Submitter));
        if (request.RequestIds.Count > Rules.MaxRequestIdFilter)
            v.Add(new Violation("request_ids", $"must be at most {Rules.MaxRequestIdFilter}, got {request.RequestIds.Count}"));
        else
        {
            for (var i = 0; i < request.RequestIds.Count; i++)
                Rules.Add(v, $"request_ids[{i}]", Rules.CheckId(request.RequestIds[i]));
        }
        GrpcErrors.ThrowIfAny(v);
        // Each status becomes an SQL parameter: repeats would cost time (and past 32,766 fail the query), not select more.
        var filter = new DemandStore.Filter(
            statuses.Distinct().ToList(),
            RequestFields.OptionalId(request.Region, "region"),
            RequestFields.OptionalId(request.Sku, "sku"),
            request.Priority == Priority.Unspecified ? null : (long)request.Priority,
            request.Submitter.Length > 0 ? request.Submitter : null,
            request.RequestIds.Count > 0 ? request.RequestIds.Distinct(StringComparer.Ordinal).ToList() : null,
            request.ExcludeCaller ? Callers.Name(context) : null);
        var (size, after) = Paging.ReadNumber(request.Page);
        var afterId = after ?? 0;
        var page = store.List(filter, afterId, size);
        return Task.FromResult(new ListDemandsResponse { Demands = { page.Items.Select(DemandMapping.ToApi) }, NextPageToken = Paging.Token(page) });
    }

    public override async Task<Demand> CancelDemand(CancelDemandRequest request, ServerCallContext context)
    {
        var v = new List<Violation>();
        if (request.DemandId <= 0)
            v.Add(new Violation("demand_id", "must be a demand id (greater than 0)"));
        if (request.Reason.Length > 0)
            Rules.Add(v, "reason", Rules.CheckReason(request.Reason));
        GrpcErrors.ThrowIfAny(v);
        var row = await store.CancelAsync(request.DemandId, request.Reason, Callers.Call(context), context.CancellationToken);
        return DemandMapping.ToApi(row ?? GrpcErrors.ThrowNotFound<DemandRow>($"demand {request.DemandId} does not exist"));
    }

    /// <summary>Checks every line's own rules and the batch's; the registry references are checked at commit.</summary>
    private static List<DemandLine> ToDomain(IList<Api.V1.DemandLine> lines)
    {
        var v = Batch.Check("lines", lines.Count);
        var result = new List<DemandLine>(lines.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var prefix = $"lines[{i}].";
            Rules.CheckDemandLine(prefix, line.RequestId, line.Sku, line.Quantity, line.Region, line.DueDate, v);
            Rules.CheckDate(line.DueDate, out var due);
            if (line.Priority is not (Priority.Critical or Priority.High or Priority.Normal or Priority.Low))
                v.Add(new Violation(prefix + "priority", "must be CRITICAL, HIGH, NORMAL or LOW"));
            result.Add(new DemandLine(line.RequestId, line.Sku, line.Quantity, line.Region, due, (DomainPriority)(int)line.Priority));
        }
        Batch.CheckUnique(v, "lines", lines, l => l.RequestId, "request_id");
        GrpcErrors.ThrowIfAny(v);
        return result;
    }

}
