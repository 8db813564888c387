using System.Globalization;
using System.Text;
using EmergencyDispatch.Planning.Model;

namespace EmergencyDispatch.Planning.Scenarios;

/// <summary>Writes a scenario folder (MODEL.md "Scenario files") that <see cref="ScenarioReader"/> reads back as the same scenario.</summary>
/// <remarks>
/// Output is the same bytes on every machine: UTF-8 without a byte order mark, <c>\n</c> line ends, invariant culture,
/// dates <c>yyyy-MM-dd</c>, doubles in their shortest round-trip form, and RFC 4180 quotes only on fields that need them.
/// The reader trims every field, so a name with leading or trailing blanks comes back trimmed.
/// </remarks>
public static class ScenarioWriter
{
    /// <summary>UTF-8 without a byte order mark: the header's first column then reads as written.</summary>
    public static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes every file of the scenario into <paramref name="directory"/>, creating it and replacing files of the same names.</summary>
    /// <remarks>
    /// <c>availability.csv</c> is always written, with only its header when every factor is the default; the files of
    /// stock lots and materials only when the scenario has some, so a scenario without them writes what it wrote before.
    /// </remarks>
    public static void Write(Scenario scenario, string directory)
    {
        Directory.CreateDirectory(directory);
        WriteFile(directory, ScenarioReader.ProductsFile, w => WriteProducts(w, scenario.Products));
        WriteFile(directory, ScenarioReader.FactoriesFile, w => WriteFactories(w, scenario.Factories));
        WriteFile(directory, ScenarioReader.CapabilitiesFile, w => WriteCapabilities(w, scenario.Capabilities));
        WriteFile(directory, ScenarioReader.AvailabilityFile, w => WriteAvailability(w, scenario.Availability));
        WriteFile(directory, ScenarioReader.LanesFile, w => WriteLanes(w, scenario.Lanes));
        WriteFile(directory, ScenarioReader.DemandsFile, w => WriteDemands(w, scenario.Demands));
        if (scenario.StockLots.Count > 0)
            WriteFile(directory, ScenarioReader.StockFile, w => WriteStock(w, scenario.StockLots));
        if (scenario.Materials.Count > 0 || scenario.Bom.Count > 0 || scenario.MaterialSupply.Count > 0)
        {
            WriteFile(directory, ScenarioReader.MaterialsFile, w => WriteMaterials(w, scenario.Materials));
            WriteFile(directory, ScenarioReader.BomFile, w => WriteBom(w, scenario.Bom));
            WriteFile(directory, ScenarioReader.MaterialSupplyFile, w => WriteMaterialSupply(w, scenario.MaterialSupply));
        }
        if (scenario.Options.Count > 0)
            WriteFile(directory, ScenarioReader.OptionsFile, w => WriteOptions(w, scenario.Options));
        WriteFile(directory, ScenarioReader.ScenarioFile, w => w.Write(ScenarioJson(scenario.StartDate, scenario.HorizonDays, scenario.OptionBudget)));
    }

    public static void WriteOptions(TextWriter writer, IEnumerable<ProductionOption> options)
    {
        WriteRow(writer, ScenarioReader.OptionColumns);
        foreach (var o in options)
            WriteRow(writer, [o.OptionId, o.FactoryId, o.Sku, Number(o.UnitsPerDay), Number(o.UnitCost), Date(o.ReadyDate), Number(o.RampDays), Number(o.FixedCost)]);
    }

    public static void WriteStock(TextWriter writer, IEnumerable<StockLot> lots)
    {
        WriteRow(writer, ScenarioReader.StockColumns);
        foreach (var l in lots)
            WriteRow(writer, [l.StockId, l.FactoryId, l.Sku, Number(l.Quantity), Date(l.AvailableDate), Number(l.UnitCost)]);
    }

    public static void WriteMaterials(TextWriter writer, IEnumerable<Material> materials)
    {
        WriteRow(writer, ScenarioReader.MaterialColumns);
        foreach (var m in materials)
            WriteRow(writer, [m.MaterialId, m.Name, m.Unit]);
    }

    public static void WriteBom(TextWriter writer, IEnumerable<BomLine> bom)
    {
        WriteRow(writer, ScenarioReader.BomColumns);
        foreach (var b in bom)
            WriteRow(writer, [b.Sku, b.MaterialId, Number(b.PerUnit)]);
    }

