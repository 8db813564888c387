using EmergencyDispatch.Planning.Scenarios;

namespace EmergencyDispatch.Testing;

/// <summary>A small valid scenario in a temporary folder of its own; tests overwrite or delete single files.</summary>
public sealed class ScenarioFolder : IDisposable
{
    public const string Products = """
        sku,name,unit
        WATER,Bottled water,box
        BLANKET,Blanket,piece
        """;

    public const string Factories = """
        factory_id,name,region
        F1,Wuhan plant,HB
        F2,Changsha plant,HN
        """;

    public const string Capabilities = """
        factory_id,sku,units_per_day,unit_cost
        F1,WATER,1000,0.5
        F2,BLANKET,200,3
        """;

    public const string Availability = """
        factory_id,date,factor
        F1,2025-03-01,0
        F1,2025-03-02,0
        F1,2025-03-03,0.5
        F2,2025-03-01,1.5
        """;

    public const string Lanes = """
        from_region,to_region,lead_days,unit_cost
        HB,HN,1,0.2
        HN,JX,2,0.4
        """;

    public const string Demands = """
        request_id,sku,quantity,region,due_date,priority
        R1,WATER,500,HN,2025-03-03,CRITICAL
        R2,BLANKET,100,JX,2025-03-04,HIGH
        R3,WATER,50,HB,2025-03-05,LOW
        """;

    public const string ScenarioJson = """{"start_date": "2025-03-01", "horizon_days": 14}""";

    public ScenarioFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"dispatch-scenario-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
        Write(ScenarioReader.ProductsFile, Products);
        Write(ScenarioReader.FactoriesFile, Factories);
        Write(ScenarioReader.CapabilitiesFile, Capabilities);
        Write(ScenarioReader.AvailabilityFile, Availability);
        Write(ScenarioReader.LanesFile, Lanes);
        Write(ScenarioReader.DemandsFile, Demands);
        Write(ScenarioReader.ScenarioFile, ScenarioJson);
    }

    public string Path { get; }

    /// <summary>Replaces a file; the text is written as given, with a final line break added when missing.</summary>
    public ScenarioFolder Write(string file, string text)
    {
        File.WriteAllText(System.IO.Path.Combine(Path, file), text.EndsWith('\n') ? text : text + "\n");
        return this;
    }

    public ScenarioFolder Delete(string file)
    {
        File.Delete(System.IO.Path.Combine(Path, file));
        return this;
    }

    /// <summary>Reads the folder and returns its errors as <c>file:line: field</c> (the problem text left out).</summary>
    public IReadOnlyList<string> ErrorLocations()
    {
        var (_, errors) = ScenarioReader.Read(Path);
        return errors.Select(Location).ToList();
    }

    public static string Location(ScenarioError e) => e.Line > 0 ? $"{e.File}:{e.Line}: {e.Field}" : $"{e.File}: {e.Field}";

    public void Dispose()
    {
        if (Directory.Exists(Path))
            Directory.Delete(Path, recursive: true);
    }
}
