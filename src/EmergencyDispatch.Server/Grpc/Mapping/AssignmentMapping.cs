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
        Status = r.Status switch
        {
            AssignmentStates.Pending => AssignmentStatus.Pending,
            AssignmentStates.Accepted => AssignmentStatus.Accepted,
            AssignmentStates.Rejected => AssignmentStatus.Rejected,
            AssignmentStates.Done => AssignmentStatus.Done,
            AssignmentStates.Withdrawn => AssignmentStatus.Withdrawn,
            _ => throw new FormatException($"'{r.Status}' is not a stored assignment status"),
        },
        Reason = r.Reason,
        Version = r.Version,
        UpdatedAt = ApiValues.Time(r.UpdatedAt),
        Source = r.Source,
    };
}
