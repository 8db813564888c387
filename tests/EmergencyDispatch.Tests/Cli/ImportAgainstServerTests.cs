using System.CommandLine;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Cli;
using EmergencyDispatch.Cli.Import;
using EmergencyDispatch.Cli.Infrastructure;
using EmergencyDispatch.Planning.Scenarios;
using EmergencyDispatch.Tests.Scenarios;
using EmergencyDispatch.Tests.Server;
using Google.Protobuf;
using Grpc.Core;

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
}
