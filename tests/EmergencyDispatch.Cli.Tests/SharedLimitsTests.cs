using System.Globalization;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Cli;
using EmergencyDispatch.Cli.Infrastructure;
using EmergencyDispatch.Planning.Scenarios;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using static EmergencyDispatch.Testing.Fixtures;
using ApiPlanner = EmergencyDispatch.Api.V1.Planner;
using Rules = EmergencyDispatch.Planning.Model.Rules;

namespace EmergencyDispatch.Tests.Cli;

/// <summary>The service, with the small registry, shared by the limit tests (none of them changes what the others read).</summary>
public sealed class LimitsFixture : IAsyncLifetime
{
    public DispatchFactory Factory { get; } = new();

    public GrpcChannel Channel { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Channel = Factory.CreateChannel();
        await RegisterSmallRegistry(new RegistryService.RegistryServiceClient(Channel));
    }

    public Task DisposeAsync()
    {
        Channel.Dispose();
        Factory.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// Each rule of <see cref="Rules"/> holds the same on every path that takes the field: the bound itself is accepted
/// and the value just past it refused, by the gRPC services, the scenario reader and the CLI alike.
/// </summary>
public sealed class SharedLimitsTests(LimitsFixture fixture) : IClassFixture<LimitsFixture>
{
    private readonly RegistryService.RegistryServiceClient _registry = new(fixture.Channel);
    private readonly DemandService.DemandServiceClient _demand = new(fixture.Channel);
    private readonly AssignmentService.AssignmentServiceClient _assignments = new(fixture.Channel);
    private readonly PlanningService.PlanningServiceClient _planning = new(fixture.Channel);
    private readonly AuditService.AuditServiceClient _audit = new(fixture.Channel);
    private readonly AdminService.AdminServiceClient _admin = new(fixture.Channel);

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Runs a call: accepted means it did not fail with INVALID_ARGUMENT; refused means it did, naming exactly <paramref name="field"/>.</summary>
    private static async Task Expect(bool accepted, string field, Func<Task> call)
    {
        if (accepted)
        {
            try
            {
                await call();
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.InvalidArgument)
            {
                // NOT_FOUND and the like: the value passed the rule and the call got as far as looking it up.
            }
        }
        else
        {
            await Rpc.InvalidFields(call, field);
        }
    }

    /// <summary>Reads a scenario folder with one file replaced and says whether <paramref name="location"/> (<c>file:line: field</c>) has an error.</summary>
    private static void ExpectCsv(bool accepted, string location, string file, string text)
    {
        using var folder = new ScenarioFolder().Write(file, text);

        var errors = folder.ErrorLocations();

        if (accepted)
            Assert.DoesNotContain(location, errors);
        else
            Assert.Contains(location, errors);
    }

    /// <summary>Parses a dispatchctl command line without running it: whether it has errors.</summary>
    private static bool CliAccepts(params string[] args)
    {
        var root = DispatchCli.CreateRootCommand(CliConsole.FromWriters(new StringWriter(), new StringWriter()), _ => throw new InvalidOperationException("no call is made"));
        return root.Parse(args).Errors.Count == 0;
    }

    public static TheoryData<double, bool> Factors => new()
    {
        { Rules.MaxFactor, true },
        { Math.BitIncrement(Rules.MaxFactor), false },
        { 0, true },
        { Math.BitDecrement(0), false },
        { 1.5, true },
    };

    [Theory]
    [MemberData(nameof(Factors))]
    public async Task AvailabilityFactorHasOneBoundOnEveryPath(double factor, bool accepted)
    {
        await Expect(accepted, "ranges[0].factor", () => _registry.UpsertAvailabilityAsync(new UpsertAvailabilityRequest
        {
            Ranges = { new AvailabilityRange { FactoryId = "F2", FromDate = "2020-03-01", Factor = factor } },
        }).ResponseAsync);
        await Expect(accepted, "factor", () => _assignments.UpdateAvailabilityAsync(new UpdateAvailabilityRequest
        {
            FactoryId = "F2", FromDate = "2020-03-02", ToDate = "2020-03-02", Factor = factor,
        }).ResponseAsync);
        ExpectCsv(accepted, "availability.csv:2: factor", ScenarioReader.AvailabilityFile, $"factory_id,date,factor\nF1,2025-03-01,{Number(factor)}");
    }

    public static TheoryData<int, bool> RangeDays => new()
    {
        { Rules.MaxAvailabilityRangeDays, true },
        { Rules.MaxAvailabilityRangeDays + 1, false },
    };

    [Theory]
    [MemberData(nameof(RangeDays))]
    public async Task AvailabilityRangeHasOneLengthInBothServices(int days, bool accepted)
    {
        var from = new DateOnly(2030, 1, 1);
        var to = from.AddDays(days - 1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        await Expect(accepted, "ranges[0].to_date", () => _registry.UpsertAvailabilityAsync(new UpsertAvailabilityRequest
        {
            Ranges = { new AvailabilityRange { FactoryId = "F2", FromDate = "2030-01-01", ToDate = to, Factor = 1 } },
        }).ResponseAsync);
        await Expect(accepted, "to_date", () => _assignments.UpdateAvailabilityAsync(new UpdateAvailabilityRequest
        {
            FactoryId = "F2", FromDate = "2030-01-01", ToDate = to, Factor = 1,
        }).ResponseAsync);
    }

    public static TheoryData<double, bool> UnitsPerDay => new()
    {
        { Rules.MaxUnitsPerDay, true },
        { Math.BitIncrement(Rules.MaxUnitsPerDay), false },
        { double.Epsilon, true },
        { 0, false },
    };

    [Theory]
    [MemberData(nameof(UnitsPerDay))]
    public async Task UnitsPerDayHaveOneBoundOnEveryPath(double units, bool accepted)
    {
        await Expect(accepted, "capabilities[0].units_per_day", () => _registry.UpsertCapabilitiesAsync(new UpsertCapabilitiesRequest
        {
            Capabilities = { new Capability { FactoryId = "F2", Sku = "SUIT", UnitsPerDay = units, UnitCost = 1 } },
        }).ResponseAsync);
        ExpectCsv(accepted, "capabilities.csv:2: units_per_day", ScenarioReader.CapabilitiesFile,
            $"factory_id,sku,units_per_day,unit_cost\nF1,WATER,{Number(units)},0.5\nF2,BLANKET,200,3");
    }

    public static TheoryData<double, bool> UnitCosts => new()
    {
        { Rules.MaxUnitCost, true },
        { Math.BitIncrement(Rules.MaxUnitCost), false },
        { 0, true },
        { Math.BitDecrement(0), false },
    };

    [Theory]
    [MemberData(nameof(UnitCosts))]
    public async Task UnitCostsHaveOneBoundOnEveryPath(double cost, bool accepted)
    {
        await Expect(accepted, "capabilities[0].unit_cost", () => _registry.UpsertCapabilitiesAsync(new UpsertCapabilitiesRequest
        {
            Capabilities = { new Capability { FactoryId = "F2", Sku = "SUIT", UnitsPerDay = 10, UnitCost = cost } },
        }).ResponseAsync);
        await Expect(accepted, "lanes[0].unit_cost", () => _registry.UpsertLanesAsync(new UpsertLanesRequest
        {
            Lanes = { new Lane { FromRegion = "R2", ToRegion = "R3", LeadDays = 1, UnitCost = cost } },
        }).ResponseAsync);
        ExpectCsv(accepted, "capabilities.csv:2: unit_cost", ScenarioReader.CapabilitiesFile,
            $"factory_id,sku,units_per_day,unit_cost\nF1,WATER,1000,{Number(cost)}\nF2,BLANKET,200,3");
        ExpectCsv(accepted, "lanes.csv:2: unit_cost", ScenarioReader.LanesFile,
            $"from_region,to_region,lead_days,unit_cost\nHB,HN,1,{Number(cost)}\nHN,JX,2,0.4");
    }

    public static TheoryData<int, bool> LeadDays => new()
    {
        { Rules.MaxLeadDays, true },
        { Rules.MaxLeadDays + 1, false },
        { 0, true },
        { -1, false },
    };

    [Theory]
    [MemberData(nameof(LeadDays))]
    public async Task LeadTimeHasOneBoundOnEveryPath(int days, bool accepted)
    {
        await Expect(accepted, "lanes[0].lead_days", () => _registry.UpsertLanesAsync(new UpsertLanesRequest
        {
            Lanes = { new Lane { FromRegion = "R2", ToRegion = "R1", LeadDays = days, UnitCost = 0 } },
        }).ResponseAsync);
        ExpectCsv(accepted, "lanes.csv:2: lead_days", ScenarioReader.LanesFile,
            $"from_region,to_region,lead_days,unit_cost\nHB,HN,{days},0.2\nHN,JX,2,0.4");
    }

    public static TheoryData<long, bool> Quantities => new()
    {
        { Rules.MaxQuantity, true },
        { Rules.MaxQuantity + 1, false },
        { 1, true },
        { 0, false },
    };

    [Theory]
    [MemberData(nameof(Quantities))]
    public async Task QuantityHasOneBoundOnEveryPath(long quantity, bool accepted)
    {
        await Expect(accepted, "lines[0].quantity", () => _demand.SubmitDemandsAsync(Batch(Line($"Q-{quantity}", quantity))).ResponseAsync);
        await Expect(accepted, "quantity", () => _assignments.ReportProductionAsync(new ReportProductionRequest
        {
            ReportId = "rep", FactoryId = "F1", AssignmentId = 999_999, Date = "2020-02-05", Quantity = quantity,
        }).ResponseAsync);
        ExpectCsv(accepted, "demands.csv:2: quantity", ScenarioReader.DemandsFile,
            $"request_id,sku,quantity,region,due_date,priority\nR1,WATER,{quantity},HN,2025-03-03,CRITICAL");
    }

    public static TheoryData<string, bool> DueDates => new()
    {
        { $"{Rules.MaxDate:yyyy-MM-dd}", true },
        { $"{Rules.MaxDate.AddDays(1):yyyy-MM-dd}", false },
        { $"{Rules.MinDate:yyyy-MM-dd}", true },
        { $"{Rules.MinDate.AddDays(-1):yyyy-MM-dd}", false },
    };

    [Theory]
    [MemberData(nameof(DueDates))]
    public async Task DatesHaveOneRangeOnEveryPath(string date, bool accepted)
    {
        await Expect(accepted, "lines[0].due_date", () => _demand.SubmitDemandsAsync(Batch(Line($"D-{date}", due: date))).ResponseAsync);
        ExpectCsv(accepted, "demands.csv:2: due_date", ScenarioReader.DemandsFile,
            $"request_id,sku,quantity,region,due_date,priority\nR1,WATER,5,HN,{date},CRITICAL");
        ExpectCsv(accepted, "availability.csv:2: date", ScenarioReader.AvailabilityFile, $"factory_id,date,factor\nF1,{date},1");
    }

    public static TheoryData<int, bool> IdLengths => new()
    {
        { Rules.MaxIdLength, true },
        { Rules.MaxIdLength + 1, false },
    };

    [Theory]
    [MemberData(nameof(IdLengths))]
    public async Task IdsHaveOneLengthOnEveryPath(int length, bool accepted)
    {
        var id = new string('K', length);

        await Expect(accepted, "products[0].sku", () => _registry.UpsertProductsAsync(new UpsertProductsRequest
        {
            Products = { new Product { Sku = id, Name = "long sku", Unit = "piece" } },
        }).ResponseAsync);
        await Expect(accepted, "lines[0].request_id", () => _demand.SubmitDemandsAsync(Batch(Line(new string('R', length)))).ResponseAsync);
        await Expect(accepted, "name", () => _admin.CreateApiKeyAsync(new CreateApiKeyRequest { Name = new string('n', length), Role = Role.Auditor }).ResponseAsync);
        ExpectCsv(accepted, "products.csv:4: sku", ScenarioReader.ProductsFile, $"{ScenarioFolder.Products}\n{id},Long sku,box");
        ExpectCsv(accepted, "demands.csv:2: request_id", ScenarioReader.DemandsFile,
            $"request_id,sku,quantity,region,due_date,priority\n{new string('R', length)},WATER,5,HN,2025-03-03,CRITICAL");
    }

    public static TheoryData<int, bool> NameLengths => new()
    {
        { Rules.MaxNameLength, true },
        { Rules.MaxNameLength + 1, false },
    };

    [Theory]
    [MemberData(nameof(NameLengths))]
    public async Task ProductAndFactoryNamesHaveOneLengthOnEveryPath(int length, bool accepted)
    {
        var name = new string('n', length);

        await Expect(accepted, "products[0].name", () => _registry.UpsertProductsAsync(new UpsertProductsRequest
        {
            Products = { new Product { Sku = "NAMED", Name = name, Unit = "piece" } },
        }).ResponseAsync);
        await Expect(accepted, "factories[0].name", () => _registry.UpsertFactoriesAsync(new UpsertFactoriesRequest
        {
            Factories = { new Factory { FactoryId = "F-NAMED", Name = name, Region = "R2" } },
        }).ResponseAsync);
        ExpectCsv(accepted, "products.csv:4: name", ScenarioReader.ProductsFile, $"{ScenarioFolder.Products}\nNAMED,{name},box");
        ExpectCsv(accepted, "factories.csv:4: name", ScenarioReader.FactoriesFile, $"{ScenarioFolder.Factories}\nF3,{name},HB");
    }

    public static TheoryData<int, bool> UnitLengths => new()
    {
        { Rules.MaxUnitLength, true },
        { Rules.MaxUnitLength + 1, false },
    };

    [Theory]
    [MemberData(nameof(UnitLengths))]
    public async Task UnitHasOneLengthOnEveryPath(int length, bool accepted)
    {
        var unit = new string('u', length);

        await Expect(accepted, "products[0].unit", () => _registry.UpsertProductsAsync(new UpsertProductsRequest
        {
            Products = { new Product { Sku = "UNITED", Name = "unit test", Unit = unit } },
        }).ResponseAsync);
        ExpectCsv(accepted, "products.csv:4: unit", ScenarioReader.ProductsFile, $"{ScenarioFolder.Products}\nUNITED,Unit test,{unit}");
    }

    public static TheoryData<int, bool> CallerNameLengths => new()
    {
        { Rules.MaxCallerNameLength, true },
        { Rules.MaxCallerNameLength + 1, false },
    };

    [Theory]
    [MemberData(nameof(CallerNameLengths))]
    public async Task SubmitterAndActorNamesHaveOneLengthInEveryService(int length, bool accepted)
    {
        var name = new string('s', length);

        await Expect(accepted, "submitter", () => _demand.ListDemandsAsync(new ListDemandsRequest { Submitter = name }).ResponseAsync);
        await Expect(accepted, "submitter", () => _demand.GetDemandAsync(new GetDemandRequest { RequestId = "NONE", Submitter = name }).ResponseAsync);
        await Expect(accepted, "submitter", () => _audit.ExplainDemandAsync(new ExplainDemandRequest { RequestId = "NONE", Submitter = name }).ResponseAsync);
        await Expect(accepted, "actor", () => _audit.ListEventsAsync(new ListEventsRequest { Actor = name }).ResponseAsync);
        Assert.Equal(accepted, Rules.CheckCallerName(name) is null); // the rule a token's subject is held to at authentication
    }

    public static TheoryData<int, bool> ReasonLengths => new()
    {
        { Rules.MaxReasonLength, true },
        { Rules.MaxReasonLength + 1, false },
    };

    [Theory]
    [MemberData(nameof(ReasonLengths))]
    public async Task ReasonsHaveOneLengthInEveryService(int length, bool accepted)
    {
        var reason = new string('r', length);

        await Expect(accepted, "reason", () => _demand.CancelDemandAsync(new CancelDemandRequest { DemandId = 999_999, Reason = reason }).ResponseAsync);
        await Expect(accepted, "reason", () => _assignments.AcknowledgeAssignmentAsync(new AcknowledgeAssignmentRequest
        {
            FactoryId = "F1", AssignmentId = 999_999, Decision = Decision.Reject, Reason = reason,
        }).ResponseAsync);
    }

    public static TheoryData<int, bool> Horizons => new()
    {
        { Rules.MaxHorizonDays, true },
        { Rules.MaxHorizonDays + 1, false },
        { 1, true },
        { -1, false },
    };

    [Theory]
    [MemberData(nameof(Horizons))]
    public async Task HorizonHasOneBoundOnEveryPath(int days, bool accepted)
    {
        await Expect(accepted, "horizon_days", () => CreatePlan(new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = days, Planner = ApiPlanner.Greedy }));
        ExpectCsv(accepted, "scenario.json: horizon_days", ScenarioReader.ScenarioFile, $$"""{"start_date": "2025-03-01", "horizon_days": {{days}}}""");
        Assert.Equal(accepted, new GeneratorOptions { Days = days }.Validate().Count == 0);
        Assert.Equal(accepted, CliAccepts("plan", "create", "--horizon", $"{days}"));
    }

    public static TheoryData<int, bool> FrozenDays => new()
    {
        { 5, true },
        { 6, false },
        { 0, true },
        { -1, false },
    };

    [Theory]
    [MemberData(nameof(FrozenDays))]
    public async Task FrozenWindowHasOneBoundInServiceAndCli(int days, bool accepted)
    {
        await Expect(accepted, "frozen_days", () => CreatePlan(new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = 5, FrozenDays = days, Planner = ApiPlanner.Greedy }));
        Assert.Equal(accepted, CliAccepts("plan", "create", "--horizon", "5", "--frozen-days", $"{days}"));
    }

    [Fact]
    public void FrozenWindowDefaultsToTheDefaultHorizonInTheCli()
    {
        Assert.True(CliAccepts("plan", "create", "--frozen-days", $"{Rules.DefaultHorizonDays}"));
        Assert.False(CliAccepts("plan", "create", "--frozen-days", $"{Rules.DefaultHorizonDays + 1}"));
    }

    public static TheoryData<long, int, bool> TimeLimits => new()
    {
        { Rules.MaxTimeLimitSeconds, 0, true },
        { Rules.MaxTimeLimitSeconds, 1_000_000, false },
        { Rules.MaxTimeLimitSeconds + 1, 0, false },
        { 0, 1_000_000, true },
        // Plans store the limit in whole milliseconds: less than one is refused, not stored as 0.
        { 0, 999_999, false },
        { 0, 366, false },
    };

    [Theory]
    [MemberData(nameof(TimeLimits))]
    public async Task TimeLimitHasOneBoundOnEveryPath(long seconds, int nanos, bool accepted)
    {
        var text = (seconds + nanos / 1e9).ToString("R", CultureInfo.InvariantCulture);

        await Expect(accepted, "time_limit", () => CreatePlan(new CreatePlanRequest
        {
            StartDate = "2020-02-03", HorizonDays = 2, Planner = ApiPlanner.Greedy, TimeLimit = new Duration { Seconds = seconds, Nanos = nanos },
        }));
        Assert.Equal(accepted, CliAccepts("plan", "create", "--time-limit", text));
        Assert.Equal(accepted, CliAccepts("solve", "seeds", "--out", "unused", "--time-limit", text));
    }

    public static TheoryData<int, bool> PageSizes => new()
    {
        { Rules.MaxPageSize, true },
        { Rules.MaxPageSize + 1, false },
        { 0, true },
        { -1, false },
    };

    [Theory]
    [MemberData(nameof(PageSizes))]
    public async Task PageSizeHasOneBoundInServiceAndCli(int size, bool accepted)
    {
        await Expect(accepted, "page.page_size", () => _registry.ListProductsAsync(new ListProductsRequest { Page = new PageRequest { PageSize = size } }).ResponseAsync);
        await Expect(accepted, "page.page_size", () => _demand.ListDemandsAsync(new ListDemandsRequest { Page = new PageRequest { PageSize = size } }).ResponseAsync);
        Assert.Equal(accepted, CliAccepts("registry", "products", "list", "--page-size", $"{size}"));
    }

    public static TheoryData<int, bool> BatchSizes => new()
    {
        { Rules.MaxBatch, true },
        { Rules.MaxBatch + 1, false },
    };

    [Theory]
    [MemberData(nameof(BatchSizes))]
    public async Task BatchSizeHasOneBoundInServiceAndCli(int count, bool accepted)
    {
        var request = new UpsertProductsRequest();
        request.Products.AddRange(Enumerable.Range(0, count).Select(i => new Product { Sku = $"BATCH-{i}", Name = "batch", Unit = "piece" }));

        await Expect(accepted, "products", () => _registry.UpsertProductsAsync(request).ResponseAsync);
        Assert.Equal(accepted, CliAccepts("import", "seeds", "--batch-size", $"{count}"));
    }

    /// <summary>Runs CreatePlan to its end (a refused request fails on the first read).</summary>
    private async Task CreatePlan(CreatePlanRequest request)
    {
        using var call = _planning.CreatePlan(request);
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
        }
    }
}
