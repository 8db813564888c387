using System.Globalization;

namespace EmergencyDispatch.Planning.Model;

/// <summary>A broken input rule: the field (a path such as <c>lines[3].sku</c>) and what is wrong with it.</summary>
public sealed record Violation(string Field, string Description);

/// <summary>
/// The input rules of MODEL.md and the service's limits, one per field, shared by every gRPC service, the scenario
/// reader, the CLI, the seeder and the security code. Each check returns the problem, or null when the value is good;
/// the caller names the field.
/// </summary>
public static class Rules
{
    // Ids and texts.
    public const int MaxIdLength = 64;
    public const int MaxNameLength = 200;
    public const int MaxUnitLength = 32;
    /// <summary>A caller's name (an API key's name or a token's subject): the submitter of its demand, the actor of its events.</summary>
    public const int MaxCallerNameLength = 256;
    public const int MaxReasonLength = 500;
    /// <summary>An RPC name as the event log records it (<c>DemandService/SubmitDemands</c>).</summary>
    public const int MaxRpcNameLength = 200;

    // Quantities, capacities, costs and factors.
    public const long MaxQuantity = 1_000_000_000;
    public const double MaxUnitsPerDay = 1e9;
    public const double MaxUnitCost = 1e9;
    public const double MaxFactor = 100;
    public const int MaxLeadDays = 365;
    /// <summary>Most of a material one unit of a product may consume.</summary>
    public const double MaxPerUnit = 1e6;
    /// <summary>Most of a material one supply line may bring.</summary>
    public const double MaxMaterialQuantity = 1e12;
    /// <summary>Most days an option's line may take to reach full capacity after its ready date.</summary>
    public const int MaxRampDays = 365;
    /// <summary>Most an option may cost to take, and most a plan may spend on options.</summary>
    public const double MaxFixedCost = 1e15;

    /// <summary>Most budgets one budget sweep plans.</summary>
    public const int MaxSweepBudgets = 20;

    // Dates.
    public static readonly DateOnly MinDate = new(2000, 1, 1);
    public static readonly DateOnly MaxDate = new(2199, 12, 31);
    public const int MaxAvailabilityRangeDays = 366;

    // The plan request.
    public const int DefaultHorizonDays = 14;
    public const int MaxHorizonDays = 90;
    public const int DefaultFrozenDays = 2;
    public const int DefaultTimeLimitSeconds = 60;
    public const int MaxTimeLimitSeconds = 600;
    public static readonly TimeSpan MaxTimeLimit = TimeSpan.FromSeconds(MaxTimeLimitSeconds);

    // Requests.
    public const int MaxBatch = 10_000;

    /// <summary>
    /// Most factory-days one availability call may write (its ranges' days summed): a few milliseconds of the single
    /// writer, so that other callers' writes never wait long behind one (the CLI's import sends larger files in calls
    /// of this size).
    /// </summary>
    public const int MaxAvailabilityDaysPerCall = 1_000;
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;
    /// <summary>Most request_ids one ListDemands filters on (import looks its file up in groups of this many).</summary>
    public const int MaxRequestIdFilter = 1000;

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

    /// <summary>The actor of the service's own writes: the demo seed.</summary>
    public const string SeedActor = "seed";

    /// <summary>The actor of the service's own writes at start-up (the first admin key).</summary>
    public const string StartupActor = "startup";

    /// <summary>The name of a call that carries no credentials.</summary>
    public const string AnonymousActor = "anonymous";

    /// <summary>
    /// Names no key or token may take (in any letter case): they are the service's own actors, and a caller named so
    /// would write as the seeder and share its idempotency namespace.
    /// </summary>
    public static readonly IReadOnlySet<string> ReservedNames =
        new HashSet<string>([SeedActor, StartupActor, AnonymousActor], StringComparer.OrdinalIgnoreCase);

    /// <summary>Checks an API key's name: the shape of an id, so that it can be a submitter and an actor as it is, and not reserved.</summary>
    public static string? CheckKeyName(string? value) => CheckId(value) ?? Reserved(value!);

    /// <summary>Checks the name a token gives its caller: the rule of every submitter and actor, and not reserved.</summary>
    public static string? CheckActorName(string? value) => CheckCallerName(value) ?? Reserved(value!.Trim());

    private static string? Reserved(string name) =>
        ReservedNames.Contains(name) ? $"'{name}' is reserved for the service's own writes ({string.Join(", ", ReservedNames.Order(StringComparer.Ordinal))})" : null;

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

    /// <summary>Checks a product's or factory's name.</summary>
    public static string? CheckName(string? value) => CheckText(value, MaxNameLength);

    /// <summary>Checks a product's unit (<c>box</c>, <c>piece</c>).</summary>
    public static string? CheckUnit(string? value) => CheckText(value, MaxUnitLength);

    /// <summary>Checks a caller's name, as a submitter or actor filter or a token's subject.</summary>
    public static string? CheckCallerName(string? value) => CheckText(value, MaxCallerNameLength);

