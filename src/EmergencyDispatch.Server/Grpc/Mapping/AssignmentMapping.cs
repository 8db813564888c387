using EmergencyDispatch.Planning.Loop;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Server.Persistence;

namespace EmergencyDispatch.Server.Grpc.Mapping;

/// <summary>A factory's work as the API shows it.</summary>
public static class AssignmentMapping
{
    /// <summary>An assignment; a status this build does not know throws.</summary>
    public static WorkAssignment ToApi(AssignmentRow r) => new()
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
        Status = StatusOf(r.Status),
        Reason = r.Reason,
        Version = r.Version,
        UpdatedAt = ApiValues.Time(r.UpdatedAt),
        Source = r.Source,
    };

    /// <summary>An option order; a status this build does not know throws.</summary>
    public static OptionOrder ToApi(OptionOrderRow r) => new()
    {
        OrderId = r.OrderId,
        PlanId = r.PlanId,
        FactoryId = r.FactoryId,
        OptionId = r.OptionId,
        Sku = r.Sku,
        Units = r.Units,
        FirstDate = r.FirstDate,
        FixedCost = r.FixedCost,
        Status = StatusOf(r.Status),
        Reason = r.Reason,
        Version = r.Version,
        UpdatedAt = ApiValues.Time(r.UpdatedAt),
    };

    /// <summary>One entry of the watch stream.</summary>
    public static WatchAssignmentsResponse ToApi(WorkChange change) =>
        change.Assignment is { } a ? new WatchAssignmentsResponse { Assignment = ToApi(a) } : new WatchAssignmentsResponse { OptionOrder = ToApi(change.Order!) };

    private static AssignmentStatus StatusOf(string status) => status switch
    {
        AssignmentStates.Pending => AssignmentStatus.Pending,
        AssignmentStates.Accepted => AssignmentStatus.Accepted,
        AssignmentStates.Rejected => AssignmentStatus.Rejected,
        AssignmentStates.Done => AssignmentStatus.Done,
        AssignmentStates.Withdrawn => AssignmentStatus.Withdrawn,
        _ => throw new FormatException($"'{status}' is not a stored work status"),
    };
}