    public static void WriteMaterialSupply(TextWriter writer, IEnumerable<MaterialSupply> supply)
    {
        WriteRow(writer, ScenarioReader.MaterialSupplyColumns);
        foreach (var m in supply)
            WriteRow(writer, [m.MaterialId, m.Region, Date(m.Date), Number(m.Quantity)]);
    }

    public static void WriteProducts(TextWriter writer, IEnumerable<Product> products)
    {
        WriteRow(writer, ScenarioReader.ProductColumns);
        foreach (var p in products)
            WriteRow(writer, [p.Sku, p.Name, p.Unit]);
    }

    public static void WriteFactories(TextWriter writer, IEnumerable<Factory> factories)
    {
        WriteRow(writer, ScenarioReader.FactoryColumns);
        foreach (var f in factories)
            WriteRow(writer, [f.FactoryId, f.Name, f.Region]);
    }

    public static void WriteCapabilities(TextWriter writer, IEnumerable<Capability> capabilities)
    {
        WriteRow(writer, ScenarioReader.CapabilityColumns);
        foreach (var c in capabilities)
            WriteRow(writer, [c.FactoryId, c.Sku, Number(c.UnitsPerDay), Number(c.UnitCost)]);
    }

    public static void WriteAvailability(TextWriter writer, IEnumerable<AvailabilityDay> availability)
    {
        WriteRow(writer, ScenarioReader.AvailabilityColumns);
        foreach (var a in availability)
            WriteRow(writer, [a.FactoryId, Date(a.Date), Number(a.Factor)]);
    }

    public static void WriteLanes(TextWriter writer, IEnumerable<Lane> lanes)
    {
        WriteRow(writer, ScenarioReader.LaneColumns);
        foreach (var l in lanes)
            WriteRow(writer, [l.FromRegion, l.ToRegion, Number(l.LeadDays), Number(l.UnitCost)]);
    }

    public static void WriteDemands(TextWriter writer, IEnumerable<DemandLine> demands)
    {
        WriteRow(writer, ScenarioReader.DemandColumns);
        foreach (var d in demands)
            WriteRow(writer, [d.RequestId, d.Sku, Number(d.Quantity), d.Region, Date(d.DueDate), d.Priority.ToCode()]);
    }

    /// <summary>The scenario.json text: <c>{"start_date": "yyyy-MM-dd", "horizon_days": H}</c>, without the start date when there is none.</summary>
    /// <summary>scenario.json; <c>option_budget</c> only when it is not 0, so a scenario without options writes what it wrote before.</summary>
    public static string ScenarioJson(DateOnly? startDate, int horizonDays, double optionBudget = 0)
    {
        var horizon = Number(horizonDays);
        var budget = optionBudget != 0 ? $", \"option_budget\": {Number(optionBudget)}" : "";
        return startDate is { } start
            ? $"{{\"start_date\": \"{Date(start)}\", \"horizon_days\": {horizon}{budget}}}\n"
            : $"{{\"horizon_days\": {horizon}{budget}}}\n";
    }

    /// <summary>Creates or replaces one file, written through a buffered UTF-8 writer without a byte order mark.</summary>
    public static void WriteFile(string directory, string file, Action<TextWriter> write)
    {
        using var stream = new FileStream(Path.Combine(directory, file), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        using var writer = new StreamWriter(stream, Utf8, bufferSize: 1 << 16) { NewLine = "\n" };
        write(writer);
    }

    /// <summary>Writes one CSV record and a <c>\n</c>, quoting the fields that need it.</summary>
    public static void WriteRow(TextWriter writer, ReadOnlySpan<string> fields)
    {
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0)
                writer.Write(',');
            WriteField(writer, fields[i]);
        }
        writer.Write('\n');
    }

    /// <summary>Writes one field as is, or in double quotes (inner quotes doubled) when it holds a comma, a quote, a line break or outer blanks.</summary>
    public static void WriteField(TextWriter writer, string field)
    {
        if (!NeedsQuotes(field))
        {
            writer.Write(field);
            return;
        }
        writer.Write('"');
        writer.Write(field.Replace("\"", "\"\"", StringComparison.Ordinal));
        writer.Write('"');
    }

    /// <summary>Whether RFC 4180 needs the field quoted; outer blanks are quoted too, so that other readers keep them.</summary>
    public static bool NeedsQuotes(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0
        || (field.Length > 0 && (char.IsWhiteSpace(field[0]) || char.IsWhiteSpace(field[^1])));

    /// <summary>A double in its shortest round-trip form, invariant culture (<c>0.5</c>, <c>1E-07</c>).</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Date(DateOnly date) => IsoDate.Text(date);
}
