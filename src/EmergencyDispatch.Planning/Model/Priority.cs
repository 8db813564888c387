namespace EmergencyDispatch.Planning.Model;

/// <summary>How urgent a demand is; tiers are served strictly in this order (MODEL.md).</summary>
public enum Priority
{
    Critical = 1,
    High = 2,
    Normal = 3,
    Low = 4,
}

/// <summary>Names and lateness weights of the priority tiers.</summary>
public static class Priorities
{
    /// <summary>All tiers, most urgent first.</summary>
    public static readonly Priority[] InOrder = [Priority.Critical, Priority.High, Priority.Normal, Priority.Low];

    /// <summary>The weight of one late unit-day in the lateness step: CRITICAL 8, HIGH 4, NORMAL 2, LOW 1.</summary>
    public static int LatenessWeight(this Priority priority) => priority switch
    {
        Priority.Critical => 8,
        Priority.High => 4,
        Priority.Normal => 2,
        Priority.Low => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(priority)),
    };

    /// <summary>The MODEL.md spelling: CRITICAL, HIGH, NORMAL, LOW.</summary>
    public static string ToCode(this Priority priority) => priority switch
    {
        Priority.Critical => "CRITICAL",
        Priority.High => "HIGH",
        Priority.Normal => "NORMAL",
        Priority.Low => "LOW",
        _ => throw new ArgumentOutOfRangeException(nameof(priority)),
    };

    /// <summary>Parses the MODEL.md spelling, case-sensitively.</summary>
    public static bool TryParse(string? text, out Priority priority)
    {
        priority = text switch
        {
            "CRITICAL" => Priority.Critical,
            "HIGH" => Priority.High,
            "NORMAL" => Priority.Normal,
            "LOW" => Priority.Low,
            _ => 0,
        };
        return priority != 0;
    }
}
