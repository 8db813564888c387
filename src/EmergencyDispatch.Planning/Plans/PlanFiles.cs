using System.Globalization;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Scenarios;

namespace EmergencyDispatch.Planning.Plans;

/// <summary>
/// A plan's export (MODEL.md "Scenario files"): <c>assignments.csv</c>, <c>outcomes.csv</c>, with options
/// <c>decisions.csv</c> and with materials <c>material_flows.csv</c>, written in a stable row order
/// so that two plans of the same inputs can be compared byte for byte, and read back.
/// </summary>
public static class PlanFiles
{
    public const string AssignmentsFile = "assignments.csv";
    public const string OutcomesFile = "outcomes.csv";
    public const string MaterialFlowsFile = "material_flows.csv";
    public const string DecisionsFile = "decisions.csv";

    public static readonly string[] DecisionColumns = ["option_id", "taken", "units"];

    public static readonly string[] MaterialFlowColumns = ["material_id", "from_region", "to_region", "ship_date", "arrival_date", "quantity"];

    public static readonly string[] AssignmentColumns = ["factory_id", "request_id", "sku", "production_date", "arrival_date", "quantity", "source"];

    /// <summary>The columns an <c>assignments.csv</c> must have: a file without <c>source</c> means capacity throughout.</summary>
    private static readonly string[] RequiredAssignmentColumns = AssignmentColumns[..^1];
    public static readonly string[] OutcomeColumns = ["request_id", "quantity", "on_time", "late", "unmet", "reason"];

    /// <summary>
    /// Writes the files of a plan into <paramref name="directory"/>, creating it and replacing files of the same names:
    /// assignments and outcomes, and the material flows when <paramref name="flows"/> is given (a scenario with materials).
    /// </summary>
    /// <remarks>The decisions when <paramref name="decisions"/> is given (a scenario with options).</remarks>
    public static void Write(string directory, IEnumerable<Assignment> assignments, IEnumerable<Outcome> outcomes, IEnumerable<MaterialFlow>? flows = null, IEnumerable<OptionDecision>? decisions = null)
    {
        Directory.CreateDirectory(directory);
        ScenarioWriter.WriteFile(directory, AssignmentsFile, w => WriteAssignments(w, assignments));
        ScenarioWriter.WriteFile(directory, OutcomesFile, w => WriteOutcomes(w, outcomes));
        if (flows is not null)
            ScenarioWriter.WriteFile(directory, MaterialFlowsFile, w => WriteMaterialFlows(w, flows));
        if (decisions is not null)
            ScenarioWriter.WriteFile(directory, DecisionsFile, w => WriteDecisions(w, decisions));
    }

    /// <summary>Writes every option's decision, in option_id order: taken 1 or 0, and the plan's units on its line.</summary>
    public static void WriteDecisions(TextWriter writer, IEnumerable<OptionDecision> decisions)
    {
        ScenarioWriter.WriteRow(writer, DecisionColumns);
        foreach (var d in decisions.OrderBy(d => d.OptionId, StringComparer.Ordinal))
            ScenarioWriter.WriteRow(writer, [d.OptionId, d.Taken ? "1" : "0", ScenarioWriter.Number(d.Units)]);
    }

    /// <summary>Writes material flows ordered by material_id, from_region, to_region, ship_date; quantities round-trip exactly.</summary>
    public static void WriteMaterialFlows(TextWriter writer, IEnumerable<MaterialFlow> flows)
    {
        ScenarioWriter.WriteRow(writer, MaterialFlowColumns);
        foreach (var f in InFileOrder(flows))
        {
            ScenarioWriter.WriteRow(writer,
                [f.MaterialId, f.FromRegion, f.ToRegion, ScenarioWriter.Date(f.ShipDate), ScenarioWriter.Date(f.ArrivalDate), ScenarioWriter.Number(f.Quantity)]);
        }
    }

    /// <summary>Material flows in the order of <c>material_flows.csv</c>.</summary>
    public static IEnumerable<MaterialFlow> InFileOrder(IEnumerable<MaterialFlow> flows) => flows
        .OrderBy(f => f.MaterialId, StringComparer.Ordinal)
        .ThenBy(f => f.FromRegion, StringComparer.Ordinal)
        .ThenBy(f => f.ToRegion, StringComparer.Ordinal)
        .ThenBy(f => f.ShipDate)
        .ThenBy(f => f.ArrivalDate)
        .ThenBy(f => f.Quantity);

    /// <summary>Reads a <c>material_flows.csv</c>; the rows are null when any error was found.</summary>
    public static (IReadOnlyList<MaterialFlow>? Flows, IReadOnlyList<ScenarioError> Errors) ReadMaterialFlows(string path) =>
        ReadFile(path, MaterialFlowColumns, ParseMaterialFlow);

    public static (IReadOnlyList<MaterialFlow>? Flows, IReadOnlyList<ScenarioError> Errors) ReadMaterialFlows(TextReader reader, string file = MaterialFlowsFile) =>
        Read(reader, file, MaterialFlowColumns, ParseMaterialFlow);

