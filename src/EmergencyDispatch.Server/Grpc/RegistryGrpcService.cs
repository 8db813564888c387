using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Planning.Model;
using Product = EmergencyDispatch.Api.V1.Product;
using EmergencyDispatch.Server.Persistence;
using EmergencyDispatch.Server.Grpc.Mapping;
using Grpc.Core;

namespace EmergencyDispatch.Server.Grpc;

/// <summary>The registry API: validate, delegate to <see cref="RegistryStore"/>, map.</summary>
public sealed class RegistryGrpcService(RegistryStore store) : RegistryService.RegistryServiceBase
{
    public override async Task<UpsertResponse> UpsertProducts(UpsertProductsRequest request, ServerCallContext context)
    {
        var v = Batch.Check("products", request.Products.Count);
        for (var i = 0; i < request.Products.Count; i++)
        {
            var p = request.Products[i];
            Rules.Add(v, $"products[{i}].sku", Rules.CheckId(p.Sku));
            Rules.Add(v, $"products[{i}].name", Rules.CheckName(p.Name));
            Rules.Add(v, $"products[{i}].unit", Rules.CheckUnit(p.Unit));
        }
        Batch.CheckUnique(v, "products", request.Products, p => p.Sku, "sku");
        GrpcErrors.ThrowIfAny(v);
        var counts = await store.UpsertProductsAsync(request.Products.Select(p => new ProductRow(p.Sku, p.Name, p.Unit)).ToList(), Callers.Call(context), context.CancellationToken);
        return RegistryMapping.ToApi(counts);
    }

    public override Task<Product> GetProduct(GetProductRequest request, ServerCallContext context)
    {
        GrpcErrors.ThrowIfAny(RequestFields.Check("sku", Rules.CheckId(request.Sku)));
        var row = store.GetProduct(request.Sku) ?? GrpcErrors.ThrowNotFound<ProductRow>($"product '{request.Sku}' does not exist");
        return Task.FromResult(RegistryMapping.ToApi(row));
    }

    public override Task<ListProductsResponse> ListProducts(ListProductsRequest request, ServerCallContext context)
    {
        var (size, after) = Paging.Read(request.Page, 1);
        var page = store.ListProducts(after, size);
        return Task.FromResult(new ListProductsResponse { Products = { page.Items.Select(RegistryMapping.ToApi) }, NextPageToken = Paging.Token(page) });
    }

    public override async Task<UpsertResponse> UpsertFactories(UpsertFactoriesRequest request, ServerCallContext context)
    {
        var v = Batch.Check("factories", request.Factories.Count);
        for (var i = 0; i < request.Factories.Count; i++)
        {
            var f = request.Factories[i];
            Rules.Add(v, $"factories[{i}].factory_id", Rules.CheckId(f.FactoryId));
            Rules.Add(v, $"factories[{i}].name", Rules.CheckName(f.Name));
            Rules.Add(v, $"factories[{i}].region", Rules.CheckId(f.Region));
        }
        Batch.CheckUnique(v, "factories", request.Factories, f => f.FactoryId, "factory_id");
        GrpcErrors.ThrowIfAny(v);
        var counts = await store.UpsertFactoriesAsync(request.Factories.Select(f => new FactoryRow(f.FactoryId, f.Name, f.Region)).ToList(), Callers.Call(context), context.CancellationToken);
        return RegistryMapping.ToApi(counts);
    }

    public override Task<FactoryDetail> GetFactory(GetFactoryRequest request, ServerCallContext context)
    {
        GrpcErrors.ThrowIfAny(RequestFields.Check("factory_id", Rules.CheckId(request.FactoryId)));
        var row = store.GetFactory(request.FactoryId) ?? GrpcErrors.ThrowNotFound<FactoryRow>($"factory '{request.FactoryId}' does not exist");
        var capabilities = store.ListCapabilities(request.FactoryId, null, null, int.MaxValue - 1).Items;
        return Task.FromResult(new FactoryDetail { Factory = RegistryMapping.ToApi(row), Capabilities = { capabilities.Select(RegistryMapping.ToApi) } });
    }

    public override Task<ListFactoriesResponse> ListFactories(ListFactoriesRequest request, ServerCallContext context)
    {
        var region = RequestFields.OptionalId(request.Region, "region");
        var (size, after) = Paging.Read(request.Page, 1);
        var page = store.ListFactories(region, after, size);
        return Task.FromResult(new ListFactoriesResponse { Factories = { page.Items.Select(RegistryMapping.ToApi) }, NextPageToken = Paging.Token(page) });
    }

