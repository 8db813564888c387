using System.CommandLine;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Cli.Infrastructure;

namespace EmergencyDispatch.Cli.Commands;

/// <summary><c>dispatchctl registry</c>: list products, factories, capabilities, lanes and availability; show one product or factory.</summary>
public static class RegistryCommands
{
    private static readonly string[] CapabilityColumns = ["factory_id", "sku", "units_per_day", "unit_cost"];

    public static Command Create(CliHost host) => new("registry", "Read the registry: what can be made where, how fast, and how it travels.")
    {
        Group("products", "Products that can be demanded and made.", Products(host)),
        Group("factories", "Production sites.", Factories(host)),
        Group("capabilities", "What each factory can make per day.", Capabilities(host)),
        Group("lanes", "Transport lanes between regions.", Lanes(host)),
        Group("availability", "Days whose capacity factor was set (other days have factor 1).", Availability(host)),
        Group("stock", "Stock lots held at sites: reserves, donations, purchases.", Stock(host)),
        Group("options", "Options: lines a factory can add (conversions and expansions), with their fixed costs.", OptionsList(host)),
        Group("materials", "Materials that production consumes.", Materials(host)),
        Group("bom", "Bills of materials: what one unit of a sku consumes.", Bom(host)),
        Group("supply", "Material arriving in regions by date.", Supply(host)),
        Product(host),
        Factory(host),
    };

    private static Command Group(string name, string description, Command list) => new(name, description) { list };

    private static Command Products(CliHost host)
    {
        var paging = new PagingOptions();
        var command = new Command("list", "List products by sku.");
        paging.AddTo(command);
        host.SetAction(command, (context, ct) => new PagedList<ListProductsResponse, Product>
        {
            Fetch = async (page, token) => await context.Registry.ListProductsAsync(new ListProductsRequest { Page = page }, cancellationToken: token),
            Items = r => r.Products,
            NextPageToken = r => r.NextPageToken,
            ClearNextPageToken = r => r.NextPageToken = "",
            Columns = ["sku", "name", "unit"],
            Row = p => [p.Sku, p.Name, p.Unit],
        }.RunAsync(context, paging, ct));
        return command;
    }

    private static Command Factories(CliHost host)
    {
        var region = new Option<string>("--region") { Description = "Only factories in this region.", HelpName = "REGION" };
        var paging = new PagingOptions();
        var command = new Command("list", "List factories by factory_id.") { region };
        paging.AddTo(command);
        host.SetAction(command, (context, ct) => new PagedList<ListFactoriesResponse, Factory>
        {
            Fetch = async (page, token) => await context.Registry.ListFactoriesAsync(
                new ListFactoriesRequest { Page = page, Region = context.Get(region) ?? "" }, cancellationToken: token),
            Items = r => r.Factories,
            NextPageToken = r => r.NextPageToken,
            ClearNextPageToken = r => r.NextPageToken = "",
            Columns = ["factory_id", "name", "region"],
            Row = f => [f.FactoryId, f.Name, f.Region],
        }.RunAsync(context, paging, ct));
        return command;
    }

    private static Command Capabilities(CliHost host)
    {
        var factory = new Option<string>("--factory") { Description = "Only this factory's capabilities.", HelpName = "FACTORY_ID" };
        var sku = new Option<string>("--sku") { Description = "Only capabilities for this sku.", HelpName = "SKU" };
        var paging = new PagingOptions();
        var command = new Command("list", "List capabilities.") { factory, sku };
        paging.AddTo(command);
        host.SetAction(command, (context, ct) => new PagedList<ListCapabilitiesResponse, Capability>
        {
            Fetch = async (page, token) => await context.Registry.ListCapabilitiesAsync(
                new ListCapabilitiesRequest { Page = page, FactoryId = context.Get(factory) ?? "", Sku = context.Get(sku) ?? "" }, cancellationToken: token),
            Items = r => r.Capabilities,
            NextPageToken = r => r.NextPageToken,
            ClearNextPageToken = r => r.NextPageToken = "",
            Columns = CapabilityColumns,
            Row = CapabilityRow,
        }.RunAsync(context, paging, ct));
        return command;
    }

    private static Command Lanes(CliHost host)
    {
        var from = new Option<string>("--from") { Description = "Only lanes leaving this region.", HelpName = "REGION" };
        var to = new Option<string>("--to") { Description = "Only lanes arriving in this region.", HelpName = "REGION" };
        var paging = new PagingOptions();
        var command = new Command("list", "List transport lanes.") { from, to };
        paging.AddTo(command);
        host.SetAction(command, (context, ct) => new PagedList<ListLanesResponse, Lane>
        {
            Fetch = async (page, token) => await context.Registry.ListLanesAsync(
                new ListLanesRequest { Page = page, FromRegion = context.Get(from) ?? "", ToRegion = context.Get(to) ?? "" }, cancellationToken: token),
            Items = r => r.Lanes,
            NextPageToken = r => r.NextPageToken,
            ClearNextPageToken = r => r.NextPageToken = "",
            Columns = ["from_region", "to_region", "lead_days", "unit_cost"],
            Row = l => [l.FromRegion, l.ToRegion, ProtoText.Number(l.LeadDays), ProtoText.Number(l.UnitCost)],
        }.RunAsync(context, paging, ct));
        return command;
    }

