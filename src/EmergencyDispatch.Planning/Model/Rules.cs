namespace EmergencyDispatch.Planning.Model;

/// <summary>A broken input rule: the field (a path such as <c>lines[3].sku</c>) and what is wrong with it.</summary>
public sealed record Violation(string Field, string Description);

/// <summary>The input rules of MODEL.md, shared by the API, the scenario reader and the seeder.</summary>
public static class Rules
{
    public const int MaxIdLength = 64;
    public const int MaxNameLength = 200;
    public const int MaxUnitLength = 32;
    public const long MaxQuantity = 1_000_000_000;
    public const double MaxUnitsPerDay = 1e9;
    public const double MaxUnitCost = 1e9;
    public const double MaxFactor = 100;
    public const int MaxLeadDays = 365;
    public const int MaxAvailabilityRangeDays = 366;
    public const int MaxBatch = 10_000;
    public static readonly DateOnly MinDate = new(2000, 1, 1);
    public static readonly DateOnly MaxDate = new(2199, 12, 31);

    /// <summary>Checks an id, sku or region code: 1–64 chars of A-Z a-z 0-9 . _ -</summary>
    public static string? CheckId(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return "must not be empty";
        if (value.Length > MaxIdLength)
            return $"must be at most {MaxIdLength} characters, got {value.Length}";
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
                return "may hold only A-Z a-z 0-9 . _ -";
        }
        return null;
    }

    /// <summary>Checks a free-text name: 1 to <paramref name="max"/> characters, no control characters.</summary>
    public static string? CheckText(string? value, int max)
    {
        if (string.IsNullOrWhiteSpace(value))
            return "must not be empty";
        if (value.Length > max)
            return $"must be at most {max} characters, got {value.Length}";
        if (value.Any(char.IsControl))
            return "must not contain control characters";
        return null;
    }

    /// <summary>Parses a date written yyyy-MM-dd within the supported range.</summary>
    public static string? CheckDate(string? value, out DateOnly date)
    {
        date = default;
        if (string.IsNullOrEmpty(value))
            return "must be a date yyyy-MM-dd";
        if (!DateOnly.TryParseExact(value, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out date))
            return $"'{Shorten(value)}' is not a date yyyy-MM-dd";
        if (date < MinDate || date > MaxDate)
            return $"must be between {MinDate:yyyy-MM-dd} and {MaxDate:yyyy-MM-dd}";
        return null;
    }

    /// <summary>Checks a demand quantity: whole units, 1 to 1,000,000,000.</summary>
    public static string? CheckQuantity(long quantity) =>
        quantity <= 0 ? "must be greater than 0"
        : quantity > MaxQuantity ? $"must be at most {MaxQuantity}"
        : null;

    /// <summary>Checks a finite number within [min, max], with min itself allowed or not.</summary>
    public static string? CheckNumber(double value, double min, double max, bool minInclusive)
    {
        if (!double.IsFinite(value))
            return "must be a finite number";
        if (minInclusive ? value < min : value <= min)
            return minInclusive ? $"must be at least {min}" : $"must be greater than {min}";
        if (value > max)
            return $"must be at most {max}";
        return null;
    }

    /// <summary>Checks the rules of one demand line that need no registry; the sku and region are checked against it elsewhere.</summary>
    public static void CheckDemandLine(string prefix, string? requestId, string? sku, long quantity, string? region, string? dueDate, List<Violation> violations)
    {
        Add(violations, prefix + "request_id", CheckId(requestId));
        Add(violations, prefix + "sku", CheckId(sku));
        Add(violations, prefix + "quantity", CheckQuantity(quantity));
        Add(violations, prefix + "region", CheckId(region));
        Add(violations, prefix + "due_date", CheckDate(dueDate, out _));
    }

    /// <summary>Adds a violation when a check found a problem.</summary>
    public static void Add(List<Violation> violations, string field, string? problem)
    {
        if (problem is not null)
            violations.Add(new Violation(field, problem));
    }

    /// <summary>Cuts a value for quoting in an error message.</summary>
    public static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
