using System.CommandLine;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Cli;
using EmergencyDispatch.Cli.Infrastructure;
using EmergencyDispatch.Planning.Scenarios;
using Google.Protobuf;
using Grpc.Core;

namespace EmergencyDispatch.Tests.Cli;

public class CommandLineTests
{
    /// <summary>Runs dispatchctl with its output captured; calls go to <paramref name="server"/>, or to the --server URL when it is null.</summary>
    private static async Task<(int Exit, string Out, string Error)> Run(FakeDispatchServer? server, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = DispatchCli.CreateRootCommand(CliConsole.FromWriters(output, error), server is null ? null : _ => server.Channel());

        var exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });

        return (exit, output.ToString(), error.ToString());
    }

    private static Demand StoredDemand(long id, string requestId = "R1") => new()
    {
        DemandId = id,
        Line = new DemandLine { RequestId = requestId, Sku = "WATER", Quantity = 500, Region = "HN", DueDate = "2025-03-03", Priority = Priority.Critical },
        Status = DemandStatus.Open,
        Submitter = "alice",
        Produced = 120,
    };

    [Fact]
    public async Task ImportOfAnInvalidFolderPrintsEveryErrorSendsNothingAndExitsWithTwo()
    {
        using var folder = new ScenarioFolder()
            .Write(ScenarioReader.DemandsFile, """
                request_id,sku,quantity,region,due_date,priority
                R1,WATER,500,HN,2025-03-03,URGENT
                R2,SOAP,100,JX,2025-03-04,HIGH
                """);
        var server = ScenarioImporterTests.AcceptingServer();

        var (exit, _, error) = await Run(server, "import", folder.Path);

        Assert.Equal(ExitCodes.InvalidInput, exit);
        Assert.Contains("demands.csv:2: priority: 'URGENT' is not one of CRITICAL, HIGH, NORMAL, LOW", error);
        Assert.Contains("demands.csv:3: sku: unknown sku 'SOAP'", error);
        Assert.Empty(server.Calls);
    }

    [Fact]
    public async Task ImportPrintsWhatTheServerDidPerFile()
    {
        using var folder = new ScenarioFolder();
        var server = ScenarioImporterTests.AcceptingServer()
            .On<UpsertLanesRequest, UpsertResponse>("UpsertLanes", r => new UpsertResponse { Unchanged = r.Lanes.Count });

        var (exit, output, error) = await Run(server, "import", folder.Path, "--batch-size", "1");

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Equal("", error);
        Assert.Matches(@"lanes\.csv\s*│\s*2\s*│\s*2\s*│\s*0\s*│\s*0\s*│\s*2", output);
        Assert.Matches(@"demands\.csv\s*│\s*3\s*│\s*3\s*│\s*3\s*│\s*0", output);
    }

    [Fact]
    public async Task RejectedImportPrintsTheStatusTheCsvLineAndThatRerunningIsSafe()
    {
        using var folder = new ScenarioFolder();
        var server = ScenarioImporterTests.AcceptingServer().On<SubmitDemandsRequest, SubmitDemandsResponse>("SubmitDemands", _ =>
            throw RpcErrorsTests.BadRequest("1 line is invalid", ("lines[2].region", "no lane reaches 'HB'")));

        var (exit, _, error) = await Run(server, "import", folder.Path);

        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Contains("error: InvalidArgument: 1 line is invalid", error);
        Assert.Contains("  demands.csv:4: region: no lane reaches 'HB'", error);
        Assert.Contains("Re-running the import is safe", error);
    }

    [Fact]
    public async Task BatchSizeAboveTheLimitIsRefused()
    {
        using var folder = new ScenarioFolder();
        var server = ScenarioImporterTests.AcceptingServer();

        var (exit, _, error) = await Run(server, "import", folder.Path, "--batch-size", "10001");

        Assert.NotEqual(ExitCodes.Ok, exit);
        Assert.Contains("--batch-size must be from 1 to 10000", error);
        Assert.Empty(server.Calls);
    }

    [Fact]
    public async Task DemandsListSendsTheFilters()
    {
        var server = new FakeDispatchServer().On<ListDemandsRequest, ListDemandsResponse>("ListDemands", _ => new ListDemandsResponse());

        await Run(server, "demands", "list", "--status", "OPEN", "--priority", "critical", "--region", "HB", "--sku", "WATER", "--submitter", "alice", "--page-size", "50");

        var request = server.Requests<ListDemandsRequest>().Single();
        Assert.Equal([DemandStatus.Open], request.Statuses);
        Assert.Equal((Priority.Critical, "HB", "WATER", "alice", 50), (request.Priority, request.Region, request.Sku, request.Submitter, request.Page.PageSize));
    }

    [Fact]
    public async Task DemandsListPrintsTheFirstPageAndHowToGetTheNext()
    {
        var server = new FakeDispatchServer().On<ListDemandsRequest, ListDemandsResponse>("ListDemands", _ =>
            new ListDemandsResponse { Demands = { StoredDemand(1) }, NextPageToken = "abc" });

        var (exit, output, _) = await Run(server, "demands", "list");

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Matches(@"1\s*│\s*R1\s*│\s*WATER\s*│\s*500\s*│\s*120\s*│\s*HN\s*│\s*2025-03-03\s*│\s*CRITICAL\s*│\s*OPEN\s*│\s*alice", output);
        Assert.Contains("--page-token abc", output);
        Assert.Single(server.Calls);
    }

    [Fact]
    public async Task DemandsListWithAllFollowsEveryPageAndPrintsOneJsonReply()
    {
        var server = new FakeDispatchServer().On<ListDemandsRequest, ListDemandsResponse>("ListDemands", r => r.Page.PageToken switch
        {
            "" => new ListDemandsResponse { Demands = { StoredDemand(1, "R1") }, NextPageToken = "p2" },
            "p2" => new ListDemandsResponse { Demands = { StoredDemand(2, "R2") }, NextPageToken = "p3" },
            _ => new ListDemandsResponse { Demands = { StoredDemand(3, "R3") } },
        });

        var (exit, output, _) = await Run(server, "demands", "list", "--all", "--json");

        Assert.Equal(ExitCodes.Ok, exit);
        var reply = JsonParser.Default.Parse<ListDemandsResponse>(output);
        Assert.Equal([1L, 2L, 3L], reply.Demands.Select(d => d.DemandId));
        Assert.Equal("", reply.NextPageToken);
        Assert.Equal(["", "p2", "p3"], server.Requests<ListDemandsRequest>().Select(r => r.Page.PageToken));
    }

    [Fact]
    public async Task CsvWritesEveryPageWithTheTablesColumnsQuotingWhatNeedsIt()
    {
        var server = new FakeDispatchServer().On<ListDemandsRequest, ListDemandsResponse>("ListDemands", r => r.Page.PageToken switch
        {
            "" => new ListDemandsResponse { Demands = { StoredDemand(1, "R1") }, NextPageToken = "p2" },
            _ => new ListDemandsResponse { Demands = { StoredDemand(2, "R,2") } },
        });
        var file = Path.Combine(Path.GetTempPath(), $"demands-{Guid.NewGuid():N}.csv");
        try
        {
            var (exit, output, _) = await Run(server, "demands", "list", "--csv", file);

            Assert.Equal(ExitCodes.Ok, exit);
            Assert.Contains($"2 rows written to {file}", output);
            Assert.Equal(
                "id,request_id,sku,quantity,produced,region,due,priority,status,submitter\n"
                + "1,R1,WATER,500,120,HN,2025-03-03,CRITICAL,OPEN,alice\n"
                + "2,\"R,2\",WATER,500,120,HN,2025-03-03,CRITICAL,OPEN,alice\n",
                await File.ReadAllTextAsync(file));
            Assert.Equal(["", "p2"], server.Requests<ListDemandsRequest>().Select(r => r.Page.PageToken));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task CsvToAFileThatCannotBeWrittenIsAnErrorNotATrace()
    {
        var server = new FakeDispatchServer().On<ListDemandsRequest, ListDemandsResponse>("ListDemands", _ => new ListDemandsResponse { Demands = { StoredDemand(1) } });

        var (exit, _, error) = await Run(server, "demands", "list", "--csv", "/no/such/folder/demands.csv");

        Assert.Equal(ExitCodes.Failed, exit);
        Assert.StartsWith("error: cannot write /no/such/folder/demands.csv", error);
    }

    [Fact]
    public async Task WatchReconnectsFromTheLastVersionItPrinted()
    {
        var attempts = 0;
        static WatchAssignmentsResponse Change(long version) =>
            new() { Assignment = new WorkAssignment { AssignmentId = version, FactoryId = "F1", Sku = "MASK", Quantity = 10, Version = version, Status = AssignmentStatus.Pending } };
        IEnumerable<WatchAssignmentsResponse> Stream(WatchAssignmentsRequest request)
        {
            switch (attempts++)
            {
                case 0:
                    throw new RpcException(new Status(StatusCode.Unavailable, "connection refused"));
                case 1:
                    yield return Change(4);
                    yield return new WatchAssignmentsResponse { Synced = new WatchSynced { Version = 4 } };
                    yield return Change(5);
                    throw new RpcException(new Status(StatusCode.Unavailable, "connection reset"));
                default:
                    yield return new WatchAssignmentsResponse { Synced = new WatchSynced { Version = request.AfterVersion } };
                    throw new RpcException(new Status(StatusCode.PermissionDenied, "key revoked"));
            }
        }
        var server = new FakeDispatchServer().OnStream<WatchAssignmentsRequest, WatchAssignmentsResponse>("WatchAssignments", Stream);

        var (exit, output, error) = await Run(server, "assignments", "watch", "--factory", "F1", "--after-version", "3");

        // Two reconnections, the second from version 5 (the last change printed); a refusal ends it.
        Assert.Equal([3L, 3L, 5L], server.Requests<WatchAssignmentsRequest>().Select(r => r.AfterVersion));
        Assert.Contains("watch interrupted (Unavailable: connection refused); reconnecting in 0.5 s from version 3", error);
        Assert.Contains("watch interrupted (Unavailable: connection reset); reconnecting in 0.5 s from version 5", error);
        Assert.Contains("synced at version 5", output);
        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Contains("PermissionDenied", error);

        // With --no-reconnect, the first loss ends it with the version to resume from.
        attempts = 1;
        var (once, _, onceError) = await Run(server, "assignments", "watch", "--factory", "F1", "--no-reconnect");
        Assert.Equal(ExitCodes.Failed, once);
        Assert.Contains("error: Unavailable: connection reset; resume with --after-version 5", onceError);
    }

    [Fact]
    public async Task DemandsGetByRequestIdAsksForThatSubmitter()
    {
        var server = new FakeDispatchServer().On<GetDemandRequest, Demand>("GetDemand", _ => StoredDemand(4));

        var (exit, output, _) = await Run(server, "demands", "get", "--request-id", "R1", "--submitter", "alice");

        Assert.Equal(ExitCodes.Ok, exit);
        var request = server.Requests<GetDemandRequest>().Single();
        Assert.Equal(("R1", "alice"), (request.RequestId, request.Submitter));
        Assert.Contains("CRITICAL", output);
    }

    [Fact]
    public async Task DemandsGetWithoutAnIdOrRequestIdIsRefused()
    {
        var server = new FakeDispatchServer();

        var (exit, _, error) = await Run(server, "demands", "get");

        Assert.NotEqual(ExitCodes.Ok, exit);
        Assert.Contains("Give exactly one of demand_id or --request-id.", error);
        Assert.Empty(server.Calls);
    }

    [Fact]
    public async Task DemandsSubmitSendsOneLine()
    {
        var server = new FakeDispatchServer().On<SubmitDemandsRequest, SubmitDemandsResponse>("SubmitDemands", ScenarioImporterTests.Submitted);

        var (exit, _, _) = await Run(server, "demands", "submit",
            "--request-id", "R9", "--sku", "WATER", "--quantity", "12", "--region", "HB", "--due", "2025-03-09", "--priority", "LOW");

        Assert.Equal(ExitCodes.Ok, exit);
        var line = server.Requests<SubmitDemandsRequest>().Single().Lines.Single();
        Assert.Equal(
            new DemandLine { RequestId = "R9", Sku = "WATER", Quantity = 12, Region = "HB", DueDate = "2025-03-09", Priority = Priority.Low },
            line);
    }

    [Fact]
    public async Task DemandsCancelSendsTheReason()
    {
        var server = new FakeDispatchServer().On<CancelDemandRequest, Demand>("CancelDemand", r =>
        {
            var demand = StoredDemand(r.DemandId);
            demand.Status = DemandStatus.Cancelled;
            demand.CancelReason = r.Reason;
            return demand;
        });

        var (exit, output, _) = await Run(server, "demands", "cancel", "5", "--reason", "duplicate");

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Equal((5L, "duplicate"), server.Requests<CancelDemandRequest>().Select(r => (r.DemandId, r.Reason)).Single());
        Assert.Contains("CANCELLED", output);
    }

    [Fact]
    public async Task FailedCallPrintsTheCodeAndDetailAndExitsWithOne()
    {
        var server = new FakeDispatchServer().On<GetDemandRequest, Demand>("GetDemand", _ =>
            throw new RpcException(new Grpc.Core.Status(StatusCode.NotFound, "demand 9 does not exist")));

        var (exit, output, error) = await Run(server, "demands", "get", "9");

        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Equal("error: NotFound: demand 9 does not exist", error.Trim());
        Assert.Equal("", output);
    }

    [Fact]
    public async Task RegistryFactoryShowsTheFactoryAndItsCapabilities()
    {
        var server = new FakeDispatchServer().On<GetFactoryRequest, FactoryDetail>("GetFactory", r => new FactoryDetail
        {
            Factory = new Factory { FactoryId = r.FactoryId, Name = "Wuhan plant", Region = "HB" },
            Capabilities = { new Capability { FactoryId = r.FactoryId, Sku = "WATER", UnitsPerDay = 1000, UnitCost = 0.5 } },
        });

        var (exit, output, _) = await Run(server, "registry", "factory", "F1");

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("Wuhan plant", output);
        Assert.Matches(@"F1\s*│\s*WATER\s*│\s*1000\s*│\s*0\.5", output);
    }

    [Fact]
    public async Task RegistryListsSendTheirFilters()
    {
        var server = new FakeDispatchServer()
            .On<ListAvailabilityRequest, ListAvailabilityResponse>("ListAvailability", _ => new ListAvailabilityResponse
            {
                Days = { new AvailabilityDay { FactoryId = "F1", Date = "2025-03-01", Factor = 0 } },
            })
            .On<ListLanesRequest, ListLanesResponse>("ListLanes", _ => new ListLanesResponse());

        var (exit, output, _) = await Run(server, "registry", "availability", "list", "--factory", "F1", "--from", "2025-03-01", "--to", "2025-03-31");
        await Run(server, "registry", "lanes", "list", "--from", "HB");

        Assert.Equal(ExitCodes.Ok, exit);
        var availability = server.Requests<ListAvailabilityRequest>().Single();
        Assert.Equal(("F1", "2025-03-01", "2025-03-31"), (availability.FactoryId, availability.FromDate, availability.ToDate));
        Assert.Equal(("HB", ""), server.Requests<ListLanesRequest>().Select(r => (r.FromRegion, r.ToRegion)).Single());
        Assert.Contains("2025-03-01", output);
    }

    [Fact]
    public async Task UnreachableServerIsNamedInTheError()
    {
        var (exit, _, error) = await Run(null, "demands", "list", "--server", "http://127.0.0.1:1");

        Assert.Equal(ExitCodes.Failed, exit);
        Assert.StartsWith("error: cannot reach the dispatch server at http://127.0.0.1:1: connection refused.", error);
    }
}
