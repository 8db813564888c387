using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Planning.Model;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace EmergencyDispatch.Server.Grpc;

/// <summary>
/// The rows a write call asks the single writer for, before it is decoded further: the items of an upsert or
/// SubmitDemands batch (every repeated field of the request's top level), the factory-days of UpsertAvailability.
/// What the per-key budget of rows counts (<see cref="Security.CallLimits.TryTakeRows"/>).
/// </summary>
public static class WriteRows
{
    /// <summary>The rows of a batch write, at least 1; null for a call that is no batch write.</summary>
    public static int? Of(string method, IMessage request)
    {
        var name = method[(method.LastIndexOf('/') + 1)..];
        if (!name.StartsWith("Upsert", StringComparison.Ordinal) && name != "SubmitDemands")
            return null;
        if (request is UpsertAvailabilityRequest availability)
            return Math.Max(1, availability.Ranges.Sum(Days));
        var rows = 0;
        foreach (var field in request.Descriptor.Fields.InDeclarationOrder())
        {
            if (field.IsRepeated && field.FieldType == FieldType.Message)
                rows += ((System.Collections.IList)field.Accessor.GetValue(request)).Count;
        }
        return Math.Max(1, rows);
    }

    /// <summary>The days a range covers, 1 when its dates are not valid (the call is refused for them later).</summary>
    private static int Days(AvailabilityRange range)
    {
        if (Rules.CheckDate(range.FromDate, out var from) is not null)
            return 1;
        if (range.ToDate.Length == 0)
            return 1;
        if (Rules.CheckDate(range.ToDate, out var to) is not null || to < from)
            return 1;
        return Math.Min(to.DayNumber - from.DayNumber + 1, Rules.MaxAvailabilityDaysPerCall + 1);
    }
}
