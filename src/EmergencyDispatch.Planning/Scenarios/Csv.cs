using System.Text;

namespace EmergencyDispatch.Planning.Scenarios;

/// <summary>One CSV record with the 1-based line it starts on.</summary>
public sealed record CsvRecord(int Line, string[] Fields);

/// <summary>A small RFC 4180 reader: comma-separated, double-quoted fields may hold commas, quotes ("") and line breaks.</summary>
public static class Csv
{
    /// <summary>Reads every record of a text; a malformed quote is reported as an error with its line.</summary>
    public static IEnumerable<CsvRecord> Read(TextReader reader)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var recordLine = 1;
        var inQuotes = false;
        var wasQuoted = false;
        var recordStarted = false;
        int c;
        while ((c = reader.Read()) != -1)
        {
            var ch = (char)c;
            if (inQuotes)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        field.Append('"');
                    }
                    else
                    {
                        inQuotes = false;
                        var next = reader.Peek();
                        if (next != -1 && next != ',' && next != '\r' && next != '\n')
                            throw new CsvFormatException(line, "unexpected character after a closing quote");
                    }
                }
                else
                {
                    if (ch == '\n')
                        line++;
                    field.Append(ch);
                }
                continue;
            }
            switch (ch)
            {
                case '"' when field.Length == 0 && !wasQuoted:
                    inQuotes = true;
                    wasQuoted = true;
                    recordStarted = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    wasQuoted = false;
                    recordStarted = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    if (recordStarted || field.Length > 0)
                    {
                        fields.Add(field.ToString());
                        yield return new CsvRecord(recordLine, [.. fields]);
                    }
                    fields.Clear();
                    field.Clear();
                    wasQuoted = false;
                    recordStarted = false;
                    line++;
                    recordLine = line;
                    break;
                default:
                    if (wasQuoted)
                        throw new CsvFormatException(line, "unexpected character after a closing quote");
                    field.Append(ch);
                    break;
            }
        }
        if (inQuotes)
            throw new CsvFormatException(recordLine, "a quoted field is not closed");
        if (recordStarted || field.Length > 0)
        {
            fields.Add(field.ToString());
            yield return new CsvRecord(recordLine, [.. fields]);
        }
    }
}

/// <summary>A CSV text that cannot be split into records.</summary>
public sealed class CsvFormatException(int line, string problem) : Exception($"line {line}: {problem}")
{
    public int Line { get; } = line;
    public string Problem { get; } = problem;
}
