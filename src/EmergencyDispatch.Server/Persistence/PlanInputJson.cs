using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Plans;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>
/// A plan's exact input as canonical JSON, stored with the plan so that it can be replayed: one object with
/// <c>start_date</c>, <c>horizon_days</c> and the sorted lists <c>products</c>, <c>factories</c>, <c>capabilities</c>,
/// <c>availability</c> (days of the horizon only), <c>lanes</c>, <c>demands</c> (with <c>demand_id</c>, <c>submitter</c>,
/// <c>request_id</c> and the plan's <c>key</c>), <c>commitments</c> and <c>exclusions</c> (factory and demand key pairs
/// the plan must not use; absent in plans stored before re-planning existed), and, only when there are any,
/// <c>stock_lots</c> (open quantities), <c>materials</c>, <c>bom</c>, <c>material_supply</c>, <c>options</c>,
/// <c>committed_options</c> and <c>rejected_options</c> (option ids), and <c>option_budget</c> when it is not 0; a
/// commitment from a lot or an option's line has a <c>source</c>. Fields in a fixed order, no blanks, numbers in
/// their shortest round-trip form, only what JSON requires escaped: the same input always gives the same bytes.
/// </summary>
public static class PlanInputJson
{
    public static string Write(PlanInputs inputs)
    {
        var input = inputs.Input;
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("start_date", Date(input.StartDate));
            w.WriteNumber("horizon_days", input.HorizonDays);
            Array(w, "products", input.Products, p =>
            {
                w.WriteString("sku", p.Sku);
                w.WriteString("name", p.Name);
                w.WriteString("unit", p.Unit);
            });
            Array(w, "factories", input.Factories, f =>
            {
                w.WriteString("factory_id", f.FactoryId);
                w.WriteString("name", f.Name);
                w.WriteString("region", f.Region);
            });
            Array(w, "capabilities", input.Capabilities, c =>
            {
                w.WriteString("factory_id", c.FactoryId);
                w.WriteString("sku", c.Sku);
                w.WriteNumber("units_per_day", c.UnitsPerDay);
                w.WriteNumber("unit_cost", c.UnitCost);
            });
            Array(w, "availability", input.Availability, a =>
            {
                w.WriteString("factory_id", a.FactoryId);
                w.WriteString("date", Date(a.Date));
                w.WriteNumber("factor", a.Factor);
            });
            Array(w, "lanes", input.Lanes, l =>
            {
                w.WriteString("from_region", l.FromRegion);
                w.WriteString("to_region", l.ToRegion);
                w.WriteNumber("lead_days", l.LeadDays);
                w.WriteNumber("unit_cost", l.UnitCost);
            });
            Array(w, "demands", input.Demands.Zip(inputs.Demands).ToList(), d =>
            {
                w.WriteString("key", d.First.RequestId);
                w.WriteNumber("demand_id", d.Second.DemandId);
                w.WriteString("submitter", d.Second.Submitter);
                w.WriteString("request_id", d.Second.RequestId);
                w.WriteString("sku", d.First.Sku);
                w.WriteNumber("quantity", d.First.Quantity);
                w.WriteString("region", d.First.Region);
                w.WriteString("due_date", Date(d.First.DueDate));
                w.WriteString("priority", d.First.Priority.ToCode());
            });
            Array(w, "commitments", input.Commitments, c =>
            {
                w.WriteString("factory_id", c.FactoryId);
                w.WriteString("key", c.DemandKey);
                w.WriteString("production_date", Date(c.ProductionDate));
                w.WriteNumber("quantity", c.Quantity);
                if (c.Source != Sources.Capacity)
                    w.WriteString("source", c.Source);
            });
            Array(w, "exclusions", input.Exclusions, e =>
            {
                w.WriteString("factory_id", e.FactoryId);
                w.WriteString("key", e.DemandKey);
            });
            // The supply and the options only when there are any, so that a plan without them keeps the bytes it had before they existed.
            OptionalArray(w, "stock_lots", input.StockLots, l =>
            {
                w.WriteString("stock_id", l.StockId);
                w.WriteString("factory_id", l.FactoryId);
                w.WriteString("sku", l.Sku);
                w.WriteNumber("quantity", l.Quantity);
                w.WriteString("available_date", Date(l.AvailableDate));
                w.WriteNumber("unit_cost", l.UnitCost);
            });
            OptionalArray(w, "materials", input.Materials, m =>
            {
                w.WriteString("material_id", m.MaterialId);
                w.WriteString("name", m.Name);
                w.WriteString("unit", m.Unit);
            });
            OptionalArray(w, "bom", input.Bom, b =>
            {
                w.WriteString("sku", b.Sku);
                w.WriteString("material_id", b.MaterialId);
                w.WriteNumber("per_unit", b.PerUnit);
            });
            OptionalArray(w, "material_supply", input.MaterialSupply, m =>
            {
                w.WriteString("material_id", m.MaterialId);
                w.WriteString("region", m.Region);
                w.WriteString("date", Date(m.Date));
                w.WriteNumber("quantity", m.Quantity);
            });
            OptionalArray(w, "options", input.Options, o =>
            {
                w.WriteString("option_id", o.OptionId);
                w.WriteString("factory_id", o.FactoryId);
                w.WriteString("sku", o.Sku);
                w.WriteNumber("units_per_day", o.UnitsPerDay);
                w.WriteNumber("unit_cost", o.UnitCost);
                w.WriteString("ready_date", Date(o.ReadyDate));
                w.WriteNumber("ramp_days", o.RampDays);
                w.WriteNumber("fixed_cost", o.FixedCost);
            });
            if (input.OptionBudget != 0)
                w.WriteNumber("option_budget", input.OptionBudget);
            Ids(w, "committed_options", input.CommittedOptions);
            Ids(w, "rejected_options", input.RejectedOptions);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads what <see cref="Write"/> wrote.</summary>
    public static PlanInputs Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var demands = root.GetProperty("demands").EnumerateArray().Select(d =>
        {
            var key = d.GetProperty("key").GetString()!;
            var planned = new PlannedDemand(d.GetProperty("demand_id").GetInt64(), d.GetProperty("submitter").GetString()!, d.GetProperty("request_id").GetString()!, key);
            if (!Priorities.TryParse(d.GetProperty("priority").GetString(), out var priority))
                throw new FormatException($"demand {key}: unknown priority");
            var line = new DemandLine(key, d.GetProperty("sku").GetString()!, d.GetProperty("quantity").GetInt64(), d.GetProperty("region").GetString()!,
                ParseDate(d.GetProperty("due_date")), priority);
            return (planned, line);
        }).ToList();
        return PlanInputs.FromKeyed(
            root.GetProperty("products").EnumerateArray().Select(p => new Product(S(p, "sku"), S(p, "name"), S(p, "unit"))),
            root.GetProperty("factories").EnumerateArray().Select(f => new Factory(S(f, "factory_id"), S(f, "name"), S(f, "region"))),
            root.GetProperty("capabilities").EnumerateArray().Select(c =>
                new Capability(S(c, "factory_id"), S(c, "sku"), c.GetProperty("units_per_day").GetDouble(), c.GetProperty("unit_cost").GetDouble())),
            root.GetProperty("availability").EnumerateArray().Select(a =>
                new AvailabilityDay(S(a, "factory_id"), ParseDate(a.GetProperty("date")), a.GetProperty("factor").GetDouble())),
            root.GetProperty("lanes").EnumerateArray().Select(l =>
                new Lane(S(l, "from_region"), S(l, "to_region"), l.GetProperty("lead_days").GetInt32(), l.GetProperty("unit_cost").GetDouble())),
            demands,
            root.GetProperty("commitments").EnumerateArray().Select(c =>
                new Commitment(S(c, "factory_id"), S(c, "key"), ParseDate(c.GetProperty("production_date")), c.GetProperty("quantity").GetInt64(),
                    c.TryGetProperty("source", out var source) ? source.GetString()! : Sources.Capacity)),
            ParseDate(root.GetProperty("start_date")),
            root.GetProperty("horizon_days").GetInt32(),
            root.TryGetProperty("exclusions", out var exclusions)
                ? exclusions.EnumerateArray().Select(e => new Exclusion(S(e, "factory_id"), S(e, "key"))).ToList()
                : [],
            new SupplyInputs(
                Items(root, "stock_lots").Select(l => new StockLot(S(l, "stock_id"), S(l, "factory_id"), S(l, "sku"), l.GetProperty("quantity").GetInt64(),
                    ParseDate(l.GetProperty("available_date")), l.GetProperty("unit_cost").GetDouble())),
                Items(root, "materials").Select(m => new Material(S(m, "material_id"), S(m, "name"), S(m, "unit"))),
                Items(root, "bom").Select(BomLineOf),
                Items(root, "material_supply").Select(m => new MaterialSupply(S(m, "material_id"), S(m, "region"), ParseDate(m.GetProperty("date")),
                    m.GetProperty("quantity").GetDouble()))),
            new OptionInputs(
                Items(root, "options").Select(o => new ProductionOption(S(o, "option_id"), S(o, "factory_id"), S(o, "sku"),
                    o.GetProperty("units_per_day").GetDouble(), o.GetProperty("unit_cost").GetDouble(), ParseDate(o.GetProperty("ready_date")),
                    o.GetProperty("ramp_days").GetInt32(), o.GetProperty("fixed_cost").GetDouble())),
                root.TryGetProperty("option_budget", out var budget) ? budget.GetDouble() : 0,
                Items(root, "committed_options").Select(e => e.GetString()!),
                Items(root, "rejected_options").Select(e => e.GetString()!)));
    }

