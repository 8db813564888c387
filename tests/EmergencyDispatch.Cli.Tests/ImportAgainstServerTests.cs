using System.CommandLine;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Cli;
using EmergencyDispatch.Cli.Import;
using EmergencyDispatch.Cli.Infrastructure;
using EmergencyDispatch.Planning.Scenarios;
using Google.Protobuf;
using Grpc.Core;
using System.Text.RegularExpressions;

namespace EmergencyDispatch.Tests.Cli;

/// <summary>The importer and the CLI against the real service hosted in-process, each test on a fresh database.</summary>
public class ImportAgainstServerTests
{
    private static ScenarioRows Rows(string directory)
    {
        var (rows, errors) = ScenarioReader.ReadRows(directory);
        Assert.Empty(errors.Select(e => e.ToString()));
        return rows!;
    }

    [Fact]
    public async Task SeedScenarioImportsAndImportingItAgainChangesNothing()
    {
        using var factory = new DispatchFactory();
        using var channel = factory.CreateChannel();
        var importer = new ScenarioImporter(channel);
        var rows = Rows(RepositoryPaths.Seeds);

        var first = await importer.ImportAsync(rows, new ImportOptions { BatchSize = 100 });
        var second = await importer.ImportAsync(rows, new ImportOptions { BatchSize = 100 });

        Assert.Null(first.Failure);
        Assert.Null(second.Failure);
        Assert.Equal(rows.Demands.Count, first.Files.Single(f => f.File == ScenarioReader.DemandsFile).Created);
        Assert.All(second.Files, f => Assert.Equal(0, f.Created + f.Updated));
        Assert.Equal(rows.Demands.Count, second.Files.Single(f => f.File == ScenarioReader.DemandsFile).Replayed);
        Assert.Equal(rows.Products.Count, second.Files.Single(f => f.File == ScenarioReader.ProductsFile).Unchanged);
    }

    [Fact]
    public async Task StockAndMaterialFilesAreImportedAndListedAndAnUnknownMaterialIsRefusedAtItsCsvLine()
    {
        using var factory = new DispatchFactory();
        using var channel = factory.CreateChannel();
        using var folder = new ScenarioFolder();
        folder.Write(ScenarioReader.StockFile, """
            stock_id,factory_id,sku,quantity,available_date,unit_cost
            RES-1,F2,BLANKET,300,2025-02-20,0
            """);
        folder.Write(ScenarioReader.MaterialsFile, """
            material_id,name,unit
            PLASTIC,PET resin,t
            """);
        folder.Write(ScenarioReader.BomFile, """
            sku,material_id,per_unit
            WATER,PLASTIC,0.0002
            """);
        folder.Write(ScenarioReader.MaterialSupplyFile, """
            material_id,region,date,quantity
            PLASTIC,HB,2025-03-01,0.1
            PLASTIC,HB,2025-03-02,0.05
            """);
        var output = new StringWriter();
        var error = new StringWriter();
        var root = DispatchCli.CreateRootCommand(CliConsole.FromWriters(output, error), _ => channel);

        var imported = await root.Parse(["import", folder.Path]).InvokeAsync();
        var listed = await root.Parse(["registry", "stock", "list"]).InvokeAsync();
        await root.Parse(["registry", "bom", "list", "--material", "PLASTIC"]).InvokeAsync();
        await root.Parse(["registry", "supply", "list", "--region", "HB", "--from", "2025-03-02"]).InvokeAsync();
        await root.Parse(["registry", "materials", "list"]).InvokeAsync();

        Assert.Equal((ExitCodes.Ok, ExitCodes.Ok), (imported, listed));
        var text = output.ToString();
        Assert.Contains("RES-1", text);
        Assert.Contains("PET resin", text);
        Assert.Contains("0.0002", text);
        Assert.Contains("2025-03-02", text);

        // A bill of materials naming a material the scenario does not define is refused at its line before anything is sent.
        folder.Write(ScenarioReader.BomFile, """
            sku,material_id,per_unit
            WATER,PLASTIC,0.0002
            BLANKET,COTTON,0.5
            """);
        var (rows, errors) = ScenarioReader.ReadRows(folder.Path);
        Assert.Contains(errors, e => e.ToString().StartsWith("bom.csv:3: material_id: ", StringComparison.Ordinal));
        Assert.Null(rows);
    }

