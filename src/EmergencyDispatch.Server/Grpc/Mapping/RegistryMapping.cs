using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Server.Persistence;
using Product = EmergencyDispatch.Api.V1.Product;

namespace EmergencyDispatch.Server.Grpc.Mapping;

/// <summary>The registry as the API shows it.</summary>
public static class RegistryMapping
{
    public static UpsertResponse ToApi(UpsertCounts c) => new() { Created = c.Created, Updated = c.Updated, Unchanged = c.Unchanged };

    public static Product ToApi(ProductRow r) => new() { Sku = r.Sku, Name = r.Name, Unit = r.Unit };

    public static Api.V1.Factory ToApi(FactoryRow r) => new() { FactoryId = r.FactoryId, Name = r.Name, Region = r.Region };

    public static Api.V1.Capability ToApi(CapabilityRow r) => new() { FactoryId = r.FactoryId, Sku = r.Sku, UnitsPerDay = r.UnitsPerDay, UnitCost = r.UnitCost };

    public static Api.V1.Lane ToApi(LaneRow r) => new() { FromRegion = r.FromRegion, ToRegion = r.ToRegion, LeadDays = (int)r.LeadDays, UnitCost = r.UnitCost };

    public static ProductionOption ToApi(OptionRow r) => new()
    {
        OptionId = r.OptionId, FactoryId = r.FactoryId, Sku = r.Sku, UnitsPerDay = r.UnitsPerDay, UnitCost = r.UnitCost,
        ReadyDate = r.ReadyDate, RampDays = (int)r.RampDays, FixedCost = r.FixedCost,
    };

    public static StockLotDetail ToApi(StockLotDetailRow r) => new()
    {
        Lot = new Api.V1.StockLot { StockId = r.StockId, FactoryId = r.FactoryId, Sku = r.Sku, Quantity = r.Quantity, AvailableDate = r.AvailableDate, UnitCost = r.UnitCost },
        Shipped = r.Shipped,
        Open = r.Open,
    };

    public static Api.V1.Material ToApi(MaterialRow r) => new() { MaterialId = r.MaterialId, Name = r.Name, Unit = r.Unit };

    public static Api.V1.BomLine ToApi(BomRow r) => new() { Sku = r.Sku, MaterialId = r.MaterialId, PerUnit = r.PerUnit };

    public static Api.V1.MaterialSupply ToApi(MaterialSupplyRow r) => new() { MaterialId = r.MaterialId, Region = r.Region, Date = r.Date, Quantity = r.Quantity };
}
