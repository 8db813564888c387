using System.Reflection;
using EmergencyDispatch.Api.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;

namespace EmergencyDispatch.Tests.Server;

/// <summary>
/// A valid, realistic request of every RPC of the API and the state they refer to, shared by the tests that call
/// every method (bad input, HTTP/JSON transcoding).
/// </summary>
public static class ApiCalls
{
    /// <summary>Every service the API assembly describes, found from its proto files, so that a new one is called too (or fails for want of base requests).</summary>
    public static readonly ServiceDescriptor[] Services =
    [
        .. typeof(RegistryService).Assembly.GetTypes()
            .Select(t => t.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null))
            .OfType<FileDescriptor>()
            .SelectMany(f => f.Services)
            .OrderBy(s => s.FullName, StringComparer.Ordinal),
    ];

    /// <summary>A method's name as the tables here key it: <c>Service/Method</c>.</summary>
    public static string Name(MethodDescriptor m) => $"{m.Service.Name}/{m.Name}";

    /// <summary>Ids and tokens that exist once a small registry, demand, two plans (one published), acknowledgements, a report and keys are stored.</summary>
    public static async Task<ApiState> Prepare(GrpcChannel channel)
    {
        var registry = new RegistryService.RegistryServiceClient(channel);
        var demand = new DemandService.DemandServiceClient(channel);
        var planning = new PlanningService.PlanningServiceClient(channel);
        var assignments = new AssignmentService.AssignmentServiceClient(channel);
        var audit = new AuditService.AuditServiceClient(channel);
        var admin = new AdminService.AdminServiceClient(channel);

        await Fixtures.RegisterSmallRegistry(registry);
        await registry.UpsertAvailabilityAsync(new UpsertAvailabilityRequest
        {
            Ranges = { new AvailabilityRange { FactoryId = "F2", FromDate = "2020-02-05", ToDate = "2020-02-06", Factor = 0.5 } },
        });
        var submitted = await demand.SubmitDemandsAsync(Fixtures.Batch(
            Fixtures.Line("D-1", 600), Fixtures.Line("D-2", 900, priority: Priority.Critical), Fixtures.Line("D-3", 1500, due: "2020-02-07"),
            Fixtures.Line("D-4", 400, priority: Priority.Low), Fixtures.Line("D-5", 50, priority: Priority.Normal), Fixtures.Line("D-CANCEL", 10)));
        var demandIds = submitted.Demands.Select(d => d.DemandId).ToList();
        await demand.CancelDemandAsync(new CancelDemandRequest { DemandId = demandIds[^1], Reason = "entered twice" });

        var active = await Plan(planning, publish: true);
        var listed = await assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = "F1", Page = new PageRequest { PageSize = 1000 } });
        Assert.True(listed.Assignments.Count >= 2, "the published plan gives F1 at least two assignments");
        var accepted = listed.Assignments[0];
        await assignments.AcknowledgeAssignmentAsync(new AcknowledgeAssignmentRequest { FactoryId = "F1", AssignmentId = accepted.AssignmentId, Decision = Decision.Accept });
        await assignments.ReportProductionAsync(new ReportProductionRequest { ReportId = "rep-1", FactoryId = "F1", AssignmentId = accepted.AssignmentId, Date = "2020-02-03", Quantity = 1 });
        var rejected = listed.Assignments.First(a => a.DemandId != accepted.DemandId);
        await assignments.AcknowledgeAssignmentAsync(new AcknowledgeAssignmentRequest
            { FactoryId = "F1", AssignmentId = rejected.AssignmentId, Decision = Decision.Reject, Reason = "line down for cleaning" });
        var draft = await Plan(planning, publish: false);

        // Stock and materials registered after the plans, so that the plans above are the small registry's.
        await registry.UpsertFactoriesAsync(new UpsertFactoriesRequest { Factories = { new Api.V1.Factory { FactoryId = "DEPOT", Name = "Reserve", Region = "R2" } } });
        await registry.UpsertStockLotsAsync(new UpsertStockLotsRequest { Lots = { SupplyLot("R-1"), SupplyLot("R-2") } });
        await registry.UpsertOptionsAsync(new UpsertOptionsRequest { Options = { Line("O-1"), Line("O-2") } });
        await registry.UpsertMaterialsAsync(new UpsertMaterialsRequest { Materials = { Fabric("MELTBLOWN"), Fabric("NONWOVEN") } });
        await registry.UpsertBomAsync(new UpsertBomRequest { Lines = { new BomLine { Sku = "MASK", MaterialId = "MELTBLOWN", PerUnit = 1e-6 }, new BomLine { Sku = "SUIT", MaterialId = "NONWOVEN", PerUnit = 0.002 } } });
        await registry.UpsertMaterialSupplyAsync(new UpsertMaterialSupplyRequest { Supply = { Supplied("2020-02-03"), Supplied("2020-02-04") } });

        // A plan with a budget that takes a line of F1 (demand past its capacity), published: F1 has an option order.
        await registry.UpsertOptionsAsync(new UpsertOptionsRequest
        {
            Options = { new ProductionOption { OptionId = "O-F1", FactoryId = "F1", Sku = "MASK", UnitsPerDay = 2000, UnitCost = 0.7, ReadyDate = "2020-02-04", RampDays = 1, FixedCost = 100_000 } },
        });
        await demand.SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("D-BIG", 12_000, due: "2020-02-09")));
        PlanSummary withOption;
        using (var call = planning.CreatePlan(new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = 7, OptionBudget = 1e6, Publish = true }))
            withOption = (await PlanStreams.ReadAll(call))[^1].Plan;
        var order = (await assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = "F1" })).OptionOrders.Single();

        var spare = await admin.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "spare", Role = Role.Coordinator });
        await admin.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "f1-line", Role = Role.Factory, FactoryId = "F1" });
        var keys = await admin.ListApiKeysAsync(new ListApiKeysRequest { Page = new PageRequest { PageSize = 1000 } });
        var adminKey = keys.Keys.Single(k => k.CreatedBy == "startup");
        var head = await audit.GetLedgerHeadAsync(new GetLedgerHeadRequest());

        // Real tokens of every paged list, so that the fuzzer sends valid continuations as well as forged ones.
        var one = new PageRequest { PageSize = 1 };
        var tokens = new List<string>
        {
            (await registry.ListProductsAsync(new ListProductsRequest { Page = one })).NextPageToken,
            (await registry.ListCapabilitiesAsync(new ListCapabilitiesRequest { Page = one })).NextPageToken,
            (await registry.ListFactoriesAsync(new ListFactoriesRequest { Page = one })).NextPageToken,
            (await registry.ListAvailabilityAsync(new ListAvailabilityRequest { Page = one })).NextPageToken,
            (await registry.ListStockLotsAsync(new ListStockLotsRequest { Page = one })).NextPageToken,
            (await registry.ListOptionsAsync(new ListOptionsRequest { Page = one })).NextPageToken,
            (await registry.ListMaterialsAsync(new ListMaterialsRequest { Page = one })).NextPageToken,
            (await registry.ListBomAsync(new ListBomRequest { Page = one })).NextPageToken,
            (await registry.ListMaterialSupplyAsync(new ListMaterialSupplyRequest { Page = one })).NextPageToken,
            (await demand.ListDemandsAsync(new ListDemandsRequest { Page = one })).NextPageToken,
            (await assignments.ListAssignmentsAsync(new ListAssignmentsRequest { FactoryId = "F1", Page = one })).NextPageToken,
            (await audit.ListEventsAsync(new ListEventsRequest { Page = one })).NextPageToken,
            (await audit.ListPlansAsync(new ListPlansRequest { Page = one })).NextPageToken,
            (await admin.ListApiKeysAsync(new ListApiKeysRequest { Page = one })).NextPageToken,
            (await planning.GetPlanAsync(new GetPlanRequest { PlanId = active.PlanId, View = PlanView.Assignments, Page = one })).NextPageToken,
        };

        return new ApiState
        {
            DemandIds = demandIds,
            ActivePlanId = withOption.PlanId,
            OptionOrderId = order.OrderId,
            DraftPlanId = draft.PlanId,
            AcceptedAssignmentId = accepted.AssignmentId,
            AssignmentIds = [.. listed.Assignments.Select(a => a.AssignmentId)],
            Version = listed.Assignments.Max(a => a.Version),
            AdminKeyId = adminKey.KeyId,
            AdminName = adminKey.Name,
            SpareKeyId = spare.Key.KeyId,
            KeyIds = [.. keys.Keys.Select(k => k.KeyId)],
            Head = head,
            Tokens = [.. tokens.Where(t => t.Length > 0)],
        };
    }

    private static async Task<PlanSummary> Plan(PlanningService.PlanningServiceClient planning, bool publish)
    {
        using var call = planning.CreatePlan(new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = 7, Planner = Api.V1.Planner.Greedy, Publish = publish });
        return (await PlanStreams.ReadAll(call))[^1].Plan;
    }

    /// <summary>A valid, realistic request of every RPC, made afresh for each call.</summary>
    private static ProductionOption Line(string id) =>
        new() { OptionId = id, FactoryId = "F2", Sku = "MASK", UnitsPerDay = 800, UnitCost = 0.6, ReadyDate = "2020-02-06", RampDays = 2, FixedCost = 250_000 };

    private static StockLot SupplyLot(string id) =>
        new() { StockId = id, FactoryId = "DEPOT", Sku = "MASK", Quantity = 5000, AvailableDate = "2020-02-01", UnitCost = 0.2 };

    private static Material Fabric(string id) => new() { MaterialId = id, Name = "Fabric " + id, Unit = "t" };

    private static MaterialSupply Supplied(string date) => new() { MaterialId = "MELTBLOWN", Region = "R1", Date = date, Quantity = 26 };

    public static Dictionary<string, Func<IMessage>> BaseRequests(ApiState s)
    {
        static PageRequest Page(int size) => new() { PageSize = size };
        var d1 = s.DemandIds[0];
        return new Dictionary<string, Func<IMessage>>(StringComparer.Ordinal)
        {
            ["RegistryService/UpsertProducts"] = () => new UpsertProductsRequest
            {
                Products =
                {
                    new Api.V1.Product { Sku = "MASK", Name = "Surgical mask", Unit = "piece" },
                    new Api.V1.Product { Sku = "SUIT", Name = "Protective suit", Unit = "set" },
                },
            },
            ["RegistryService/GetProduct"] = () => new GetProductRequest { Sku = "MASK" },
            ["RegistryService/ListProducts"] = () => new ListProductsRequest { Page = Page(10) },
            ["RegistryService/UpsertFactories"] = () => new UpsertFactoriesRequest
            {
                Factories =
                {
                    new Api.V1.Factory { FactoryId = "F1", Name = "Factory one", Region = "R1" },
                    new Api.V1.Factory { FactoryId = "F2", Name = "Factory two", Region = "R2" },
                },
            },
            ["RegistryService/GetFactory"] = () => new GetFactoryRequest { FactoryId = "F1" },
            ["RegistryService/ListFactories"] = () => new ListFactoriesRequest { Page = Page(5), Region = "R1" },
            ["RegistryService/UpsertCapabilities"] = () => new UpsertCapabilitiesRequest
            {
                Capabilities = { new Api.V1.Capability { FactoryId = "F1", Sku = "MASK", UnitsPerDay = 1000, UnitCost = 0.5 } },
            },
            ["RegistryService/ListCapabilities"] = () => new ListCapabilitiesRequest { Page = Page(10), FactoryId = "F1", Sku = "MASK" },
            ["RegistryService/UpsertAvailability"] = () => new UpsertAvailabilityRequest
            {
                Ranges = { new AvailabilityRange { FactoryId = "F2", FromDate = "2020-02-05", ToDate = "2020-02-06", Factor = 0.5 } },
            },
            ["RegistryService/ListAvailability"] = () => new ListAvailabilityRequest { Page = Page(10), FactoryId = "F2", FromDate = "2020-02-01", ToDate = "2020-02-29" },
            ["RegistryService/UpsertLanes"] = () => new UpsertLanesRequest
            {
                Lanes = { new Api.V1.Lane { FromRegion = "R1", ToRegion = "R3", LeadDays = 2, UnitCost = 0.1 } },
            },
            ["RegistryService/ListLanes"] = () => new ListLanesRequest { Page = Page(10), FromRegion = "R1", ToRegion = "R3" },
            ["RegistryService/UpsertStockLots"] = () => new UpsertStockLotsRequest { Lots = { SupplyLot("R-1"), SupplyLot("R-3") } },
            ["RegistryService/GetStockLot"] = () => new GetStockLotRequest { StockId = "R-1" },
            ["RegistryService/ListStockLots"] = () => new ListStockLotsRequest { Page = Page(10), FactoryId = "DEPOT", Sku = "MASK" },
            ["RegistryService/UpsertOptions"] = () => new UpsertOptionsRequest { Options = { Line("O-1"), Line("O-3") } },
            ["RegistryService/GetOption"] = () => new GetOptionRequest { OptionId = "O-1" },
            ["RegistryService/ListOptions"] = () => new ListOptionsRequest { Page = Page(10), FactoryId = "F2", Sku = "MASK" },
            ["RegistryService/UpsertMaterials"] = () => new UpsertMaterialsRequest { Materials = { Fabric("MELTBLOWN"), Fabric("ELASTIC") } },
            ["RegistryService/GetMaterial"] = () => new GetMaterialRequest { MaterialId = "MELTBLOWN" },
            ["RegistryService/ListMaterials"] = () => new ListMaterialsRequest { Page = Page(10) },
            ["RegistryService/UpsertBom"] = () => new UpsertBomRequest { Lines = { new BomLine { Sku = "MASK", MaterialId = "MELTBLOWN", PerUnit = 1e-6 } } },
            ["RegistryService/ListBom"] = () => new ListBomRequest { Page = Page(10), Sku = "MASK", MaterialId = "MELTBLOWN" },
            ["RegistryService/UpsertMaterialSupply"] = () => new UpsertMaterialSupplyRequest { Supply = { Supplied("2020-02-03"), Supplied("2020-02-05") } },
            ["RegistryService/ListMaterialSupply"] = () => new ListMaterialSupplyRequest { Page = Page(10), MaterialId = "MELTBLOWN", Region = "R1", FromDate = "2020-02-01", ToDate = "2020-02-29" },

            ["DemandService/SubmitDemands"] = () => Fixtures.Batch(Fixtures.Line("D-1", 600), Fixtures.Line("D-5", 50, priority: Priority.Normal)),
            ["DemandService/GetDemand"] = () => new GetDemandRequest { DemandId = d1 },
            ["DemandService/ListDemands"] = () => new ListDemandsRequest
            {
                Page = Page(10), Statuses = { DemandStatus.Open, DemandStatus.PartiallyFulfilled }, Region = "R3", Sku = "MASK",
                Priority = Priority.High, Submitter = s.AdminName,
            },
            ["DemandService/CancelDemand"] = () => new CancelDemandRequest { DemandId = s.DemandIds[^1], Reason = "entered twice" },

            ["PlanningService/CreatePlan"] = () => new CreatePlanRequest
            {
                StartDate = "2020-02-03", HorizonDays = 5, Planner = Api.V1.Planner.Greedy, TimeLimit = Duration.FromTimeSpan(TimeSpan.FromSeconds(10)), FrozenDays = 1,
            },
            ["PlanningService/WatchPlans"] = () => new WatchPlansRequest(),
            ["PlanningService/GetPlan"] = () => new GetPlanRequest { PlanId = s.ActivePlanId, View = PlanView.Assignments, Page = Page(5) },
            ["PlanningService/PublishPlan"] = () => new PublishPlanRequest { PlanId = s.ActivePlanId },
            ["PlanningService/SweepOptionBudgets"] = () => new SweepOptionBudgetsRequest
            {
                StartDate = "2020-02-03", HorizonDays = 5, TimeLimit = Duration.FromTimeSpan(TimeSpan.FromSeconds(10)), FrozenDays = 1, Budgets = { 0, 1e6 },
            },

            ["AssignmentService/ListAssignments"] = () => new ListAssignmentsRequest
            {
                FactoryId = "F1", FromDate = "2020-02-01", ToDate = "2020-02-29", Page = Page(10), IncludeWithdrawn = true,
            },
            ["AssignmentService/WatchAssignments"] = () => new WatchAssignmentsRequest { FactoryId = "F1" },
            ["AssignmentService/AcknowledgeAssignment"] = () => new AcknowledgeAssignmentRequest { FactoryId = "F1", AssignmentId = s.AcceptedAssignmentId, Decision = Decision.Accept },
            ["AssignmentService/ReportProduction"] = () => new ReportProductionRequest
            {
                ReportId = "rep-1", FactoryId = "F1", AssignmentId = s.AcceptedAssignmentId, Date = "2020-02-03", Quantity = 1,
            },
            ["AssignmentService/UpdateAvailability"] = () => new UpdateAvailabilityRequest { FactoryId = "F2", FromDate = "2020-03-01", ToDate = "2020-03-03", Factor = 1.5 },
            ["AssignmentService/ListRejections"] = () => new ListRejectionsRequest { FactoryId = "F1", Page = Page(10) },
            ["AssignmentService/ClearRejection"] = () => new ClearRejectionRequest { FactoryId = "F2", DemandId = d1 },
            ["AssignmentService/AcknowledgeOptionOrder"] = () => new AcknowledgeOptionOrderRequest { FactoryId = "F1", OrderId = s.OptionOrderId, Decision = Decision.Accept },
            ["AssignmentService/ListOptionRejections"] = () => new ListOptionRejectionsRequest { FactoryId = "F1", Page = Page(10) },
            ["AssignmentService/ClearOptionRejection"] = () => new ClearOptionRejectionRequest { OptionId = "O-F1" },

            ["AuditService/ListPlans"] = () => new ListPlansRequest
            {
                CreatedFrom = Timestamp.FromDateTime(new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
                CreatedTo = Timestamp.FromDateTime(new DateTime(2100, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
                Statuses = { PlanStatus.Draft, PlanStatus.Active }, Page = Page(10),
            },
            ["AuditService/GetPlanInputs"] = () => new GetPlanInputsRequest { PlanId = s.ActivePlanId },
            ["AuditService/DiffPlans"] = () => new DiffPlansRequest { PlanA = s.ActivePlanId, PlanB = s.DraftPlanId },
            ["AuditService/ReplayPlan"] = () => new ReplayPlanRequest { PlanId = s.DraftPlanId },
            ["AuditService/ExplainDemand"] = () => new ExplainDemandRequest { DemandId = d1, Page = Page(5) },
            ["AuditService/ListEvents"] = () => new ListEventsRequest
            {
                Rpc = "DemandService/SubmitDemands", Actor = s.AdminName, From = Timestamp.FromDateTime(new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
                To = Timestamp.FromDateTime(new DateTime(2100, 1, 1, 0, 0, 0, DateTimeKind.Utc)), Page = Page(10),
            },
            ["AuditService/GetLedgerHead"] = () => new GetLedgerHeadRequest(),
            ["AuditService/VerifyLedger"] = () => new VerifyLedgerRequest { Head = s.Head.Clone() },

            ["AdminService/CreateApiKey"] = () => new CreateApiKeyRequest { Name = "fuzz", Role = Role.Auditor },
            ["AdminService/ListApiKeys"] = () => new ListApiKeysRequest { Page = Page(10), IncludeRevoked = true },
            ["AdminService/GetCaller"] = () => new GetCallerRequest(),
            ["AdminService/RevokeApiKey"] = () => new RevokeApiKeyRequest { KeyId = s.SpareKeyId },
        };
    }
}

/// <summary>What exists in the database before any call made of the base requests.</summary>
public sealed class ApiState
{
    public required List<long> DemandIds { get; init; }
    public required long ActivePlanId { get; init; }
    public required long DraftPlanId { get; init; }
    public required long AcceptedAssignmentId { get; init; }
    public required long OptionOrderId { get; init; }
    public required List<long> AssignmentIds { get; init; }
    public required long Version { get; init; }
    public required long AdminKeyId { get; init; }
    public required string AdminName { get; init; }
    public required long SpareKeyId { get; init; }
    public required List<long> KeyIds { get; init; }
    public required LedgerHead Head { get; init; }
    public required List<string> Tokens { get; init; }
}