    [Fact]
    public async Task OptionsAreImportedAndListed()
    {
        using var factory = new DispatchFactory();
        using var channel = factory.CreateChannel();
        using var folder = new ScenarioFolder();
        folder.Write(ScenarioReader.OptionsFile, """
            option_id,factory_id,sku,units_per_day,unit_cost,ready_date,ramp_days,fixed_cost
            CONVERT-1,F2,WATER,500,0.4,2025-03-04,2,25000
            EXPAND-1,F1,BLANKET,50,1.5,2025-03-02,0,800.5
            """);
        var output = new StringWriter();
        var root = DispatchCli.CreateRootCommand(CliConsole.FromWriters(output, new StringWriter()), _ => channel);

        var imported = await root.Parse(["import", folder.Path]).InvokeAsync();
        var listed = await root.Parse(["registry", "options", "list", "--factory", "F2"]).InvokeAsync();

        Assert.Equal((ExitCodes.Ok, ExitCodes.Ok), (imported, listed));
        var text = output.ToString();
        Assert.Contains("CONVERT-1", text);
        Assert.Contains("25000", text.Replace(",", "", StringComparison.Ordinal));
        Assert.DoesNotContain("EXPAND-1", text[text.IndexOf("option_id", StringComparison.Ordinal)..]);
    }

    [Fact]
    public async Task ChangedDemandLineIsRejectedAtItsCsvLine()
    {
        using var factory = new DispatchFactory();
        using var channel = factory.CreateChannel();
        using var folder = new ScenarioFolder();
        var importer = new ScenarioImporter(channel);
        await importer.ImportAsync(Rows(folder.Path), new ImportOptions());
        folder.Write(ScenarioReader.DemandsFile, """
            request_id,sku,quantity,region,due_date,priority
            R1,WATER,500,HN,2025-03-03,CRITICAL
            R2,BLANKET,100,JX,2025-03-04,HIGH
            R3,WATER,51,HB,2025-03-05,LOW
            """);

        var result = await importer.ImportAsync(Rows(folder.Path), new ImportOptions());

        var failure = Assert.IsType<ImportFailure>(result.Failure);
        Assert.Equal(StatusCode.AlreadyExists, failure.Error!.StatusCode);
        Assert.StartsWith("demands.csv:4: request_id: ", Assert.Single(failure.Violations).ToString());
    }

    [Fact]
    public async Task ImportedDemandsAreListedByTheCli()
    {
        using var factory = new DispatchFactory();
        using var folder = new ScenarioFolder();
        var output = new StringWriter();
        var error = new StringWriter();
        var root = DispatchCli.CreateRootCommand(CliConsole.FromWriters(output, error), _ => factory.CreateChannel());

        var imported = await root.Parse(["import", folder.Path]).InvokeAsync();
        output.GetStringBuilder().Clear();
        var listed = await root.Parse(["demands", "list", "--all", "--json", "--page-size", "2"]).InvokeAsync();

        Assert.Equal((ExitCodes.Ok, ExitCodes.Ok), (imported, listed));
        Assert.Equal("", error.ToString());
        var reply = JsonParser.Default.Parse<ListDemandsResponse>(output.ToString());
        Assert.Equal(["R1", "R2", "R3"], reply.Demands.Select(d => d.Line.RequestId));
    }