    public override async Task<UpsertResponse> UpsertCapabilities(UpsertCapabilitiesRequest request, ServerCallContext context)
    {
        var v = Batch.Check("capabilities", request.Capabilities.Count);
        for (var i = 0; i < request.Capabilities.Count; i++)
        {
            var c = request.Capabilities[i];
            Rules.Add(v, $"capabilities[{i}].factory_id", Rules.CheckId(c.FactoryId));
            Rules.Add(v, $"capabilities[{i}].sku", Rules.CheckId(c.Sku));
            Rules.Add(v, $"capabilities[{i}].units_per_day", Rules.CheckUnitsPerDay(c.UnitsPerDay));
            Rules.Add(v, $"capabilities[{i}].unit_cost", Rules.CheckUnitCost(c.UnitCost));
        }
        Batch.CheckUnique(v, "capabilities", request.Capabilities, c => (c.FactoryId, c.Sku), "factory_id and sku");
        GrpcErrors.ThrowIfAny(v);
        var result = await store.UpsertCapabilitiesAsync(
            request.Capabilities.Select(c => new CapabilityRow(c.FactoryId, c.Sku, c.UnitsPerDay, c.UnitCost)).ToList(), Callers.Call(context), context.CancellationToken);
        return Upserted(result);
    }

    public override Task<ListCapabilitiesResponse> ListCapabilities(ListCapabilitiesRequest request, ServerCallContext context)
    {
        var factoryId = RequestFields.OptionalId(request.FactoryId, "factory_id");
        var sku = RequestFields.OptionalId(request.Sku, "sku");
        var (size, after) = Paging.Read(request.Page, 2);
        var page = store.ListCapabilities(factoryId, sku, after, size);
        return Task.FromResult(new ListCapabilitiesResponse { Capabilities = { page.Items.Select(RegistryMapping.ToApi) }, NextPageToken = Paging.Token(page) });
    }

    public override async Task<UpsertResponse> UpsertAvailability(UpsertAvailabilityRequest request, ServerCallContext context)
    {
        var v = Batch.Check("ranges", request.Ranges.Count);
        var rows = new List<AvailabilityRow>();
        var rangeOfRow = new List<int>();
        var seen = new Dictionary<(string, DateOnly), int>();
        for (var i = 0; i < request.Ranges.Count; i++)
        {
            var r = request.Ranges[i];
            var before = v.Count;
            Rules.Add(v, $"ranges[{i}].factory_id", Rules.CheckId(r.FactoryId));
            Rules.Add(v, $"ranges[{i}].from_date", Rules.CheckDate(r.FromDate, out var from));
            var to = from;
            if (r.ToDate.Length > 0)
                Rules.Add(v, $"ranges[{i}].to_date", Rules.CheckDate(r.ToDate, out to));
            Rules.Add(v, $"ranges[{i}].factor", Rules.CheckFactor(r.Factor));
            if (v.Count > before)
                continue;
            if (Rules.CheckRangeEnd(from, to) is { } problem)
            {
                v.Add(new Violation($"ranges[{i}].to_date", problem));
                continue;
            }
            // The rows a call writes are bounded before they are made: other writers wait behind this one.
            if (rows.Count + to.DayNumber - from.DayNumber + 1 > Rules.MaxAvailabilityDaysPerCall)
            {
                throw GrpcErrors.ResourceExhausted(
                    $"ranges[0..{i}] cover more than {Rules.MaxAvailabilityDaysPerCall} factory-days, the most one call may write; send the ranges in smaller calls");
            }
            for (var day = from; day <= to; day = day.AddDays(1))
            {
                if (!seen.TryAdd((r.FactoryId, day), i))
                {
                    v.Add(new Violation($"ranges[{i}]", $"overlaps ranges[{seen[(r.FactoryId, day)]}] on {day:yyyy-MM-dd}"));
                    break;
                }
                rows.Add(new AvailabilityRow(r.FactoryId, IsoDate.Text(day), r.Factor));
                rangeOfRow.Add(i);
            }
        }
        GrpcErrors.ThrowIfAny(v);
        return Upserted(await store.UpsertAvailabilityAsync(rows, rangeOfRow, Callers.Call(context), context.CancellationToken));
    }

