using EmergencyDispatch.Planning.Model;

namespace EmergencyDispatch.Server.Grpc;

/// <summary>
/// How the services read request fields: the rules themselves are <see cref="Rules"/>; here an empty optional field
/// reads as "not given" and a rule's problem becomes a violation of the field the caller sent.
/// </summary>
public static class RequestFields
{
    /// <summary>The field's violation, if the rule found a problem.</summary>
    public static List<Violation> Check(string field, string? problem)
    {
        var v = new List<Violation>();
        Rules.Add(v, field, problem);
        return v;
    }

    /// <summary>An optional id filter: null when empty, else it must be a valid id (INVALID_ARGUMENT otherwise).</summary>
    public static string? OptionalId(string value, string field)
    {
        if (value.Length == 0)
            return null;
        GrpcErrors.ThrowIfAny(Check(field, Rules.CheckId(value)));
        return value;
    }

    /// <summary>An optional date filter: null when empty, else it must be a date (INVALID_ARGUMENT otherwise).</summary>
    public static string? OptionalDate(string value, string field)
    {
        var v = new List<Violation>();
        var date = OptionalDate(v, field, value);
        GrpcErrors.ThrowIfAny(v);
        return date;
    }

    /// <summary>An optional date: null when empty, else the date as stored, its problem added to <paramref name="v"/>.</summary>
    public static string? OptionalDate(List<Violation> v, string field, string value)
    {
        if (value.Length == 0)
            return null;
        Rules.Add(v, field, Rules.CheckDate(value, out var date));
        return IsoDate.Text(date);
    }
}

/// <summary>Checks shared by every batch request.</summary>
public static class Batch
{
    /// <summary>A batch holds 1 to <see cref="Rules.MaxBatch"/> items.</summary>
    public static List<Violation> Check(string field, int count)
    {
        var violations = new List<Violation>();
        Rules.Add(violations, field, Rules.CheckBatchSize(count));
        return violations;
    }

    /// <summary>A violation for each item whose key repeats an earlier item's.</summary>
    public static void CheckUnique<T, TKey>(List<Violation> violations, string field, IList<T> items, Func<T, TKey> key, string keyName)
        where TKey : notnull
    {
        var seen = new Dictionary<TKey, int>();
        for (var i = 0; i < items.Count; i++)
        {
            if (!seen.TryAdd(key(items[i]), i))
                violations.Add(new Violation($"{field}[{i}]", $"repeats the {keyName} of {field}[{seen[key(items[i])]}]"));
        }
    }
}