    private static async Task<List<Demand>> AllDemands(ChannelBase channel)
    {
        var client = new DemandService.DemandServiceClient(channel);
        var all = new List<Demand>();
        var token = "";
        do
        {
            var page = await client.ListDemandsAsync(new ListDemandsRequest { Page = new PageRequest { PageSize = 1000, PageToken = token } });
            all.AddRange(page.Demands);
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        return all;
    }

    [Fact]
    public async Task ImportOfTheSeedIntoTheSeededDatabaseIsRefusedBeforeAnyDemandIsSent()
    {
        using var factory = new DispatchFactory(seed: true);
        using var channel = factory.CreateChannel();
        var rows = Rows(RepositoryPaths.Seeds);

        var result = await new ScenarioImporter(channel).ImportAsync(rows, new ImportOptions());

        var failure = Assert.IsType<ImportFailure>(result.Failure);
        var others = Assert.IsType<OtherSubmitterDemands>(result.OtherSubmitters);
        Assert.Equal(rows.Demands.Count, others.Lines);
        Assert.Equal([("seed", rows.Demands.Count)], others.Submitters);
        Assert.Equal(rows.Demands.Take(OtherSubmitterDemands.MaxExamples).Select(r => r.Value.RequestId), others.Examples);
        Assert.Contains("--allow-other-submitters", failure.Message);
        Assert.Empty(result.Files);
        Assert.All(await AllDemands(channel), d => Assert.Equal("seed", d.Submitter));
    }

    [Fact]
    public async Task CliRefusesToImportDemandAnotherSubmitterStoredUnlessAllowed()
    {
        using var factory = new DispatchFactory(seed: true);
        var output = new StringWriter();
        var error = new StringWriter();
        var root = DispatchCli.CreateRootCommand(CliConsole.FromWriters(output, error), _ => factory.CreateChannel());
        var seeded = (await AllDemands(factory.CreateChannel())).Count;

        var refused = await root.Parse(["import", RepositoryPaths.Seeds]).InvokeAsync();
        var refusal = error.ToString();
        var afterRefusal = (await AllDemands(factory.CreateChannel())).Count;
        error.GetStringBuilder().Clear();
        var allowed = await root.Parse(["import", RepositoryPaths.Seeds, "--allow-other-submitters"]).InvokeAsync();
        var stored = await AllDemands(factory.CreateChannel());

        Assert.Equal((ExitCodes.Failed, ExitCodes.Ok), (refused, allowed));
        Assert.Contains($"{seeded} demand line(s) use request_ids that another submitter already stored ('seed': {seeded})", refusal);
        Assert.Contains("nothing was sent", refusal);
        Assert.Equal(seeded, afterRefusal);
        Assert.StartsWith("warning: ", error.ToString());
        Assert.Equal(seeded, stored.Count(d => d.Submitter == "admin"));
    }

    [Fact]
    public async Task ImportUnderAnotherKeyStoresOnlyTheLinesNobodyElseStoredWhenSubmitterIndependent()
    {
        using var factory = new DispatchFactory();
        using var folder = new ScenarioFolder();
        using var admin = factory.CreateChannel();
        await new ScenarioImporter(admin).ImportAsync(Rows(folder.Path), new ImportOptions());
        using var coordinator = factory.CreateChannel(factory.CreateKey(Role.Coordinator, name: "coord"));
        folder.Write(ScenarioReader.DemandsFile, """
            request_id,sku,quantity,region,due_date,priority
            R1,WATER,500,HN,2025-03-03,CRITICAL
            R4,WATER,10,HB,2025-03-05,LOW
            """);

        var refused = await new ScenarioImporter(coordinator).ImportAsync(Rows(folder.Path), new ImportOptions());
        var independent = await new ScenarioImporter(coordinator).ImportAsync(Rows(folder.Path), new ImportOptions { SubmitterIndependent = true });

        Assert.Equal([("admin", 1)], refused.OtherSubmitters!.Submitters);
        Assert.Equal(["R1"], refused.OtherSubmitters.Examples);
        Assert.Null(independent.Failure);
        Assert.Equal(
            ["R1 admin", "R2 admin", "R3 admin", "R4 coord"],
            (await AllDemands(admin)).Select(d => $"{d.Line.RequestId} {d.Submitter}"));
    }
}

/// <summary><c>demands import FILE.csv</c>: a demands file alone against the real service on the small registry.</summary>
public sealed class DemandsImportTests : IDisposable
{
    private readonly DispatchFactory _factory = new();
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"hb-demands-{Guid.NewGuid():N}.csv");

