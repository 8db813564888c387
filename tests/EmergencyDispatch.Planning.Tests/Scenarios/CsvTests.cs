using EmergencyDispatch.Planning.Scenarios;

namespace EmergencyDispatch.Tests.Scenarios;

public class CsvTests
{
    private static List<CsvRecord> Read(string text) => Csv.Read(new StringReader(text)).ToList();

    [Fact]
    public void QuotedFirstFieldMayHoldCommasQuotesAndLineBreaks()
    {
        var text = "\"a, \"\"b\"\"\nc\",2\n";

        var records = Read(text);

        var record = Assert.Single(records);
        Assert.Equal(["a, \"b\"\nc", "2"], record.Fields);
    }

    [Fact]
    public void QuotedFieldAfterACommaMayHoldCommasAndQuotes()
    {
        var text = "1,\"a, \"\"b\"\"\",3\n";

        var records = Read(text);

        var record = Assert.Single(records);
        Assert.Equal(["1", "a, \"b\"", "3"], record.Fields);
    }

    [Fact]
    public void RecordAfterAMultiLineFieldStartsAtItsOwnLine()
    {
        var text = "h1,h2\n\"x\ny\nz\",1\nlast,2\n";

        var records = Read(text);

        Assert.Equal([1, 2, 5], records.Select(r => r.Line));
    }

    [Fact]
    public void CrLfLineEndingsAreReadLikeLf()
    {
        var text = "a,b\r\nc,d\r\n";

        var records = Read(text);

        Assert.Equal([1, 2], records.Select(r => r.Line));
        Assert.Equal(["c", "d"], records[1].Fields);
    }

    [Fact]
    public void EmptyTrailingFieldIsKept()
    {
        var text = "a,\n";

        var records = Read(text);

        Assert.Equal(["a", ""], Assert.Single(records).Fields);
    }

    [Fact]
    public void LastRecordWithoutALineBreakIsRead()
    {
        var text = "a,b\nc,d";

        var records = Read(text);

        Assert.Equal(["c", "d"], records[1].Fields);
    }

    [Fact]
    public void UnclosedQuoteIsReportedAtTheLineWhereTheRecordStarts()
    {
        var text = "a,b\n\"never closed,1\nmore\n";

        var error = Assert.Throws<CsvFormatException>(() => Read(text));

        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void TextAfterAClosingQuoteIsReportedWithItsLine()
    {
        var text = "a,b\n\"x\"y,1\n";

        var error = Assert.Throws<CsvFormatException>(() => Read(text));

        Assert.Equal(2, error.Line);
    }
}