    public override Task<ListAvailabilityResponse> ListAvailability(ListAvailabilityRequest request, ServerCallContext context)
    {
        var factoryId = RequestFields.OptionalId(request.FactoryId, "factory_id");
        var from = RequestFields.OptionalDate(request.FromDate, "from_date");
        var to = RequestFields.OptionalDate(request.ToDate, "to_date");
        var (size, after) = Paging.Read(request.Page, 2);
        var page = store.ListAvailability(factoryId, from, to, after, size);
        return Task.FromResult(new ListAvailabilityResponse
        {
            Days = { page.Items.Select(a => new Api.V1.AvailabilityDay { FactoryId = a.FactoryId, Date = a.Date, Factor = a.Factor }) },
            NextPageToken = Paging.Token(page),
        });
    }

    public override async Task<UpsertResponse> UpsertLanes(UpsertLanesRequest request, ServerCallContext context)
    {
        var v = Batch.Check("lanes", request.Lanes.Count);
        for (var i = 0; i < request.Lanes.Count; i++)
        {
            var l = request.Lanes[i];
            Rules.Add(v, $"lanes[{i}].from_region", Rules.CheckId(l.FromRegion));
            Rules.Add(v, $"lanes[{i}].to_region", Rules.CheckId(l.ToRegion));
            Rules.Add(v, $"lanes[{i}].lead_days", Rules.CheckLeadDays(l.LeadDays));
            Rules.Add(v, $"lanes[{i}].unit_cost", Rules.CheckUnitCost(l.UnitCost));
        }
        Batch.CheckUnique(v, "lanes", request.Lanes, l => (l.FromRegion, l.ToRegion), "from_region and to_region");
        GrpcErrors.ThrowIfAny(v);
        var counts = await store.UpsertLanesAsync(
            request.Lanes.Select(l => new LaneRow(l.FromRegion, l.ToRegion, l.LeadDays, l.UnitCost)).ToList(), Callers.Call(context), context.CancellationToken);
        return RegistryMapping.ToApi(counts);
    }

    public override Task<ListLanesResponse> ListLanes(ListLanesRequest request, ServerCallContext context)
    {
        var from = RequestFields.OptionalId(request.FromRegion, "from_region");
        var to = RequestFields.OptionalId(request.ToRegion, "to_region");
        var (size, after) = Paging.Read(request.Page, 2);
        var page = store.ListLanes(from, to, after, size);
        return Task.FromResult(new ListLanesResponse { Lanes = { page.Items.Select(RegistryMapping.ToApi) }, NextPageToken = Paging.Token(page) });
    }

    public override async Task<UpsertResponse> UpsertStockLots(UpsertStockLotsRequest request, ServerCallContext context)
    {
        var v = Batch.Check("lots", request.Lots.Count);
        for (var i = 0; i < request.Lots.Count; i++)
        {
            var l = request.Lots[i];
            Rules.Add(v, $"lots[{i}].stock_id", Rules.CheckId(l.StockId));
            Rules.Add(v, $"lots[{i}].factory_id", Rules.CheckId(l.FactoryId));
            Rules.Add(v, $"lots[{i}].sku", Rules.CheckId(l.Sku));
            Rules.Add(v, $"lots[{i}].quantity", Rules.CheckQuantity(l.Quantity));
            Rules.Add(v, $"lots[{i}].available_date", Rules.CheckDate(l.AvailableDate, out _));
            Rules.Add(v, $"lots[{i}].unit_cost", Rules.CheckUnitCost(l.UnitCost));
        }
        Batch.CheckUnique(v, "lots", request.Lots, l => l.StockId, "stock_id");
        GrpcErrors.ThrowIfAny(v);
        return Upserted(await store.UpsertStockLotsAsync(
            request.Lots.Select(l => new StockLotRow(l.StockId, l.FactoryId, l.Sku, l.Quantity, IsoDate.Text(IsoDate.Parse(l.AvailableDate)), l.UnitCost)).ToList(),
            Callers.Call(context), context.CancellationToken));
    }

    public override Task<StockLotDetail> GetStockLot(GetStockLotRequest request, ServerCallContext context)
    {
        GrpcErrors.ThrowIfAny(RequestFields.Check("stock_id", Rules.CheckId(request.StockId)));
        var row = store.GetStockLot(request.StockId) ?? GrpcErrors.ThrowNotFound<StockLotDetailRow>($"stock lot '{request.StockId}' does not exist");
        return Task.FromResult(RegistryMapping.ToApi(row));
    }

    public override Task<ListStockLotsResponse> ListStockLots(ListStockLotsRequest request, ServerCallContext context)
    {
        var factoryId = RequestFields.OptionalId(request.FactoryId, "factory_id");
        var sku = RequestFields.OptionalId(request.Sku, "sku");
        var (size, after) = Paging.Read(request.Page, 1);
        var page = store.ListStockLots(factoryId, sku, after, size);
        return Task.FromResult(new ListStockLotsResponse { Lots = { page.Items.Select(RegistryMapping.ToApi) }, NextPageToken = Paging.Token(page) });
    }

