using System.Text;
using System.Text.RegularExpressions;
using EmergencyDispatch.Planning.Scenarios;

namespace EmergencyDispatch.Cli.Import;

/// <summary>A server field violation, placed at the CSV line(s) of the row it is about when that is known.</summary>
public sealed record LocatedViolation(string? File, IReadOnlyList<int> Lines, string Field, string Description)
{
    /// <summary><c>file:line: field: problem</c>, or <c>field: problem</c> when no row is known.</summary>
    public override string ToString()
    {
        if (File is null || Lines.Count == 0)
            return $"{Field}: {Description}";
        var text = $"{File}:{Lines[0]}: {Field}: {Description}";
        return Lines.Count == 1 ? text : $"{text} (one range merged from lines {Describe(Lines)})";
    }

    private static string Describe(IReadOnlyList<int> lines) =>
        lines.Count <= 6 ? string.Join(", ", lines) : $"{string.Join(", ", lines.Take(5))} … {lines[^1]}";
}

/// <summary>Maps a violation field such as <c>lines[12].sku</c> back to the CSV line of the row sent at that index of the batch.</summary>
public static partial class ViolationLocator
{
    [GeneratedRegex(@"^(?<list>[A-Za-z_][A-Za-z0-9_]*)\[(?<index>\d+)\](?:\.(?<field>.+))?$")]
    private static partial Regex IndexedField();

    /// <summary>
    /// Places one violation: <paramref name="batchLines"/>[i] holds the CSV lines of the i-th item of the rejected batch.
    /// The proto field name becomes the CSV column (<c>dueDate</c> and <c>due_date</c> → <c>due_date</c>; an availability range's dates → <c>date</c>).
    /// </summary>
    public static LocatedViolation Locate(string file, string field, string description, IReadOnlyList<IReadOnlyList<int>> batchLines)
    {
        var match = IndexedField().Match(field);
        if (!match.Success || !int.TryParse(match.Groups["index"].ValueSpan, out var index) || index >= batchLines.Count)
            return new LocatedViolation(null, [], field, description);
        var column = match.Groups["field"].Success ? Column(file, match.Groups["field"].Value) : "row";
        return new LocatedViolation(file, batchLines[index], column, description);
    }

    /// <summary>The CSV column a proto field path stands for in <paramref name="file"/>.</summary>
    public static string Column(string file, string protoField)
    {
        var snake = SnakeCase(protoField);
        if (file == ScenarioReader.AvailabilityFile && snake is "from_date" or "to_date")
            return "date";
        return snake;
    }

    private static string SnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsAsciiLetterUpper(c))
            {
                if (text.Length > 0 && text[^1] != '.' && text[^1] != '_')
                    text.Append('_');
                text.Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c);
            }
        }
        return text.ToString();
    }
}
