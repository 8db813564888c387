using System.Globalization;
using System.Text.Json;
using EmergencyDispatch.Planning.Model;

namespace EmergencyDispatch.Planning.Scenarios;

/// <summary>Reads and checks a scenario folder (MODEL.md): every rule of every row, then the references between files.</summary>
public static class ScenarioReader
{
    public const string ProductsFile = "products.csv";
    public const string FactoriesFile = "factories.csv";
    public const string CapabilitiesFile = "capabilities.csv";
    public const string AvailabilityFile = "availability.csv";
    public const string LanesFile = "lanes.csv";
    public const string DemandsFile = "demands.csv";
    public const string StockFile = "stock.csv";
    public const string MaterialsFile = "materials.csv";
    public const string BomFile = "bom.csv";
    public const string MaterialSupplyFile = "material_supply.csv";
    public const string OptionsFile = "options.csv";
    public const string ScenarioFile = "scenario.json";

    public static readonly string[] ProductColumns = ["sku", "name", "unit"];
    public static readonly string[] FactoryColumns = ["factory_id", "name", "region"];
    public static readonly string[] CapabilityColumns = ["factory_id", "sku", "units_per_day", "unit_cost"];
    public static readonly string[] AvailabilityColumns = ["factory_id", "date", "factor"];
    public static readonly string[] LaneColumns = ["from_region", "to_region", "lead_days", "unit_cost"];
    public static readonly string[] DemandColumns = ["request_id", "sku", "quantity", "region", "due_date", "priority"];
    public static readonly string[] StockColumns = ["stock_id", "factory_id", "sku", "quantity", "available_date", "unit_cost"];
    public static readonly string[] MaterialColumns = ["material_id", "name", "unit"];
    public static readonly string[] BomColumns = ["sku", "material_id", "per_unit"];
    public static readonly string[] MaterialSupplyColumns = ["material_id", "region", "date", "quantity"];
    public static readonly string[] OptionColumns = ["option_id", "factory_id", "sku", "units_per_day", "unit_cost", "ready_date", "ramp_days", "fixed_cost"];

    /// <summary>Reads a whole folder; the scenario is null when any error was found.</summary>
    public static (Scenario? Scenario, IReadOnlyList<ScenarioError> Errors) Read(string directory)
    {
        var (rows, errors) = ReadRows(directory);
        return (rows?.ToScenario(), errors);
    }