    public override async Task<UpsertResponse> UpsertOptions(UpsertOptionsRequest request, ServerCallContext context)
    {
        var v = Batch.Check("options", request.Options.Count);
        for (var i = 0; i < request.Options.Count; i++)
        {
            var o = request.Options[i];
            Rules.Add(v, $"options[{i}].option_id", Rules.CheckId(o.OptionId));
            Rules.Add(v, $"options[{i}].factory_id", Rules.CheckId(o.FactoryId));
            Rules.Add(v, $"options[{i}].sku", Rules.CheckId(o.Sku));
            Rules.Add(v, $"options[{i}].units_per_day", Rules.CheckUnitsPerDay(o.UnitsPerDay));
            Rules.Add(v, $"options[{i}].unit_cost", Rules.CheckUnitCost(o.UnitCost));
            Rules.Add(v, $"options[{i}].ready_date", Rules.CheckDate(o.ReadyDate, out _));
            Rules.Add(v, $"options[{i}].ramp_days", Rules.CheckRampDays(o.RampDays));
            Rules.Add(v, $"options[{i}].fixed_cost", Rules.CheckFixedCost(o.FixedCost));
        }
        Batch.CheckUnique(v, "options", request.Options, o => o.OptionId, "option_id");
        GrpcErrors.ThrowIfAny(v);
        return Upserted(await store.UpsertOptionsAsync(
            request.Options.Select(o => new OptionRow(o.OptionId, o.FactoryId, o.Sku, o.UnitsPerDay, o.UnitCost, IsoDate.Text(IsoDate.Parse(o.ReadyDate)), o.RampDays, o.FixedCost)).ToList(),
            Callers.Call(context), context.CancellationToken));
    }

    public override Task<Api.V1.ProductionOption> GetOption(GetOptionRequest request, ServerCallContext context)
    {
        GrpcErrors.ThrowIfAny(RequestFields.Check("option_id", Rules.CheckId(request.OptionId)));
        var row = store.GetOption(request.OptionId) ?? GrpcErrors.ThrowNotFound<OptionRow>($"option '{request.OptionId}' does not exist");
        return Task.FromResult(RegistryMapping.ToApi(row));
    }

    public override Task<ListOptionsResponse> ListOptions(ListOptionsRequest request, ServerCallContext context)
    {
        var factoryId = RequestFields.OptionalId(request.FactoryId, "factory_id");
        var sku = RequestFields.OptionalId(request.Sku, "sku");
        var (size, after) = Paging.Read(request.Page, 1);
        var page = store.ListOptions(factoryId, sku, after, size);
        return Task.FromResult(new ListOptionsResponse { Options = { page.Items.Select(RegistryMapping.ToApi) }, NextPageToken = Paging.Token(page) });
    }

    public override async Task<UpsertResponse> UpsertMaterials(UpsertMaterialsRequest request, ServerCallContext context)
    {
        var v = Batch.Check("materials", request.Materials.Count);
        for (var i = 0; i < request.Materials.Count; i++)
        {
            var m = request.Materials[i];
            Rules.Add(v, $"materials[{i}].material_id", Rules.CheckId(m.MaterialId));
            Rules.Add(v, $"materials[{i}].name", Rules.CheckName(m.Name));
            Rules.Add(v, $"materials[{i}].unit", Rules.CheckUnit(m.Unit));
        }
        Batch.CheckUnique(v, "materials", request.Materials, m => m.MaterialId, "material_id");
        GrpcErrors.ThrowIfAny(v);
        var counts = await store.UpsertMaterialsAsync(request.Materials.Select(m => new MaterialRow(m.MaterialId, m.Name, m.Unit)).ToList(), Callers.Call(context), context.CancellationToken);
        return RegistryMapping.ToApi(counts);
    }

    public override Task<MaterialDetail> GetMaterial(GetMaterialRequest request, ServerCallContext context)
    {
        GrpcErrors.ThrowIfAny(RequestFields.Check("material_id", Rules.CheckId(request.MaterialId)));
        var row = store.GetMaterial(request.MaterialId) ?? GrpcErrors.ThrowNotFound<MaterialRow>($"material '{request.MaterialId}' does not exist");
        var bom = store.ListBom(null, request.MaterialId, null, int.MaxValue - 1).Items;
        var (rows, total) = store.MaterialSupplyTotal(request.MaterialId);
        return Task.FromResult(new MaterialDetail
        {
            Material = RegistryMapping.ToApi(row),
            Bom = { bom.Select(RegistryMapping.ToApi) },
            SupplyRows = (int)rows,
            SupplyTotal = total,
        });
    }

