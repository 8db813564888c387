using EmergencyDispatch.Api.V1;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace EmergencyDispatch.Server.Security;

/// <summary>Who may call a method: anyone (health), any authenticated caller, or these roles; and whether a factory caller is held to its own factory.</summary>
public sealed record AccessRule(bool Open, IReadOnlySet<Role> Roles, bool FactoryScoped)
{
    public bool Allows(Role role) => Roles.Contains(role);
}

/// <summary>
/// The per-RPC policy. A method missing from it is refused to everyone (a test checks that every method of every
/// mapped service has a rule), so a new RPC is closed until it is given one.
/// </summary>
public static class AccessPolicy
{
    private static readonly Role[] Everyone = [Role.Admin, Role.Coordinator, Role.Factory, Role.Auditor];
    private static readonly Role[] Coordinators = [Role.Admin, Role.Coordinator];
    private static readonly Role[] Readers = [Role.Admin, Role.Coordinator, Role.Auditor];
    private static readonly Role[] Auditors = [Role.Admin, Role.Auditor];
    private static readonly Role[] Admins = [Role.Admin];

    private static readonly Dictionary<string, AccessRule> Rules = Build();

    /// <summary>The rule for a method path (<c>/package.Service/Method</c>); null when it has none.</summary>
    public static AccessRule? For(string method) => Rules.GetValueOrDefault(method);

    /// <summary>Every method path that has a rule.</summary>
    public static IReadOnlyCollection<string> Methods => Rules.Keys;

    private static Dictionary<string, AccessRule> Build()
    {
        var rules = new Dictionary<string, AccessRule>(StringComparer.Ordinal);
        void Add(ServiceDescriptor service, string method, Role[] roles, bool factoryScoped = false)
        {
            var found = service.FindMethodByName(method) ?? throw new InvalidOperationException($"{service.FullName} has no method {method}");
            rules.Add($"/{service.FullName}/{found.Name}", new AccessRule(false, roles.ToHashSet(), factoryScoped));
        }

        var registry = RegistryService.Descriptor;
        foreach (var method in registry.Methods)
            Add(registry, method.Name, method.Name.StartsWith("Upsert", StringComparison.Ordinal) ? Coordinators : Readers);

        var demand = DemandService.Descriptor;
        Add(demand, "SubmitDemands", Coordinators);
        Add(demand, "CancelDemand", Coordinators);
        Add(demand, "GetDemand", Readers);
        Add(demand, "ListDemands", Readers);

        var planning = PlanningService.Descriptor;
        Add(planning, "CreatePlan", Coordinators);
        Add(planning, "PublishPlan", Coordinators);
        Add(planning, "GetPlan", Readers);
        Add(planning, "WatchPlans", Readers);
        Add(planning, "SweepOptionBudgets", Coordinators);

        var assignments = AssignmentService.Descriptor;
        Add(assignments, "ListAssignments", Everyone, factoryScoped: true);
        Add(assignments, "WatchAssignments", Everyone, factoryScoped: true);
        Add(assignments, "ListRejections", Everyone, factoryScoped: true);
        Add(assignments, "AcknowledgeAssignment", [Role.Admin, Role.Factory], factoryScoped: true);
        Add(assignments, "ReportProduction", [Role.Admin, Role.Factory], factoryScoped: true);
        Add(assignments, "UpdateAvailability", [Role.Admin, Role.Coordinator, Role.Factory], factoryScoped: true);
        Add(assignments, "ClearRejection", Coordinators);
        Add(assignments, "AcknowledgeOptionOrder", [Role.Admin, Role.Factory], factoryScoped: true);
        Add(assignments, "ListOptionRejections", Everyone, factoryScoped: true);
        Add(assignments, "ClearOptionRejection", Coordinators);

        // A coordinator reads the plans it made, compares them and asks why a demand went short (the dashboard's plans
        // and shortfalls); the inputs, replays, the event log and the ledger are the auditors'.
        foreach (var method in AuditService.Descriptor.Methods)
            Add(AuditService.Descriptor, method.Name, method.Name is "ListPlans" or "DiffPlans" or "ExplainDemand" ? Readers : Auditors);
        foreach (var method in AdminService.Descriptor.Methods)
            Add(AdminService.Descriptor, method.Name, method.Name == "GetCaller" ? Everyone : Admins);

        // Health stays open (load balancers and orchestrators probe it); reflection describes the API to any caller with a key.
        var everyone = Everyone.ToHashSet();
        foreach (var method in new[] { "Check", "Watch", "List" })
            rules.Add($"/grpc.health.v1.Health/{method}", new AccessRule(true, everyone, false));
        foreach (var version in new[] { "v1", "v1alpha" })
            rules.Add($"/grpc.reflection.{version}.ServerReflection/ServerReflectionInfo", new AccessRule(false, everyone, false));
        return rules;
    }
}