    /// <summary>Reads a whole folder keeping each row's line; the rows are null when any error was found.</summary>
    public static (ScenarioRows? Rows, IReadOnlyList<ScenarioError> Errors) ReadRows(string directory)
    {
        var errors = new List<ScenarioError>();
        if (!Directory.Exists(directory))
        {
            errors.Add(new ScenarioError(directory, 0, "folder", "does not exist"));
            return (null, errors);
        }

        var products = ReadFile(directory, ProductsFile, required: true, errors, ProductColumns, ParseProduct);
        var factories = ReadFile(directory, FactoriesFile, required: true, errors, FactoryColumns, ParseFactory);
        var capabilities = ReadFile(directory, CapabilitiesFile, required: true, errors, CapabilityColumns, ParseCapability);
        var availability = ReadFile(directory, AvailabilityFile, required: false, errors, AvailabilityColumns, ParseAvailability);
        var lanes = ReadFile(directory, LanesFile, required: true, errors, LaneColumns, ParseLane);
        var demands = ReadFile(directory, DemandsFile, required: true, errors, DemandColumns, ParseDemand);
        var stock = ReadFile(directory, StockFile, required: false, errors, StockColumns, ParseStockLot);
        var materials = ReadFile(directory, MaterialsFile, required: false, errors, MaterialColumns, ParseMaterial);
        var bom = ReadFile(directory, BomFile, required: false, errors, BomColumns, ParseBomLine);
        var supply = ReadFile(directory, MaterialSupplyFile, required: false, errors, MaterialSupplyColumns, ParseMaterialSupply);
        var options = ReadFile(directory, OptionsFile, required: false, errors, OptionColumns, ParseOption);
        var (start, horizon, budget) = ReadScenarioJson(directory, errors);

        CheckUnique(products, ProductsFile, "sku", p => p.Sku, errors);
        CheckUnique(factories, FactoriesFile, "factory_id", f => f.FactoryId, errors);
        CheckUnique(capabilities, CapabilitiesFile, "factory_id,sku", c => (c.FactoryId, c.Sku), errors);
        CheckUnique(availability, AvailabilityFile, "factory_id,date", a => (a.FactoryId, a.Date), errors);
        CheckUnique(lanes, LanesFile, "from_region,to_region", l => (l.FromRegion, l.ToRegion), errors);
        CheckUnique(demands, DemandsFile, "request_id", d => d.RequestId, errors);
        CheckUnique(stock, StockFile, "stock_id", l => l.StockId, errors);
        CheckUnique(materials, MaterialsFile, "material_id", m => m.MaterialId, errors);
        CheckUnique(bom, BomFile, "sku,material_id", b => (b.Sku, b.MaterialId), errors);
        CheckUnique(options, OptionsFile, "option_id", o => o.OptionId, errors);
        CheckUnique(supply, MaterialSupplyFile, "material_id,region,date", m => (m.MaterialId, m.Region, m.Date), errors);

        var skus = products.Select(p => p.Value.Sku).ToHashSet(StringComparer.Ordinal);
        var factoryIds = factories.Select(f => f.Value.FactoryId).ToHashSet(StringComparer.Ordinal);
        var regions = KnownRegions(factories.Select(f => f.Value), lanes.Select(l => l.Value));
        foreach (var (line, c) in capabilities)
        {
            if (!factoryIds.Contains(c.FactoryId))
                errors.Add(new ScenarioError(CapabilitiesFile, line, "factory_id", $"unknown factory '{c.FactoryId}'"));
            if (!skus.Contains(c.Sku))
                errors.Add(new ScenarioError(CapabilitiesFile, line, "sku", $"unknown sku '{c.Sku}'"));
        }
        foreach (var (line, a) in availability)
        {
            if (!factoryIds.Contains(a.FactoryId))
                errors.Add(new ScenarioError(AvailabilityFile, line, "factory_id", $"unknown factory '{a.FactoryId}'"));
        }
        foreach (var (line, d) in demands)
        {
            if (!skus.Contains(d.Sku))
                errors.Add(new ScenarioError(DemandsFile, line, "sku", $"unknown sku '{d.Sku}'"));
            if (!regions.Contains(d.Region))
                errors.Add(new ScenarioError(DemandsFile, line, "region", $"region '{d.Region}' is known to no factory and no lane"));
        }
        foreach (var (line, l) in stock)
        {
            if (!factoryIds.Contains(l.FactoryId))
                errors.Add(new ScenarioError(StockFile, line, "factory_id", $"unknown site '{l.FactoryId}' (a stock lot's site is a factory or a depot in factories.csv)"));
            if (!skus.Contains(l.Sku))
                errors.Add(new ScenarioError(StockFile, line, "sku", $"unknown sku '{l.Sku}'"));
        }
        foreach (var (line, o) in options)
        {
            if (!factoryIds.Contains(o.FactoryId))
                errors.Add(new ScenarioError(OptionsFile, line, "factory_id", $"unknown factory '{o.FactoryId}'"));
            if (!skus.Contains(o.Sku))
                errors.Add(new ScenarioError(OptionsFile, line, "sku", $"unknown sku '{o.Sku}'"));
        }
        var materialIds = materials.Select(m => m.Value.MaterialId).ToHashSet(StringComparer.Ordinal);
        foreach (var (line, b) in bom)
        {
            if (!skus.Contains(b.Sku))
                errors.Add(new ScenarioError(BomFile, line, "sku", $"unknown sku '{b.Sku}'"));
            if (!materialIds.Contains(b.MaterialId))
                errors.Add(new ScenarioError(BomFile, line, "material_id", $"unknown material '{b.MaterialId}'"));
        }
        foreach (var (line, m) in supply)
        {
            if (!materialIds.Contains(m.MaterialId))
                errors.Add(new ScenarioError(MaterialSupplyFile, line, "material_id", $"unknown material '{m.MaterialId}'"));
            if (!regions.Contains(m.Region))
                errors.Add(new ScenarioError(MaterialSupplyFile, line, "region", $"region '{m.Region}' is known to no factory and no lane"));
        }

        if (errors.Count > 0)
            return (null, errors);
        return (new ScenarioRows(products, factories, capabilities, availability, lanes, demands, start, horizon)
        {
            StockLots = stock,
            Materials = materials,
            Bom = bom,
            MaterialSupply = supply,
            Options = options,
            OptionBudget = budget,
        }, errors);
    }