    public void Dispose()
    {
        File.Delete(_file);
        _factory.Dispose();
    }

    private async Task<(int Exit, string Out, string Error)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = DispatchCli.CreateRootCommand(CliConsole.FromWriters(output, error), _ => _factory.CreateChannel());
        var exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task AFileOfDemandsIsSubmittedOnceAndImportingItAgainReplaysIt()
    {
        using var channel = _factory.CreateChannel();
        await Fixtures.RegisterSmallRegistry(new RegistryService.RegistryServiceClient(channel));
        await File.WriteAllTextAsync(_file, """
            request_id,sku,quantity,region,due_date,priority
            HB-1,MASK,600,R3,2020-02-06,CRITICAL
            HB-2,MASK,900,R3,2020-02-07,HIGH
            HB-3,MASK,50,R3,2020-02-09,LOW
            """);

        var (exit, output, error) = await Run("demands", "import", _file, "--batch-size", "2");
        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Matches($@"{Regex.Escape(Path.GetFileName(_file))}\s*│\s*3\s*│\s*3", output);
        var stored = (await new DemandService.DemandServiceClient(channel).ListDemandsAsync(new ListDemandsRequest())).Demands;
        Assert.Equal(["HB-1", "HB-2", "HB-3"], stored.Select(d => d.Line.RequestId).Order(StringComparer.Ordinal));

        var (again, _, againError) = await Run("demands", "import", _file);
        Assert.True(again == ExitCodes.Ok, againError);
        Assert.Equal(3, (await new DemandService.DemandServiceClient(channel).ListDemandsAsync(new ListDemandsRequest())).Demands.Count);
    }

    [Fact]
    public async Task ABadLineIsNamedByFileAndLineAndNothingIsStored()
    {
        using var channel = _factory.CreateChannel();
        await Fixtures.RegisterSmallRegistry(new RegistryService.RegistryServiceClient(channel));
        var name = Path.GetFileName(_file);

        // Checked here first: a bad priority and a repeated request_id; nothing is sent.
        await File.WriteAllTextAsync(_file, """
            request_id,sku,quantity,region,due_date,priority
            HB-1,MASK,600,R3,2020-02-06,URGENT
            HB-2,MASK,600,R3,2020-02-06,HIGH
            HB-2,MASK,700,R3,2020-02-06,HIGH
            """);
        var (exit, _, error) = await Run("demands", "import", _file);
        Assert.Equal(ExitCodes.InvalidInput, exit);
        Assert.Contains($"{name}:2: priority:", error);
        Assert.True(error.Contains($"{name}:4: request_id:", StringComparison.Ordinal), error);

        // Checked by the service against the registry: an unknown sku, named at its line; its batch is not stored.
        await File.WriteAllTextAsync(_file, """
            request_id,sku,quantity,region,due_date,priority
            HB-1,MASK,600,R3,2020-02-06,CRITICAL
            HB-2,SOAP,900,R3,2020-02-07,HIGH
            """);
        (exit, _, error) = await Run("demands", "import", _file);
        Assert.Equal(ExitCodes.Failed, exit);
        Assert.True(error.Contains($"{name}:3: sku:", StringComparison.Ordinal), error);
        Assert.Empty((await new DemandService.DemandServiceClient(channel).ListDemandsAsync(new ListDemandsRequest())).Demands);
    }
}