    public static MaterialFlow ParseMaterialFlow(string[] f, List<Violation> v)
    {
        Rules.Add(v, "material_id", Rules.CheckId(f[0]));
        Rules.Add(v, "from_region", Rules.CheckId(f[1]));
        Rules.Add(v, "to_region", Rules.CheckId(f[2]));
        Rules.Add(v, "ship_date", Rules.CheckDate(f[3], out var shipped));
        Rules.Add(v, "arrival_date", Rules.CheckDate(f[4], out var arrives));
        var quantity = ScenarioReader.Number(f[5], "quantity", Rules.CheckMaterialQuantity, v);
        if (arrives < shipped)
            v.Add(new Violation("arrival_date", "is before ship_date"));
        return new MaterialFlow(f[0], f[1], f[2], shipped, arrives, quantity);
    }

    /// <summary>Writes assignments ordered by factory_id, production_date, request_id (ids ordinal); the other columns break any remaining tie.</summary>
    public static void WriteAssignments(TextWriter writer, IEnumerable<Assignment> assignments) => WriteAssignments(writer, assignments, withSource: true);

    private static void WriteAssignments(TextWriter writer, IEnumerable<Assignment> assignments, bool withSource)
    {
        var columns = withSource ? AssignmentColumns.Length : RequiredAssignmentColumns.Length;
        ScenarioWriter.WriteRow(writer, AssignmentColumns.AsSpan(0, columns));
        foreach (var a in InFileOrder(assignments))
        {
            string[] fields = [a.FactoryId, a.DemandKey, a.Sku, ScenarioWriter.Date(a.ProductionDate), ScenarioWriter.Date(a.ArrivalDate), ScenarioWriter.Number(a.Quantity), a.Source];
            ScenarioWriter.WriteRow(writer, fields.AsSpan(0, columns));
        }
    }

    /// <summary>
    /// Lowercase hex SHA-256 of a plan's assignments in canonical form: the bytes <see cref="WriteAssignments"/> writes,
    /// without the <c>source</c> column when every row is from capacity (MODEL.md: such a file means the same). So a
    /// plan without stock keeps the hash it had before the column existed, and stored plans still replay to it.
    /// </summary>
    public static string AssignmentsSha256(IEnumerable<Assignment> assignments)
    {
        var rows = assignments as IReadOnlyCollection<Assignment> ?? [.. assignments];
        using var buffer = new MemoryStream();
        using (var writer = new StreamWriter(buffer, ScenarioWriter.Utf8, bufferSize: 1 << 16, leaveOpen: true) { NewLine = "\n" })
            WriteAssignments(writer, rows, withSource: rows.Any(a => a.Source != Sources.Capacity));
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
    }

    /// <summary>Writes outcomes ordered by request_id (ordinal); reason is <see cref="Outcome.ReasonText"/>.</summary>
    public static void WriteOutcomes(TextWriter writer, IEnumerable<Outcome> outcomes)
    {
        ScenarioWriter.WriteRow(writer, OutcomeColumns);
        foreach (var o in InFileOrder(outcomes))
        {
            ScenarioWriter.WriteRow(writer,
                [o.DemandKey, ScenarioWriter.Number(o.Quantity), ScenarioWriter.Number(o.OnTime), ScenarioWriter.Number(o.Late), ScenarioWriter.Number(o.Unmet), o.ReasonText]);
        }
    }

    /// <summary>Assignments in the order of <c>assignments.csv</c>.</summary>
    public static IEnumerable<Assignment> InFileOrder(IEnumerable<Assignment> assignments) => assignments
        .OrderBy(a => a.FactoryId, StringComparer.Ordinal)
        .ThenBy(a => a.ProductionDate)
        .ThenBy(a => a.DemandKey, StringComparer.Ordinal)
        .ThenBy(a => a.ArrivalDate)
        .ThenBy(a => a.Sku, StringComparer.Ordinal)
        .ThenBy(a => a.Quantity)
        .ThenBy(a => a.Source, StringComparer.Ordinal);

    /// <summary>Outcomes in the order of <c>outcomes.csv</c>.</summary>
    public static IEnumerable<Outcome> InFileOrder(IEnumerable<Outcome> outcomes) => outcomes
        .OrderBy(o => o.DemandKey, StringComparer.Ordinal)
        .ThenBy(o => o.Quantity)
        .ThenBy(o => o.OnTime)
        .ThenBy(o => o.Late)
        .ThenBy(o => o.ReasonText, StringComparer.Ordinal);

    /// <summary>Reads an <c>assignments.csv</c>; the rows are null when any error was found.</summary>
    public static (IReadOnlyList<Assignment>? Assignments, IReadOnlyList<ScenarioError> Errors) ReadAssignments(string path) =>
        ReadFile(path, RequiredAssignmentColumns, ParseAssignment, ["source"]);

    /// <summary>Reads an <c>outcomes.csv</c>; the rows are null when any error was found.</summary>
    public static (IReadOnlyList<Outcome>? Outcomes, IReadOnlyList<ScenarioError> Errors) ReadOutcomes(string path) =>
        ReadFile(path, OutcomeColumns, ParseOutcome);