    private static Command Availability(CliHost host)
    {
        var factory = new Option<string>("--factory") { Description = "Only this factory.", HelpName = "FACTORY_ID" };
        var from = new Option<string>("--from") { Description = "Only days on or after this date (yyyy-MM-dd).", HelpName = "DATE" };
        var to = new Option<string>("--to") { Description = "Only days on or before this date (yyyy-MM-dd).", HelpName = "DATE" };
        var paging = new PagingOptions();
        var command = new Command("list", "List the days whose capacity factor was set.") { factory, from, to };
        paging.AddTo(command);
        host.SetAction(command, (context, ct) => new PagedList<ListAvailabilityResponse, AvailabilityDay>
        {
            Fetch = async (page, token) => await context.Registry.ListAvailabilityAsync(
                new ListAvailabilityRequest
                {
                    Page = page,
                    FactoryId = context.Get(factory) ?? "",
                    FromDate = context.Get(from) ?? "",
                    ToDate = context.Get(to) ?? "",
                },
                cancellationToken: token),
            Items = r => r.Days,
            NextPageToken = r => r.NextPageToken,
            ClearNextPageToken = r => r.NextPageToken = "",
            Columns = ["factory_id", "date", "factor"],
            Row = d => [d.FactoryId, d.Date, ProtoText.Number(d.Factor)],
        }.RunAsync(context, paging, ct));
        return command;
    }

    private static Command Stock(CliHost host)
    {
        var factory = new Option<string>("--factory") { Description = "Only lots at this site.", HelpName = "FACTORY_ID" };
        var sku = new Option<string>("--sku") { Description = "Only lots of this sku.", HelpName = "SKU" };
        var paging = new PagingOptions();
        var command = new Command("list", "List stock lots with the units shipped from them and still open.") { factory, sku };
        paging.AddTo(command);
        host.SetAction(command, (context, ct) => new PagedList<ListStockLotsResponse, StockLotDetail>
        {
            Fetch = async (page, token) => await context.Registry.ListStockLotsAsync(
                new ListStockLotsRequest { Page = page, FactoryId = context.Get(factory) ?? "", Sku = context.Get(sku) ?? "" }, cancellationToken: token),
            Items = r => r.Lots,
            NextPageToken = r => r.NextPageToken,
            ClearNextPageToken = r => r.NextPageToken = "",
            Columns = ["stock_id", "factory_id", "sku", "quantity", "available_date", "unit_cost", "shipped", "open"],
            Row = l => [l.Lot.StockId, l.Lot.FactoryId, l.Lot.Sku, ProtoText.Number(l.Lot.Quantity), l.Lot.AvailableDate, ProtoText.Number(l.Lot.UnitCost),
                ProtoText.Number(l.Shipped), ProtoText.Number(l.Open)],
        }.RunAsync(context, paging, ct));
        return command;
    }

    private static Command OptionsList(CliHost host)
    {
        var factory = new Option<string>("--factory") { Description = "Only options of this factory.", HelpName = "FACTORY_ID" };
        var sku = new Option<string>("--sku") { Description = "Only options of this sku.", HelpName = "SKU" };
        var paging = new PagingOptions();
        var command = new Command("list", "List options by option_id.") { factory, sku };
        paging.AddTo(command);
        host.SetAction(command, (context, ct) => new PagedList<ListOptionsResponse, ProductionOption>
        {
            Fetch = async (page, token) => await context.Registry.ListOptionsAsync(
                new ListOptionsRequest { Page = page, FactoryId = context.Get(factory) ?? "", Sku = context.Get(sku) ?? "" }, cancellationToken: token),
            Items = r => r.Options,
            NextPageToken = r => r.NextPageToken,
            ClearNextPageToken = r => r.NextPageToken = "",
            Columns = ["option_id", "factory_id", "sku", "units_per_day", "unit_cost", "ready_date", "ramp_days", "fixed_cost"],
            Row = o => [o.OptionId, o.FactoryId, o.Sku, ProtoText.Number(o.UnitsPerDay), ProtoText.Number(o.UnitCost), o.ReadyDate,
                ProtoText.Number(o.RampDays), ProtoText.Number(o.FixedCost)],
        }.RunAsync(context, paging, ct));
        return command;
    }