    public override Task<ListMaterialsResponse> ListMaterials(ListMaterialsRequest request, ServerCallContext context)
    {
        var (size, after) = Paging.Read(request.Page, 1);
        var page = store.ListMaterials(after, size);
        return Task.FromResult(new ListMaterialsResponse { Materials = { page.Items.Select(RegistryMapping.ToApi) }, NextPageToken = Paging.Token(page) });
    }

    public override async Task<UpsertResponse> UpsertBom(UpsertBomRequest request, ServerCallContext context)
    {
        var v = Batch.Check("lines", request.Lines.Count);
        for (var i = 0; i < request.Lines.Count; i++)
        {
            var b = request.Lines[i];
            Rules.Add(v, $"lines[{i}].sku", Rules.CheckId(b.Sku));
            Rules.Add(v, $"lines[{i}].material_id", Rules.CheckId(b.MaterialId));
            Rules.Add(v, $"lines[{i}].per_unit", Rules.CheckPerUnit(b.PerUnit));
        }
        Batch.CheckUnique(v, "lines", request.Lines, b => (b.Sku, b.MaterialId), "sku and material_id");
        GrpcErrors.ThrowIfAny(v);
        return Upserted(await store.UpsertBomAsync(
            request.Lines.Select(b => new BomRow(b.Sku, b.MaterialId, b.PerUnit)).ToList(), Callers.Call(context), context.CancellationToken));
    }

    public override Task<ListBomResponse> ListBom(ListBomRequest request, ServerCallContext context)
    {
        var sku = RequestFields.OptionalId(request.Sku, "sku");
        var materialId = RequestFields.OptionalId(request.MaterialId, "material_id");
        var (size, after) = Paging.Read(request.Page, 2);
        var page = store.ListBom(sku, materialId, after, size);
        return Task.FromResult(new ListBomResponse { Lines = { page.Items.Select(RegistryMapping.ToApi) }, NextPageToken = Paging.Token(page) });
    }

    public override async Task<UpsertResponse> UpsertMaterialSupply(UpsertMaterialSupplyRequest request, ServerCallContext context)
    {
        var v = Batch.Check("supply", request.Supply.Count);
        for (var i = 0; i < request.Supply.Count; i++)
        {
            var m = request.Supply[i];
            Rules.Add(v, $"supply[{i}].material_id", Rules.CheckId(m.MaterialId));
            Rules.Add(v, $"supply[{i}].region", Rules.CheckId(m.Region));
            Rules.Add(v, $"supply[{i}].date", Rules.CheckDate(m.Date, out _));
            Rules.Add(v, $"supply[{i}].quantity", Rules.CheckMaterialQuantity(m.Quantity));
        }
        Batch.CheckUnique(v, "supply", request.Supply, m => (m.MaterialId, m.Region, m.Date), "material_id, region and date");
        GrpcErrors.ThrowIfAny(v);
        return Upserted(await store.UpsertMaterialSupplyAsync(
            request.Supply.Select(m => new MaterialSupplyRow(m.MaterialId, m.Region, IsoDate.Text(IsoDate.Parse(m.Date)), m.Quantity)).ToList(),
            Callers.Call(context), context.CancellationToken));
    }

    public override Task<ListMaterialSupplyResponse> ListMaterialSupply(ListMaterialSupplyRequest request, ServerCallContext context)
    {
        var materialId = RequestFields.OptionalId(request.MaterialId, "material_id");
        var region = RequestFields.OptionalId(request.Region, "region");
        var from = RequestFields.OptionalDate(request.FromDate, "from_date");
        var to = RequestFields.OptionalDate(request.ToDate, "to_date");
        var (size, after) = Paging.Read(request.Page, 3);
        var page = store.ListMaterialSupply(materialId, region, from, to, after, size);
        return Task.FromResult(new ListMaterialSupplyResponse { Supply = { page.Items.Select(RegistryMapping.ToApi) }, NextPageToken = Paging.Token(page) });
    }

    /// <summary>What an upsert did, or INVALID_ARGUMENT naming what the registry refused.</summary>
    private static UpsertResponse Upserted(WriteResult<UpsertCounts> result)
    {
        if (result.Violations.Count > 0)
            throw GrpcErrors.InvalidArgument(result.Violations);
        return RegistryMapping.ToApi(result.Value!);
    }

}