    /// <summary>A list of ids, written only when not empty.</summary>
    private static void Ids(Utf8JsonWriter w, string name, IReadOnlyList<string> ids)
    {
        if (ids.Count == 0)
            return;
        w.WriteStartArray(name);
        foreach (var id in ids)
            w.WriteStringValue(id);
        w.WriteEndArray();
    }

    /// <summary>The bill of materials of a stored input alone (empty without one).</summary>
    public static IReadOnlyList<BomLine> ReadBom(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. Items(document.RootElement, "bom").Select(BomLineOf)];
    }

    private static BomLine BomLineOf(JsonElement b) => new(S(b, "sku"), S(b, "material_id"), b.GetProperty("per_unit").GetDouble());

    /// <summary>The items of an array written only when not empty: none when it is absent.</summary>
    private static IEnumerable<JsonElement> Items(JsonElement root, string name) =>
        root.TryGetProperty(name, out var array) ? [.. array.EnumerateArray()] : [];

    /// <summary>An array of objects when there are any items; nothing at all when there are none.</summary>
    private static void OptionalArray<T>(Utf8JsonWriter w, string name, IReadOnlyCollection<T> items, Action<T> fields)
    {
        if (items.Count > 0)
            Array(w, name, items, fields);
    }

    private static void Array<T>(Utf8JsonWriter w, string name, IEnumerable<T> items, Action<T> fields)
    {
        w.WriteStartArray(name);
        foreach (var item in items)
        {
            w.WriteStartObject();
            fields(item);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static string S(JsonElement e, string name) => e.GetProperty(name).GetString()!;

    private static string Date(DateOnly date) => IsoDate.Text(date);

    private static DateOnly ParseDate(JsonElement e) => IsoDate.Parse(e.GetString()!);
}
