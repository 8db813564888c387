using EmergencyDispatch.Planning.Model;

namespace EmergencyDispatch.Server.Persistence;

// Row types as SQLite stores them: TEXT as string, INTEGER as long, REAL as double.

public sealed record ProductRow(string Sku, string Name, string Unit);

public sealed record FactoryRow(string FactoryId, string Name, string Region);

public sealed record CapabilityRow(string FactoryId, string Sku, double UnitsPerDay, double UnitCost);

public sealed record AvailabilityRow(string FactoryId, string Date, double Factor);

public sealed record LaneRow(string FromRegion, string ToRegion, long LeadDays, double UnitCost);

/// <summary>A line a factory can add (MODEL.md option); dates as <c>yyyy-MM-dd</c>.</summary>
public sealed record OptionRow(string OptionId, string FactoryId, string Sku, double UnitsPerDay, double UnitCost, string ReadyDate, long RampDays, double FixedCost);

public sealed record StockLotRow(string StockId, string FactoryId, string Sku, long Quantity, string AvailableDate, double UnitCost);

/// <summary>
/// A stock lot with the units reported shipped against assignments from it. Settable properties, not a constructor:
/// SQLite reports no type for a computed column of an empty result, and Dapper matches constructors by type.
/// </summary>
public sealed class StockLotDetailRow
{
    public string StockId { get; set; } = "";
    public string FactoryId { get; set; } = "";
    public string Sku { get; set; } = "";
    public long Quantity { get; set; }
    public string AvailableDate { get; set; } = "";
    public double UnitCost { get; set; }
    public long Shipped { get; set; }

    public StockLotRow Lot => new(StockId, FactoryId, Sku, Quantity, AvailableDate, UnitCost);

    public long Open => Math.Max(0, Quantity - Shipped);
}

public sealed record MaterialRow(string MaterialId, string Name, string Unit);

public sealed record BomRow(string Sku, string MaterialId, double PerUnit);

public sealed record MaterialSupplyRow(string MaterialId, string Region, string Date, double Quantity);

public sealed record DemandRow(
    long DemandId,
    string Submitter,
    string RequestId,
    string Sku,
    long Quantity,
    string Region,
    string DueDate,
    long Priority,
    string Status,
    long SubmittedAt,
    long? CancelledAt,
    string? CancelReason,
    long Produced);

/// <summary>Counts of an upsert batch.</summary>
public sealed record UpsertCounts(int Created, int Updated, int Unchanged);

/// <summary>One page of a keyset-paged list: the rows and the keys to continue after, if there is more.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string[]? NextKeys);

/// <summary>The result of a write that may be refused for bad input: a value, or the violations and nothing stored.</summary>
public sealed record WriteResult<T>(T? Value, IReadOnlyList<Violation> Violations)
{
    public static WriteResult<T> Invalid(IReadOnlyList<Violation> violations) => new(default, violations);
}
