using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Scenarios;

namespace EmergencyDispatch.Tests.Scenarios;

public sealed class ScenarioWriterTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"dispatch-writer-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    private string Text(string file) => File.ReadAllText(Path.Combine(_directory, file));

    private static Scenario Tricky() => new(
        [
            new Product("WATER", "Water, bottled \"still\"", "box"),
            new Product("BLANKET", "Blanket", "piece"),
            new Product("SOAP", "Soap — 100 g, ünïcode", "bar"),
        ],
        [new Factory("F.1", "Wuhan plant, Ltd.", "CN-42"), new Factory("F_2", "Changsha", "HN")],
        [
            new Capability("F.1", "WATER", 0.1 + 0.2, 1.0 / 3),
            new Capability("F.1", "SOAP", 123456789.123, 1e-7),
            new Capability("F_2", "BLANKET", 1e9, 0),
        ],
        [new AvailabilityDay("F.1", new DateOnly(2025, 3, 1), 0), new AvailabilityDay("F_2", new DateOnly(2025, 12, 31), 1.7)],
        [new Lane("CN-42", "HN", 1, 0.07), new Lane("HN", "CN-42", 365, 2.5e-5)],
        [
            new DemandLine("R-1", "WATER", 1, "HN", new DateOnly(2025, 3, 3), Priority.Critical),
            new DemandLine("R-2", "BLANKET", 1_000_000_000, "CN-42", new DateOnly(2025, 3, 4), Priority.Low),
        ],
        new DateOnly(2025, 3, 1),
        90);

    [Fact]
    public void WrittenScenarioIsReadBackEqual()
    {
        var scenario = Tricky();

        ScenarioWriter.Write(scenario, _directory);
        var (read, errors) = ScenarioReader.Read(_directory);

        Assert.Empty(errors.Select(e => e.ToString()));
        ScenarioAssert.Same(scenario, read!);
    }

    [Fact]
    public void ScenarioReadFromTheSampleFolderIsWrittenAndReadBackEqual()
    {
        using var folder = new ScenarioFolder();
        var (scenario, _) = ScenarioReader.Read(folder.Path);

        ScenarioWriter.Write(scenario!, _directory);
        var (read, errors) = ScenarioReader.Read(_directory);

        Assert.Empty(errors);
        ScenarioAssert.Same(scenario!, read!);
    }

    [Fact]
    public void FieldsAreQuotedOnlyWhereTheyNeedIt()
    {
        var scenario = Tricky();

        ScenarioWriter.Write(scenario, _directory);

        Assert.Equal(
            "sku,name,unit\nWATER,\"Water, bottled \"\"still\"\"\",box\nBLANKET,Blanket,piece\nSOAP,\"Soap — 100 g, ünïcode\",bar\n",
            Text(ScenarioReader.ProductsFile));
        Assert.Equal("factory_id,name,region\nF.1,\"Wuhan plant, Ltd.\",CN-42\nF_2,Changsha,HN\n", Text(ScenarioReader.FactoriesFile));
    }

    [Fact]
    public void LineBreaksAndOuterBlanksAreQuotedForOtherReaders()
    {
        var writer = new StringWriter();

        ScenarioWriter.WriteRow(writer, ["a\nb", " padded", "plain", "", "x\ry"]);

        Assert.Equal("\"a\nb\",\" padded\",plain,,\"x\ry\"\n", writer.ToString());
    }

    [Fact]
    public void NumbersAndDatesUseTheInvariantShortestForms()
    {
        var scenario = Tricky();

        ScenarioWriter.Write(scenario, _directory);

        Assert.Equal(
            "factory_id,sku,units_per_day,unit_cost\nF.1,WATER,0.30000000000000004,0.3333333333333333\nF.1,SOAP,123456789.123,1E-07\nF_2,BLANKET,1000000000,0\n",
            Text(ScenarioReader.CapabilitiesFile));
        Assert.Equal("factory_id,date,factor\nF.1,2025-03-01,0\nF_2,2025-12-31,1.7\n", Text(ScenarioReader.AvailabilityFile));
        Assert.Equal("request_id,sku,quantity,region,due_date,priority\nR-1,WATER,1,HN,2025-03-03,CRITICAL\nR-2,BLANKET,1000000000,CN-42,2025-03-04,LOW\n", Text(ScenarioReader.DemandsFile));
    }

    [Fact]
    public void ScenarioJsonHasTheModelShape()
    {
        var scenario = Tricky();

        ScenarioWriter.Write(scenario, _directory);

        Assert.Equal("{\"start_date\": \"2025-03-01\", \"horizon_days\": 90}\n", Text(ScenarioReader.ScenarioFile));
    }

    [Fact]
    public void ScenarioWithoutStartDateOrAvailabilityRoundTrips()
    {
        var scenario = Tricky() with { StartDate = null, Availability = [], HorizonDays = 7 };

        ScenarioWriter.Write(scenario, _directory);
        var (read, errors) = ScenarioReader.Read(_directory);

        Assert.Empty(errors);
        ScenarioAssert.Same(scenario, read!);
        Assert.Equal("factory_id,date,factor\n", Text(ScenarioReader.AvailabilityFile));
    }

    [Fact]
    public void FilesHaveNoByteOrderMarkAndOnlyLineFeeds()
    {
        var scenario = Tricky();

        ScenarioWriter.Write(scenario, _directory);

        foreach (var file in Directory.GetFiles(_directory))
        {
            var bytes = File.ReadAllBytes(file);
            Assert.False(bytes is [0xEF, 0xBB, 0xBF, ..], $"{file} starts with a byte order mark");
            Assert.DoesNotContain((byte)'\r', bytes);
        }
    }

    [Fact]
    public void GeneratedScenarioIsReadBackEqual()
    {
        var generated = ScenarioGenerator.Generate(new GeneratorOptions { Factories = 120, Demands = 600, Seed = 7 });

        ScenarioWriter.Write(generated.Scenario, _directory);
        var (read, errors) = ScenarioReader.Read(_directory);

        Assert.Empty(errors.Select(e => e.ToString()));
        ScenarioAssert.Same(generated.Scenario, read!);
    }
}