    public static (IReadOnlyList<Assignment>? Assignments, IReadOnlyList<ScenarioError> Errors) ReadAssignments(TextReader reader, string file = AssignmentsFile) =>
        Read(reader, file, RequiredAssignmentColumns, ParseAssignment, ["source"]);

    public static (IReadOnlyList<Outcome>? Outcomes, IReadOnlyList<ScenarioError> Errors) ReadOutcomes(TextReader reader, string file = OutcomesFile) =>
        Read(reader, file, OutcomeColumns, ParseOutcome);

    public static Assignment ParseAssignment(string[] f, List<Violation> v)
    {
        Rules.Add(v, "factory_id", Rules.CheckId(f[0]));
        Rules.Add(v, "request_id", Rules.CheckId(f[1]));
        Rules.Add(v, "sku", Rules.CheckId(f[2]));
        Rules.Add(v, "production_date", Rules.CheckDate(f[3], out var produced));
        Rules.Add(v, "arrival_date", Rules.CheckDate(f[4], out var arrives));
        var quantity = Whole(f[5], "quantity", v);
        Rules.Add(v, "quantity", quantity <= 0 ? "must be greater than 0" : null);
        if (arrives < produced)
            v.Add(new Violation("arrival_date", "is before production_date"));
        var source = f[6].Length == 0 ? Sources.Capacity : f[6];
        Rules.Add(v, "source", Sources.Check(source));
        return new Assignment(f[0], f[1], f[2], produced, arrives, quantity, source);
    }

    public static Outcome ParseOutcome(string[] f, List<Violation> v)
    {
        Rules.Add(v, "request_id", Rules.CheckId(f[0]));
        var numbersFrom = v.Count;
        var quantity = Whole(f[1], "quantity", v);
        var onTime = Whole(f[2], "on_time", v);
        var late = Whole(f[3], "late", v);
        var unmet = Whole(f[4], "unmet", v);
        if (v.Count == numbersFrom && unmet != quantity - onTime - late)
            v.Add(new Violation("unmet", $"must be quantity - on_time - late = {quantity - onTime - late}, got {unmet}"));
        var (reason, binding) = ParseReason(f[5], v);
        return reason == ShortfallReason.MaterialShortage
            ? new Outcome(f[0], quantity, onTime, late, reason, []) { BindingMaterials = binding }
            : new Outcome(f[0], quantity, onTime, late, reason, binding);
    }

    /// <summary>
    /// Splits a reason as written by <see cref="Outcome.ReasonText"/>: a code, and for CAPACITY_SHORTAGE the sites (for
    /// MATERIAL_SHORTAGE the materials) after ':' separated by ';'; what follows the code is in <c>Binding</c>.
    /// </summary>
    public static (ShortfallReason Reason, IReadOnlyList<string> Binding) ParseReason(string text, List<Violation> v)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var code = colon < 0 ? text : text[..colon];
        if (!Codes.Reasons.TryParse(code, out var reason))
        {
            v.Add(new Violation("reason", $"'{ErrorText.Quote(text)}' is not empty, {string.Join(", ", Codes.Reasons.Codes.Skip(1))}[:F1;F2]"));
            return (ShortfallReason.None, []);
        }
        if (colon < 0)
            return (reason, []);
        if (reason is not (ShortfallReason.CapacityShortage or ShortfallReason.MaterialShortage))
        {
            v.Add(new Violation("reason", "only CAPACITY_SHORTAGE names binding sites and only MATERIAL_SHORTAGE materials"));
            return (reason, []);
        }
        var what = reason == ShortfallReason.CapacityShortage ? "binding site" : "material";
        var ids = text[(colon + 1)..].Split(';');
        foreach (var id in ids)
            Rules.Add(v, "reason", Rules.CheckId(id) is { } problem ? $"{what} '{ErrorText.Quote(id)}' {problem}" : null);
        return (reason, ids);
    }

    private static (IReadOnlyList<T>? Rows, IReadOnlyList<ScenarioError> Errors) ReadFile<T>(string path, string[] columns, ScenarioReader.RowParser<T> parse, string[]? optional = null)
    {
        var file = Path.GetFileName(path);
        if (!File.Exists(path))
            return (null, [new ScenarioError(file, 0, "file", "is missing")]);
        using var reader = new StreamReader(path, System.Text.Encoding.UTF8);
        return Read(reader, file, columns, parse, optional);
    }

    private static (IReadOnlyList<T>? Rows, IReadOnlyList<ScenarioError> Errors) Read<T>(TextReader reader, string file, string[] columns, ScenarioReader.RowParser<T> parse, string[]? optional = null)
    {
        var errors = new List<ScenarioError>();
        var rows = ScenarioReader.ReadCsv(reader, file, errors, columns, parse, optional);
        return errors.Count > 0 ? (null, errors) : (rows.Select(r => r.Value).ToList(), errors);
    }

    private static long Whole(string text, string field, List<Violation> v)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= 0)
            return value;
        v.Add(new Violation(field, $"'{ErrorText.Quote(text)}' is not a whole number ≥ 0"));
        return 0;
    }
}