    /// <summary>Checks a reason given for a rejection or a cancellation.</summary>
    public static string? CheckReason(string? value) => CheckText(value, MaxReasonLength);

    /// <summary>Checks an RPC name given as a filter of the event log.</summary>
    public static string? CheckRpcName(string? value) => CheckText(value, MaxRpcNameLength);

    /// <summary>Parses a date written yyyy-MM-dd within the supported range.</summary>
    public static string? CheckDate(string? value, out DateOnly date)
    {
        date = default;
        if (string.IsNullOrEmpty(value))
            return "must be a date yyyy-MM-dd";
        if (!IsoDate.TryParse(value, out date))
            return $"'{ErrorText.Quote(value)}' is not a date yyyy-MM-dd";
        if (date < MinDate || date > MaxDate)
            return $"must be between {MinDate:yyyy-MM-dd} and {MaxDate:yyyy-MM-dd}";
        return null;
    }

    /// <summary>Checks the end of a range of days from <paramref name="from"/> (an availability range): not before it, at most 366 days in all.</summary>
    public static string? CheckRangeEnd(DateOnly from, DateOnly to) =>
        to < from ? "must not be before from_date"
        : to.DayNumber - from.DayNumber + 1 > MaxAvailabilityRangeDays ? $"a range may cover at most {MaxAvailabilityRangeDays} days"
        : null;

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
            return string.Create(CultureInfo.InvariantCulture, $"must be at most {max}");
        return null;
    }

    /// <summary>Checks a capability's units per day: greater than 0, at most 1e9.</summary>
    public static string? CheckUnitsPerDay(double value) => CheckNumber(value, 0, MaxUnitsPerDay, minInclusive: false);

    /// <summary>Checks a unit cost (of a capability or a lane): 0 to 1e9.</summary>
    public static string? CheckUnitCost(double value) => CheckNumber(value, 0, MaxUnitCost, minInclusive: true);

    /// <summary>Checks an availability factor: 0 (closed) to 100, 1 being normal capacity.</summary>
    public static string? CheckFactor(double value) => CheckNumber(value, 0, MaxFactor, minInclusive: true);

    /// <summary>Checks a bill of materials' use per unit: greater than 0, at most 1e6.</summary>
    public static string? CheckPerUnit(double value) => CheckNumber(value, 0, MaxPerUnit, minInclusive: false);

    /// <summary>Checks a quantity of material supplied: greater than 0, at most 1e12.</summary>
    public static string? CheckMaterialQuantity(double value) => CheckNumber(value, 0, MaxMaterialQuantity, minInclusive: false);

    /// <summary>Checks an option's ramp: whole days, 0 to 365.</summary>
    public static string? CheckRampDays(long days) =>
        days is < 0 or > MaxRampDays ? $"must be a whole number of days from 0 to {MaxRampDays}, got {days}" : null;

    /// <summary>Checks an option's fixed cost or a plan's option budget: 0 to 1e15.</summary>
    public static string? CheckFixedCost(double value) => CheckNumber(value, 0, MaxFixedCost, minInclusive: true);

    /// <summary>Checks a lane's lead time: whole days, 0 to 365.</summary>
    public static string? CheckLeadDays(long days) =>
        days is < 0 or > MaxLeadDays ? $"must be a whole number of days from 0 to {MaxLeadDays}, got {days}" : null;

    /// <summary>Checks a plan's horizon: 1 to 90 days.</summary>
    public static string? CheckHorizonDays(long days) =>
        days is < 1 or > MaxHorizonDays ? $"must be from 1 to {MaxHorizonDays}, got {days}" : null;

    /// <summary>Checks a plan's frozen window: 0 days to the horizon.</summary>
    public static string? CheckFrozenDays(long days, int horizonDays) =>
        days < 0 || days > horizonDays ? $"must be from 0 to horizon_days ({horizonDays}), got {days}" : null;

    /// <summary>Checks a solve's time limit in seconds: at least a millisecond (plans store it in whole milliseconds), at most 600.</summary>
    public static string? CheckTimeLimitSeconds(double seconds) =>
        !double.IsFinite(seconds) || seconds <= 0 ? "must be more than 0 seconds"
        : seconds < 0.001 ? "must be at least 0.001 seconds (1 ms)"
        : seconds > MaxTimeLimitSeconds ? $"must be at most {MaxTimeLimitSeconds} seconds ({MaxTimeLimit.TotalMinutes:0} minutes)"
        : null;

    /// <summary>Checks the number of items in a batch request: 1 to 10,000.</summary>
    public static string? CheckBatchSize(int count) =>
        count <= 0 ? "must hold at least one item"
        : count > MaxBatch ? $"must hold at most {MaxBatch} items, got {count}"
        : null;

    /// <summary>Checks a requested page size: 0 (the default, 100) to 1,000.</summary>
    public static string? CheckPageSize(int size) =>
        size is < 0 or > MaxPageSize ? $"must be from 0 (the default, {DefaultPageSize}) to {MaxPageSize}, got {size}" : null;

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
}
