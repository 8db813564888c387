using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Server.Persistence;
using Priority = EmergencyDispatch.Api.V1.Priority;

namespace EmergencyDispatch.Server.Grpc.Mapping;

/// <summary>Stored demand as the API shows it.</summary>
public static class DemandMapping
{
    public static Demand ToApi(DemandRow r)
    {
        var demand = new Demand
        {
            DemandId = r.DemandId,
            Line = new Api.V1.DemandLine
            {
                RequestId = r.RequestId,
                Sku = r.Sku,
                Quantity = r.Quantity,
                Region = r.Region,
                DueDate = r.DueDate,
                Priority = (Priority)(int)r.Priority,
            },
            Status = StatusOf(r.Status),
            Produced = r.Produced,
            Submitter = r.Submitter,
            SubmittedAt = ApiValues.Time(r.SubmittedAt),
            CancelReason = r.CancelReason ?? "",
        };
        if (r.CancelledAt is { } cancelled)
            demand.CancelledAt = ApiValues.Time(cancelled);
        return demand;
    }

    /// <summary>A stored demand status; a value this build does not know throws.</summary>
    public static DemandStatus StatusOf(string status) => status switch
    {
        DemandStore.Cancelled => DemandStatus.Cancelled,
        DemandStore.PartiallyFulfilled => DemandStatus.PartiallyFulfilled,
        DemandStore.Fulfilled => DemandStatus.Fulfilled,
        DemandStore.Open => DemandStatus.Open,
        _ => throw new FormatException($"'{status}' is not a stored demand status (OPEN, PARTIALLY_FULFILLED, FULFILLED, CANCELLED)"),
    };
}
