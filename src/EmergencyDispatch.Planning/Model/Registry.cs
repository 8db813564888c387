namespace EmergencyDispatch.Planning.Model;

/// <summary>A product that can be demanded and made.</summary>
public sealed record Product(string Sku, string Name, string Unit);

/// <summary>A production site in a region.</summary>
public sealed record Factory(string FactoryId, string Name, string Region);

/// <summary>What one factory can make per day at full dedication, and at what cost per unit.</summary>
public sealed record Capability(string FactoryId, string Sku, double UnitsPerDay, double UnitCost);

/// <summary>A factory's capacity factor on one day; days without one have factor 1.</summary>
public sealed record AvailabilityDay(string FactoryId, DateOnly Date, double Factor);

/// <summary>A transport lane between two regions.</summary>
public sealed record Lane(string FromRegion, string ToRegion, int LeadDays, double UnitCost);

/// <summary>One line of demand: the submitter's request for units of a sku in a region by a date.</summary>
public sealed record DemandLine(string RequestId, string Sku, long Quantity, string Region, DateOnly DueDate, Priority Priority);
