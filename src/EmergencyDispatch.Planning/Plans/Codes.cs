namespace EmergencyDispatch.Planning.Plans;

/// <summary>
/// A closed set of values and the code each is written as in files, the database and logs. Every code of the project
/// is spelled in one table; a value or code outside it throws, so a new value cannot silently map to a default.
/// </summary>
public sealed class CodeTable<T> where T : struct, Enum
{
    private readonly (T Value, string Code)[] _entries;

    public CodeTable(params (T Value, string Code)[] entries)
    {
        _entries = entries;
        if (entries.DistinctBy(e => e.Value).Count() != entries.Length || entries.DistinctBy(e => e.Code).Count() != entries.Length)
            throw new ArgumentException($"{typeof(T).Name}: a value or a code appears twice");
        var missing = Enum.GetValues<T>().Except(entries.Select(e => e.Value)).ToList();
        if (missing.Count > 0)
            throw new ArgumentException($"{typeof(T).Name}: no code for {string.Join(", ", missing)}");
    }

    /// <summary>Every code, in the table's order.</summary>
    public IEnumerable<string> Codes => _entries.Select(e => e.Code);

    /// <summary>The code of a value.</summary>
    public string Code(T value)
    {
        foreach (var (v, code) in _entries)
        {
            if (EqualityComparer<T>.Default.Equals(v, value))
                return code;
        }
        throw new ArgumentOutOfRangeException(nameof(value), value, $"no {typeof(T).Name} code for {value}");
    }

    /// <summary>The value of a code, exactly as written (case matters).</summary>
    public bool TryParse(string code, out T value)
    {
        foreach (var (v, c) in _entries)
        {
            if (string.Equals(c, code, StringComparison.Ordinal))
            {
                value = v;
                return true;
            }
        }
        value = default;
        return false;
    }

    /// <summary>The value of a stored code; a code outside the table throws (the store holds something this build does not know).</summary>
    public T Parse(string code) =>
        TryParse(code, out var value) ? value : throw new FormatException($"'{code}' is not a {typeof(T).Name} code ({string.Join(", ", Codes)})");
}

/// <summary>The codes of the planner's values, as MODEL.md's files and the plan tables write them.</summary>
public static class Codes
{
    /// <summary>Shortfall reasons as outcomes.csv writes them, before any binding factories; none is empty.</summary>
    public static readonly CodeTable<ShortfallReason> Reasons = new(
        (ShortfallReason.None, ""),
        (ShortfallReason.NoCapableFactory, "NO_CAPABLE_FACTORY"),
        (ShortfallReason.NoOnTimeRoute, "NO_ON_TIME_ROUTE"),
        (ShortfallReason.CapacityShortage, "CAPACITY_SHORTAGE"),
        (ShortfallReason.MaterialShortage, "MATERIAL_SHORTAGE"));

    /// <summary>How far a plan got, as the plan table stores it.</summary>
    public static readonly CodeTable<PlanCompletion> Completions = new(
        (PlanCompletion.Complete, "COMPLETE"),
        (PlanCompletion.TimeLimit, "TIME_LIMIT"),
        (PlanCompletion.SolverFailed, "SOLVER_FAILED"));

    /// <summary>Planners, as the plan table stores them.</summary>
    public static readonly CodeTable<PlannerKind> Planners = new(
        (PlannerKind.Lp, "LP"),
        (PlannerKind.Greedy, "GREEDY"));

    /// <summary>Where an option stands in a plan, as the plan tables store it.</summary>
    public static readonly CodeTable<OptionState> OptionStates = new(
        (OptionState.Taken, "TAKEN"),
        (OptionState.NotTaken, "NOT_TAKEN"),
        (OptionState.Committed, "COMMITTED"),
        (OptionState.Rejected, "REJECTED"),
        (OptionState.OverBudget, "OVER_BUDGET"));
}
