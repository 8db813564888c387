using Google.Protobuf;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EmergencyDispatch.Cli.Infrastructure;

/// <summary>Writes results as tables or as protobuf JSON.</summary>
public static class Output
{
    // Every field present (zeros and empty strings too), so scripts see a stable shape.
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true).WithIndentation());

    /// <summary>One message as indented protobuf JSON.</summary>
    public static string Json(IMessage message) => Formatter.Format(message);

    public static void WriteJson(CliConsole console, IMessage message) => console.Text.WriteLine(Json(message));

    /// <summary>A table of plain-text cells (no markup is interpreted).</summary>
    public static Table Table(IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows)
    {
        var table = new Table();
        foreach (var column in columns)
            table.AddColumn(new TableColumn(new Text(column)));
        foreach (var row in rows)
            table.AddRow(row.Select(cell => (IRenderable)new Text(cell)));
        return table;
    }

    /// <summary>
    /// A table of plain-text cells whose columns from index <paramref name="required"/> on are shown only while the table
    /// fits <paramref name="console"/>'s width, the rightmost dropped first.
    /// </summary>
    public static Table Table(IAnsiConsole console, IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<string>> rows, int required)
    {
        for (var count = columns.Count; ; count--)
        {
            var table = Table(columns.Take(count).ToList(), rows.Select(row => row.Take(count).ToList()));
            if (count <= required || Width(console, table) <= console.Profile.Width)
                return table;
        }
    }

    /// <summary>The width a table takes without wrapping any cell.</summary>
    private static int Width(IAnsiConsole console, Table table) =>
        ((IRenderable)table).Measure(RenderOptions.Create(console), int.MaxValue / 2).Max;

    /// <summary>A two-column table of one item's fields.</summary>
    public static Table Fields(IEnumerable<(string Name, string Value)> fields)
    {
        var table = new Table().HideHeaders();
        table.AddColumn("field");
        table.AddColumn("value");
        foreach (var (name, value) in fields)
            table.AddRow(new Text(name), new Text(value));
        return table;
    }
}
