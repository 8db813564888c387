using EmergencyDispatch.Planning.Scenarios;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Cli.Import;
using Grpc.Core;

namespace EmergencyDispatch.Tests.Cli;

public class ScenarioImporterTests
{
    /// <summary>A fake server that stores nothing and reports every item as created.</summary>
    public static FakeDispatchServer AcceptingServer() => new FakeDispatchServer()
        .On<UpsertProductsRequest, UpsertResponse>("UpsertProducts", r => new UpsertResponse { Created = r.Products.Count })
        .On<UpsertFactoriesRequest, UpsertResponse>("UpsertFactories", r => new UpsertResponse { Created = r.Factories.Count })
        .On<UpsertCapabilitiesRequest, UpsertResponse>("UpsertCapabilities", r => new UpsertResponse { Created = r.Capabilities.Count })
        .On<UpsertAvailabilityRequest, UpsertResponse>("UpsertAvailability", r => new UpsertResponse { Created = r.Ranges.Count })
        .On<UpsertLanesRequest, UpsertResponse>("UpsertLanes", r => new UpsertResponse { Created = r.Lanes.Count })
        .On<SubmitDemandsRequest, SubmitDemandsResponse>("SubmitDemands", Submitted)
        .On<ListDemandsRequest, ListDemandsResponse>("ListDemands", _ => new ListDemandsResponse());

    public static SubmitDemandsResponse Submitted(SubmitDemandsRequest request)
    {
        var response = new SubmitDemandsResponse { Created = request.Lines.Count };
        response.Demands.AddRange(request.Lines.Select((line, i) => new Demand { DemandId = i + 1, Line = line, Status = DemandStatus.Open }));
        return response;
    }

    private static ScenarioRows Rows(ScenarioFolder folder)
    {
        var (rows, errors) = ScenarioReader.ReadRows(folder.Path);
        Assert.Empty(errors);
        return rows!;
    }

    [Fact]
    public async Task FilesAreSentInDependencyOrderInBatches()
    {
        using var folder = new ScenarioFolder();
        var server = AcceptingServer();

        var result = await new ScenarioImporter(server).ImportAsync(Rows(folder), new ImportOptions { BatchSize = 2 });

        Assert.True(result.Succeeded);
        Assert.Equal(
            ["ListDemands", "UpsertProducts", "UpsertFactories", "UpsertCapabilities", "UpsertAvailability", "UpsertAvailability", "UpsertLanes", "SubmitDemands", "SubmitDemands"],
            server.Methods);
    }

    [Fact]
    public async Task AvailabilityDaysAreSentAsMergedRanges()
    {
        using var folder = new ScenarioFolder();
        var server = AcceptingServer();

        await new ScenarioImporter(server).ImportAsync(Rows(folder), new ImportOptions());

        var ranges = server.Requests<UpsertAvailabilityRequest>().SelectMany(r => r.Ranges)
            .Select(r => $"{r.FactoryId} {r.FromDate}..{r.ToDate} x{r.Factor}");
        Assert.Equal(["F1 2025-03-01..2025-03-02 x0", "F1 2025-03-03..2025-03-03 x0.5", "F2 2025-03-01..2025-03-01 x1.5"], ranges);
    }

    [Fact]
    public async Task DemandLinesAreSentAsWritten()
    {
        using var folder = new ScenarioFolder();
        var server = AcceptingServer();

        await new ScenarioImporter(server).ImportAsync(Rows(folder), new ImportOptions());

        var line = server.Requests<SubmitDemandsRequest>().Single().Lines[1];
        Assert.Equal(
            new DemandLine { RequestId = "R2", Sku = "BLANKET", Quantity = 100, Region = "JX", DueDate = "2025-03-04", Priority = Priority.High },
            line);
    }

    [Fact]
    public async Task CountsOfEveryBatchAreAddedUpPerFile()
    {
        using var folder = new ScenarioFolder();
        var server = AcceptingServer()
            .On<UpsertProductsRequest, UpsertResponse>("UpsertProducts", r => new UpsertResponse { Updated = 1, Unchanged = r.Products.Count - 1 })
            .On<SubmitDemandsRequest, SubmitDemandsResponse>("SubmitDemands", r => new SubmitDemandsResponse { Created = 1, Replayed = r.Lines.Count - 1 });

        var result = await new ScenarioImporter(server).ImportAsync(Rows(folder), new ImportOptions { BatchSize = 1 });

        var products = result.Files.Single(f => f.File == "products.csv");
        Assert.Equal((2, 0, 2, 0), (products.Sent, products.Created, products.Updated, products.Unchanged));
        var demands = result.Files.Single(f => f.File == "demands.csv");
        Assert.Equal((3, 3, 0), (demands.Sent, demands.Created, demands.Replayed));
    }

