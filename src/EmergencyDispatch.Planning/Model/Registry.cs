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

/// <summary>
/// Finished units held at a site (a factory, or a depot registered as a factory with no capabilities): a stockpile, a
/// donation received, a purchase that landed. They ship from the site's region on any day from <see cref="AvailableDate"/>.
/// </summary>
public sealed record StockLot(string StockId, string FactoryId, string Sku, long Quantity, DateOnly AvailableDate, double UnitCost);

/// <summary>
/// A production line a factory can add (MODEL.md "option"): a conversion of its lines to a sku it does not make yet, or
/// an expansion of one it does. Its own capacity of <see cref="UnitsPerDay"/> from <see cref="ReadyDate"/>, reached
/// over <see cref="RampDays"/> more days; used only when the plan takes it, at <see cref="FixedCost"/> once.
/// </summary>
public sealed record ProductionOption(string OptionId, string FactoryId, string Sku, double UnitsPerDay, double UnitCost, DateOnly ReadyDate, int RampDays, double FixedCost);

/// <summary>An input that production consumes, such as melt-blown fabric.</summary>
public sealed record Material(string MaterialId, string Name, string Unit);

/// <summary>Making one unit of <see cref="Sku"/> consumes <see cref="PerUnit"/> of the material, in the producing factory's region.</summary>
public sealed record BomLine(string Sku, string MaterialId, double PerUnit);

/// <summary>Material arriving in a region on a date; a date before the plan's start counts as its first day.</summary>
public sealed record MaterialSupply(string MaterialId, string Region, DateOnly Date, double Quantity);
