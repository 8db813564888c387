using EmergencyDispatch.Cli.Import;

namespace EmergencyDispatch.Tests.Cli;

public class ViolationLocatorTests
{
    private static readonly IReadOnlyList<IReadOnlyList<int>> Batch = [[7], [12], [15]];

    [Fact]
    public void IndexedFieldIsPlacedAtTheCsvLineOfThatRow()
    {
        var located = ViolationLocator.Locate("demands.csv", "lines[1].sku", "unknown sku 'SOAP'", Batch);

        Assert.Equal("demands.csv:12: sku: unknown sku 'SOAP'", located.ToString());
    }

    [Fact]
    public void CamelCaseFieldIsNamedAsTheCsvColumn()
    {
        var located = ViolationLocator.Locate("demands.csv", "lines[2].dueDate", "is in the past", Batch);

        Assert.Equal("demands.csv:15: due_date: is in the past", located.ToString());
    }

    [Fact]
    public void RangeDateIsPlacedAtTheFirstLineOfTheMergedDays()
    {
        IReadOnlyList<IReadOnlyList<int>> ranges = [[3, 4, 5]];

        var located = ViolationLocator.Locate("availability.csv", "ranges[0].from_date", "unknown factory", ranges);

        Assert.Equal("availability.csv:3: date: unknown factory (one range merged from lines 3, 4, 5)", located.ToString());
    }

    [Fact]
    public void IndexWithoutAFieldNamesTheRow()
    {
        var located = ViolationLocator.Locate("products.csv", "products[0]", "conflicts", Batch);

        Assert.Equal("products.csv:7: row: conflicts", located.ToString());
    }

    [Fact]
    public void FieldWithoutAnIndexIsKeptAsTheServerNamedIt()
    {
        var located = ViolationLocator.Locate("demands.csv", "lines", "must hold 1 to 10000 lines", Batch);

        Assert.Equal("lines: must hold 1 to 10000 lines", located.ToString());
    }

    [Fact]
    public void IndexOutsideTheBatchIsKeptAsTheServerNamedIt()
    {
        var located = ViolationLocator.Locate("demands.csv", "lines[3].sku", "unknown sku", Batch);

        Assert.Equal("lines[3].sku: unknown sku", located.ToString());
    }
}