    [Fact]
    public async Task RejectedBatchIsReportedAtTheCsvLinesOfItsRows()
    {
        using var folder = new ScenarioFolder();
        var server = AcceptingServer().On<SubmitDemandsRequest, SubmitDemandsResponse>("SubmitDemands", r =>
            r.Lines.Any(l => l.RequestId == "R3")
                ? throw RpcErrorsTests.BadRequest("1 line is invalid", ("lines[0].sku", "unknown sku 'WATER'"))
                : Submitted(r));

        var result = await new ScenarioImporter(server).ImportAsync(Rows(folder), new ImportOptions { BatchSize = 2 });

        var failure = Assert.IsType<ImportFailure>(result.Failure);
        Assert.Equal(("demands.csv", 2, 2, StatusCode.InvalidArgument), (failure.File, failure.Batch, failure.Batches, failure.Error!.StatusCode));
        Assert.Equal(["demands.csv:4: sku: unknown sku 'WATER'"], failure.Violations.Select(v => v.ToString()));
        Assert.Equal(2, result.Files.Single(f => f.File == "demands.csv").Sent);
    }

    [Fact]
    public async Task RejectedRangeIsReportedAtTheLinesOfItsDays()
    {
        using var folder = new ScenarioFolder();
        var server = AcceptingServer().On<UpsertAvailabilityRequest, UpsertResponse>("UpsertAvailability", _ =>
            throw RpcErrorsTests.BadRequest("1 range is invalid", ("ranges[0].factor", "must be at most 100")));

        var result = await new ScenarioImporter(server).ImportAsync(Rows(folder), new ImportOptions());

        Assert.Equal(
            ["availability.csv:2: factor: must be at most 100 (one range merged from lines 2, 3)"],
            result.Failure!.Violations.Select(v => v.ToString()));
        Assert.DoesNotContain("UpsertLanes", server.Methods);
    }

    [Fact]
    public async Task ProgressReachesTheRowCountOfEveryFile()
    {
        using var folder = new ScenarioFolder();
        var progress = new List<ImportProgress>();

        await new ScenarioImporter(AcceptingServer()).ImportAsync(Rows(folder), new ImportOptions { BatchSize = 1 }, new Recorder(progress));

        var last = progress.GroupBy(p => p.File).ToDictionary(g => g.Key, g => g.Last());
        // The folder has none of the optional files (stock and materials): they are not sent.
        Assert.Equal(ScenarioImporter.FileOrder.Except([ScenarioReader.StockFile, ScenarioReader.MaterialsFile, ScenarioReader.BomFile, ScenarioReader.MaterialSupplyFile]), last.Keys);
        Assert.All(last.Values, p => Assert.Equal(p.Rows, p.RowsDone));
        Assert.Equal(4, last["availability.csv"].Rows);
    }

    [Fact]
    public async Task SubmitterIndependentImportSkipsLinesAnotherSubmitterStored()
    {
        using var folder = new ScenarioFolder();
        var stored = new DemandLine { RequestId = "R1", Sku = "WATER", Quantity = 500, Region = "HN", DueDate = "2025-03-03", Priority = Priority.Critical };
        var server = AcceptingServer().On<ListDemandsRequest, ListDemandsResponse>("ListDemands", _ =>
            new ListDemandsResponse { Demands = { new Demand { DemandId = 7, Line = stored, Submitter = "alice" } } });

        var result = await new ScenarioImporter(server).ImportAsync(Rows(folder), new ImportOptions { SubmitterIndependent = true });

        Assert.Equal(["R2", "R3"], server.Requests<SubmitDemandsRequest>().Single().Lines.Select(l => l.RequestId));
        Assert.Equal(1, result.Files.Single(f => f.File == "demands.csv").Skipped);
    }

    [Fact]
    public async Task SubmitterIndependentImportSendsNothingWhenARequestIdWasStoredWithOtherValues()
    {
        using var folder = new ScenarioFolder();
        var stored = new DemandLine { RequestId = "R2", Sku = "BLANKET", Quantity = 999, Region = "JX", DueDate = "2025-03-04", Priority = Priority.High };
        var server = AcceptingServer().On<ListDemandsRequest, ListDemandsResponse>("ListDemands", _ =>
            new ListDemandsResponse { Demands = { new Demand { DemandId = 7, Line = stored, Submitter = "alice" } } });

        var result = await new ScenarioImporter(server).ImportAsync(Rows(folder), new ImportOptions { SubmitterIndependent = true });

        Assert.Equal(["ListDemands"], server.Methods);
        var violation = Assert.Single(result.Failure!.Violations);
        Assert.StartsWith("demands.csv:3: request_id: 'R2' is already stored with other values by 'alice'", violation.ToString());
    }

    private sealed class Recorder(List<ImportProgress> reports) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => reports.Add(value);
    }
}
