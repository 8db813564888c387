using System.Globalization;
using Proto = EmergencyDispatch.Api.V1;
using Domain = EmergencyDispatch.Planning.Model;

namespace EmergencyDispatch.Cli.Import;

/// <summary>Scenario rows as API messages.</summary>
public static class ProtoMapping
{
    public static string Date(DateOnly date) => Domain.IsoDate.Text(date);

    public static Proto.Product ToProto(Domain.Product p) => new() { Sku = p.Sku, Name = p.Name, Unit = p.Unit };

    public static Proto.Factory ToProto(Domain.Factory f) => new() { FactoryId = f.FactoryId, Name = f.Name, Region = f.Region };

    public static Proto.Capability ToProto(Domain.Capability c) =>
        new() { FactoryId = c.FactoryId, Sku = c.Sku, UnitsPerDay = c.UnitsPerDay, UnitCost = c.UnitCost };

    public static Proto.AvailabilityRange ToProto(AvailabilityRangeRows r) =>
        new() { FactoryId = r.FactoryId, FromDate = Date(r.From), ToDate = Date(r.To), Factor = r.Factor };

    public static Proto.Lane ToProto(Domain.Lane l) =>
        new() { FromRegion = l.FromRegion, ToRegion = l.ToRegion, LeadDays = l.LeadDays, UnitCost = l.UnitCost };

    public static Proto.ProductionOption ToProto(Domain.ProductionOption o) => new()
    {
        OptionId = o.OptionId, FactoryId = o.FactoryId, Sku = o.Sku, UnitsPerDay = o.UnitsPerDay, UnitCost = o.UnitCost,
        ReadyDate = Date(o.ReadyDate), RampDays = o.RampDays, FixedCost = o.FixedCost,
    };

    public static Proto.StockLot ToProto(Domain.StockLot l) => new()
    {
        StockId = l.StockId, FactoryId = l.FactoryId, Sku = l.Sku, Quantity = l.Quantity, AvailableDate = Date(l.AvailableDate), UnitCost = l.UnitCost,
    };

    public static Proto.Material ToProto(Domain.Material m) => new() { MaterialId = m.MaterialId, Name = m.Name, Unit = m.Unit };

    public static Proto.BomLine ToProto(Domain.BomLine b) => new() { Sku = b.Sku, MaterialId = b.MaterialId, PerUnit = b.PerUnit };

    public static Proto.MaterialSupply ToProto(Domain.MaterialSupply m) =>
        new() { MaterialId = m.MaterialId, Region = m.Region, Date = Date(m.Date), Quantity = m.Quantity };

    public static Proto.DemandLine ToProto(Domain.DemandLine d) => new()
    {
        RequestId = d.RequestId,
        Sku = d.Sku,
        Quantity = d.Quantity,
        Region = d.Region,
        DueDate = Date(d.DueDate),
        Priority = ToProto(d.Priority),
    };

    public static Proto.Priority ToProto(Domain.Priority priority) => priority switch
    {
        Domain.Priority.Critical => Proto.Priority.Critical,
        Domain.Priority.High => Proto.Priority.High,
        Domain.Priority.Normal => Proto.Priority.Normal,
        Domain.Priority.Low => Proto.Priority.Low,
        _ => throw new ArgumentOutOfRangeException(nameof(priority)),
    };
}