    private static Command Materials(CliHost host)
    {
        var paging = new PagingOptions();
        var command = new Command("list", "List materials by material_id.");
        paging.AddTo(command);
        host.SetAction(command, (context, ct) => new PagedList<ListMaterialsResponse, Material>
        {
            Fetch = async (page, token) => await context.Registry.ListMaterialsAsync(new ListMaterialsRequest { Page = page }, cancellationToken: token),
            Items = r => r.Materials,
            NextPageToken = r => r.NextPageToken,
            ClearNextPageToken = r => r.NextPageToken = "",
            Columns = ["material_id", "name", "unit"],
            Row = m => [m.MaterialId, m.Name, m.Unit],
        }.RunAsync(context, paging, ct));
        return command;
    }

    private static Command Bom(CliHost host)
    {
        var sku = new Option<string>("--sku") { Description = "Only this sku's lines.", HelpName = "SKU" };
        var material = new Option<string>("--material") { Description = "Only lines of this material.", HelpName = "MATERIAL_ID" };
        var paging = new PagingOptions();
        var command = new Command("list", "List bill-of-materials lines.") { sku, material };
        paging.AddTo(command);
        host.SetAction(command, (context, ct) => new PagedList<ListBomResponse, BomLine>
        {
            Fetch = async (page, token) => await context.Registry.ListBomAsync(
                new ListBomRequest { Page = page, Sku = context.Get(sku) ?? "", MaterialId = context.Get(material) ?? "" }, cancellationToken: token),
            Items = r => r.Lines,
            NextPageToken = r => r.NextPageToken,
            ClearNextPageToken = r => r.NextPageToken = "",
            Columns = ["sku", "material_id", "per_unit"],
            Row = b => [b.Sku, b.MaterialId, ProtoText.Number(b.PerUnit)],
        }.RunAsync(context, paging, ct));
        return command;
    }

    private static Command Supply(CliHost host)
    {
        var material = new Option<string>("--material") { Description = "Only this material.", HelpName = "MATERIAL_ID" };
        var region = new Option<string>("--region") { Description = "Only this region.", HelpName = "REGION" };
        var from = new Option<string>("--from") { Description = "Only supply on or after this date (yyyy-MM-dd).", HelpName = "DATE" };
        var to = new Option<string>("--to") { Description = "Only supply on or before this date (yyyy-MM-dd).", HelpName = "DATE" };
        var paging = new PagingOptions();
        var command = new Command("list", "List material supply by material, region and date.") { material, region, from, to };
        paging.AddTo(command);
        host.SetAction(command, (context, ct) => new PagedList<ListMaterialSupplyResponse, MaterialSupply>
        {
            Fetch = async (page, token) => await context.Registry.ListMaterialSupplyAsync(
                new ListMaterialSupplyRequest
                {
                    Page = page,
                    MaterialId = context.Get(material) ?? "",
                    Region = context.Get(region) ?? "",
                    FromDate = context.Get(from) ?? "",
                    ToDate = context.Get(to) ?? "",
                },
                cancellationToken: token),
            Items = r => r.Supply,
            NextPageToken = r => r.NextPageToken,
            ClearNextPageToken = r => r.NextPageToken = "",
            Columns = ["material_id", "region", "date", "quantity"],
            Row = m => [m.MaterialId, m.Region, m.Date, ProtoText.Number(m.Quantity)],
        }.RunAsync(context, paging, ct));
        return command;
    }

    private static Command Product(CliHost host)
    {
        var sku = new Argument<string>("sku") { Description = "The product's sku." };
        var command = new Command("product", "Show one product.") { sku };
        host.SetAction(command, async (context, ct) =>
        {
            var product = await context.Registry.GetProductAsync(new GetProductRequest { Sku = context.Get(sku)! }, cancellationToken: ct);
            if (context.Json)
                Output.WriteJson(context.Console, product);
            else
                context.Console.Out.Write(Output.Fields([("sku", product.Sku), ("name", product.Name), ("unit", product.Unit)]));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Factory(CliHost host)
    {
        var id = new Argument<string>("factory_id") { Description = "The factory's id." };
        var command = new Command("factory", "Show one factory and everything it can make.") { id };
        host.SetAction(command, async (context, ct) =>
        {
            var detail = await context.Registry.GetFactoryAsync(new GetFactoryRequest { FactoryId = context.Get(id)! }, cancellationToken: ct);
            if (context.Json)
            {
                Output.WriteJson(context.Console, detail);
                return ExitCodes.Ok;
            }
            var f = detail.Factory ?? new Factory();
            context.Console.Out.Write(Output.Fields([("factory_id", f.FactoryId), ("name", f.Name), ("region", f.Region)]));
            if (detail.Capabilities.Count == 0)
                context.Console.WriteLine("No capabilities.");
            else
                context.Console.Out.Write(Output.Table(CapabilityColumns, detail.Capabilities.Select(CapabilityRow)));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static IReadOnlyList<string> CapabilityRow(Capability c) =>
        [c.FactoryId, c.Sku, ProtoText.Number(c.UnitsPerDay), ProtoText.Number(c.UnitCost)];
}