    /// <summary>The regions a demand may name: those of factories and both ends of lanes.</summary>
    public static HashSet<string> KnownRegions(IEnumerable<Factory> factories, IEnumerable<Lane> lanes)
    {
        var regions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in factories)
            regions.Add(f.Region);
        foreach (var l in lanes)
        {
            regions.Add(l.FromRegion);
            regions.Add(l.ToRegion);
        }
        return regions;
    }

    /// <summary>
    /// A demands file on its own (demands.csv's columns, any name): each line's syntax (quantity, dates, priority, ids)
    /// and that no request_id repeats. Skus and regions are the registry's to check, so they are not checked here.
    /// </summary>
    public static (List<(int Line, DemandLine Value)>? Rows, IReadOnlyList<ScenarioError> Errors) ReadDemands(string path)
    {
        var file = Path.GetFileName(path);
        var errors = new List<ScenarioError>();
        if (!File.Exists(path))
            return (null, [new ScenarioError(file, 0, "file", "is missing")]);
        List<(int Line, DemandLine Value)> rows;
        using (var reader = new StreamReader(path, System.Text.Encoding.UTF8))
            rows = ReadCsv(reader, file, errors, DemandColumns, ParseDemand);
        CheckUnique(rows, file, "request_id", d => d.RequestId, errors);
        if (rows.Count == 0 && errors.Count == 0)
            errors.Add(new ScenarioError(file, 0, "file", "has no demand lines"));
        return errors.Count > 0 ? (null, errors) : (rows, errors);
    }

    /// <summary>Reads one CSV file of the scenario into rows, each with the line it came from.</summary>
    public static List<(int Line, T Value)> ReadFile<T>(
        string directory, string file, bool required, List<ScenarioError> errors, string[] columns, RowParser<T> parse)
    {
        var rows = new List<(int, T)>();
        var path = Path.Combine(directory, file);
        if (!File.Exists(path))
        {
            if (required)
                errors.Add(new ScenarioError(file, 0, "file", "is missing"));
            return rows;
        }
        using var reader = new StreamReader(path, System.Text.Encoding.UTF8);
        return ReadCsv(reader, file, errors, columns, parse);
    }

    /// <summary>
    /// Reads CSV text with a header row naming at least <paramref name="columns"/>, in any order. Columns named in
    /// <paramref name="optional"/> follow the required ones in the fields given to <paramref name="parse"/>, empty
    /// where the header lacks them.
    /// </summary>
    public static List<(int Line, T Value)> ReadCsv<T>(
        TextReader reader, string file, List<ScenarioError> errors, string[] columns, RowParser<T> parse, string[]? optional = null)
    {
        var rows = new List<(int, T)>();
        var required = columns.Length;
        columns = [.. columns, .. optional ?? []];
        try
        {
            int[]? index = null;
            var headerLength = 0;
            foreach (var record in Csv.Read(reader))
            {
                if (index is null)
                {
                    index = new int[columns.Length];
                    var header = record.Fields.Select(h => h.Trim().TrimStart('\uFEFF')).ToArray();
                    headerLength = header.Length;
                    for (var i = 0; i < columns.Length; i++)
                    {
                        index[i] = Array.IndexOf(header, columns[i]);
                        if (index[i] < 0 && i < required)
                            errors.Add(new ScenarioError(file, record.Line, columns[i], "column is missing from the header"));
                    }
                    if (index.Take(required).Any(i => i < 0))
                        return rows;
                    continue;
                }
                if (record.Fields.Length == 1 && record.Fields[0].Length == 0)
                    continue;
                if (record.Fields.Length > headerLength)
                {
                    errors.Add(new ScenarioError(file, record.Line, "row", $"has {record.Fields.Length} fields, the header has {headerLength}"));
                    continue;
                }
                var values = new string[columns.Length];
                var shortRow = false;
                for (var i = 0; i < columns.Length; i++)
                {
                    if (index[i] < 0)
                    {
                        values[i] = "";
                        continue;
                    }
                    if (index[i] >= record.Fields.Length)
                    {
                        errors.Add(new ScenarioError(file, record.Line, columns[i], "is missing (the row has too few fields)"));
                        shortRow = true;
                        break;
                    }
                    values[i] = record.Fields[index[i]].Trim();
                }
                if (shortRow)
                    continue;
                var violations = new List<Violation>();
                var value = parse(values, violations);
                foreach (var v in violations)
                    errors.Add(new ScenarioError(file, record.Line, v.Field, v.Description));
                if (violations.Count == 0)
                    rows.Add((record.Line, value));
            }
            if (index is null)
                errors.Add(new ScenarioError(file, 1, "header", "the file is empty"));
        }
        catch (CsvFormatException e)
        {
            errors.Add(new ScenarioError(file, e.Line, "csv", e.Problem));
        }
        return rows;
    }

    /// <summary>Turns the fields of one row (in column order) into a value, adding a violation per bad field.</summary>
    public delegate T RowParser<T>(string[] fields, List<Violation> violations);

    public static Product ParseProduct(string[] f, List<Violation> v)
    {
        Rules.Add(v, "sku", Rules.CheckId(f[0]));
        Rules.Add(v, "name", Rules.CheckName(f[1]));
        Rules.Add(v, "unit", Rules.CheckUnit(f[2]));
        return new Product(f[0], f[1], f[2]);
    }

    public static Factory ParseFactory(string[] f, List<Violation> v)
    {
        Rules.Add(v, "factory_id", Rules.CheckId(f[0]));
        Rules.Add(v, "name", Rules.CheckName(f[1]));
        Rules.Add(v, "region", Rules.CheckId(f[2]));
        return new Factory(f[0], f[1], f[2]);
    }

    public static Capability ParseCapability(string[] f, List<Violation> v)
    {
        Rules.Add(v, "factory_id", Rules.CheckId(f[0]));
        Rules.Add(v, "sku", Rules.CheckId(f[1]));
        var units = Number(f[2], "units_per_day", Rules.CheckUnitsPerDay, v);
        var cost = Number(f[3], "unit_cost", Rules.CheckUnitCost, v);
        return new Capability(f[0], f[1], units, cost);
    }

    public static AvailabilityDay ParseAvailability(string[] f, List<Violation> v)
    {
        Rules.Add(v, "factory_id", Rules.CheckId(f[0]));
        Rules.Add(v, "date", Rules.CheckDate(f[1], out var date));
        var factor = Number(f[2], "factor", Rules.CheckFactor, v);
        return new AvailabilityDay(f[0], date, factor);
    }

    public static Lane ParseLane(string[] f, List<Violation> v)
    {
        Rules.Add(v, "from_region", Rules.CheckId(f[0]));
        Rules.Add(v, "to_region", Rules.CheckId(f[1]));
        if (!long.TryParse(f[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var lead))
            v.Add(new Violation("lead_days", $"'{ErrorText.Quote(f[2])}' is not a whole number of days from 0 to {Rules.MaxLeadDays}"));
        else
            Rules.Add(v, "lead_days", Rules.CheckLeadDays(lead));
        var cost = Number(f[3], "unit_cost", Rules.CheckUnitCost, v);
        return new Lane(f[0], f[1], (int)Math.Clamp(lead, 0, Rules.MaxLeadDays), cost);
    }

    public static DemandLine ParseDemand(string[] f, List<Violation> v)
    {
        var quantity = WholeQuantity(f[2], v);
        Rules.CheckDemandLine("", f[0], f[1], quantity, f[3], f[4], v);
        Rules.CheckDate(f[4], out var due);
        if (!Priorities.TryParse(f[5], out var priority))
            v.Add(new Violation("priority", $"'{ErrorText.Quote(f[5])}' is not one of CRITICAL, HIGH, NORMAL, LOW"));
        return new DemandLine(f[0], f[1], quantity, f[3], due, priority);
    }

    public static StockLot ParseStockLot(string[] f, List<Violation> v)
    {
        Rules.Add(v, "stock_id", Rules.CheckId(f[0]));
        Rules.Add(v, "factory_id", Rules.CheckId(f[1]));
        Rules.Add(v, "sku", Rules.CheckId(f[2]));
        var quantity = WholeQuantity(f[3], v);
        Rules.Add(v, "quantity", Rules.CheckQuantity(quantity));
        Rules.Add(v, "available_date", Rules.CheckDate(f[4], out var available));
        var cost = Number(f[5], "unit_cost", Rules.CheckUnitCost, v);
        return new StockLot(f[0], f[1], f[2], quantity, available, cost);
    }

    public static ProductionOption ParseOption(string[] f, List<Violation> v)
    {
        Rules.Add(v, "option_id", Rules.CheckId(f[0]));
        Rules.Add(v, "factory_id", Rules.CheckId(f[1]));
        Rules.Add(v, "sku", Rules.CheckId(f[2]));
        var unitsPerDay = Number(f[3], "units_per_day", Rules.CheckUnitsPerDay, v);
        var cost = Number(f[4], "unit_cost", Rules.CheckUnitCost, v);
        Rules.Add(v, "ready_date", Rules.CheckDate(f[5], out var ready));
        var ramp = 0;
        if (!int.TryParse(f[6], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out ramp))
            v.Add(new Violation("ramp_days", $"'{ErrorText.Quote(f[6])}' is not a whole number"));
        else
            Rules.Add(v, "ramp_days", Rules.CheckRampDays(ramp));
        var fixedCost = Number(f[7], "fixed_cost", Rules.CheckFixedCost, v);
        return new ProductionOption(f[0], f[1], f[2], unitsPerDay, cost, ready, ramp, fixedCost);
    }

    public static Material ParseMaterial(string[] f, List<Violation> v)
    {
        Rules.Add(v, "material_id", Rules.CheckId(f[0]));
        Rules.Add(v, "name", Rules.CheckName(f[1]));
        Rules.Add(v, "unit", Rules.CheckUnit(f[2]));
        return new Material(f[0], f[1], f[2]);
    }

    public static BomLine ParseBomLine(string[] f, List<Violation> v)
    {
        Rules.Add(v, "sku", Rules.CheckId(f[0]));
        Rules.Add(v, "material_id", Rules.CheckId(f[1]));
        var perUnit = Number(f[2], "per_unit", Rules.CheckPerUnit, v);
        return new BomLine(f[0], f[1], perUnit);
    }

    public static MaterialSupply ParseMaterialSupply(string[] f, List<Violation> v)
    {
        Rules.Add(v, "material_id", Rules.CheckId(f[0]));
        Rules.Add(v, "region", Rules.CheckId(f[1]));
        Rules.Add(v, "date", Rules.CheckDate(f[2], out var date));
        var quantity = Number(f[3], "quantity", Rules.CheckMaterialQuantity, v);
        return new MaterialSupply(f[0], f[1], date, quantity);
    }

    /// <summary>A quantity of whole units (a demand's, a lot's); 1 when it is not a whole number, so no second violation follows.</summary>
    private static long WholeQuantity(string text, List<Violation> v)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var quantity))
            return quantity;
        v.Add(new Violation("quantity", $"'{ErrorText.Quote(text)}' is not a whole number"));
        return 1;
    }

    /// <summary>A decimal field, checked by <paramref name="rule"/>; 0 when it is not a number.</summary>
    internal static double Number(string text, string field, Func<double, string?> rule, List<Violation> v)
    {
        if (!double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var value))
        {
            v.Add(new Violation(field, $"'{ErrorText.Quote(text)}' is not a number"));
            return 0;
        }
        Rules.Add(v, field, rule(value));
        return value;
    }

    private static void CheckUnique<T, TKey>(List<(int Line, T Value)> rows, string file, string field, Func<T, TKey> key, List<ScenarioError> errors)
        where TKey : notnull
    {
        var seen = new Dictionary<TKey, int>();
        foreach (var (line, value) in rows)
        {
            if (!seen.TryAdd(key(value), line))
                errors.Add(new ScenarioError(file, line, field, $"duplicates line {seen[key(value)]}"));
        }
    }

    private static (DateOnly? Start, int Horizon, double OptionBudget) ReadScenarioJson(string directory, List<ScenarioError> errors)
    {
        var path = Path.Combine(directory, ScenarioFile);
        if (!File.Exists(path))
            return (null, Rules.DefaultHorizonDays, 0);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            DateOnly? start = null;
            var horizon = Rules.DefaultHorizonDays;
            if (doc.RootElement.TryGetProperty("start_date", out var s))
            {
                var problem = Rules.CheckDate(s.ValueKind == JsonValueKind.String ? s.GetString() : null, out var d);
                if (problem is null)
                    start = d;
                else
                    errors.Add(new ScenarioError(ScenarioFile, 0, "start_date", problem));
            }
            if (doc.RootElement.TryGetProperty("horizon_days", out var h))
            {
                if (h.ValueKind != JsonValueKind.Number || !h.TryGetInt32(out horizon))
                    errors.Add(new ScenarioError(ScenarioFile, 0, "horizon_days", $"must be a whole number from 1 to {Rules.MaxHorizonDays}"));
                else if (Rules.CheckHorizonDays(horizon) is { } problem)
                    errors.Add(new ScenarioError(ScenarioFile, 0, "horizon_days", problem));
            }
            var budget = 0.0;
            if (doc.RootElement.TryGetProperty("option_budget", out var b))
            {
                if (b.ValueKind != JsonValueKind.Number || !b.TryGetDouble(out budget))
                    errors.Add(new ScenarioError(ScenarioFile, 0, "option_budget", "must be a number"));
                else if (Rules.CheckFixedCost(budget) is { } problem)
                    errors.Add(new ScenarioError(ScenarioFile, 0, "option_budget", problem));
            }
            return (start, horizon, budget);
        }
        catch (JsonException e)
        {
            errors.Add(new ScenarioError(ScenarioFile, (int)(e.LineNumber ?? -1) + 1, "json", "is not valid JSON"));
            return (null, Rules.DefaultHorizonDays, 0);
        }
    }
}
