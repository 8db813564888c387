using EmergencyDispatch.Planning.Model;

namespace EmergencyDispatch.Planning.Scenarios;

/// <summary>Everything a scenario folder holds (MODEL.md "Scenario files").</summary>
public sealed record Scenario(
    IReadOnlyList<Product> Products,
    IReadOnlyList<Factory> Factories,
    IReadOnlyList<Capability> Capabilities,
    IReadOnlyList<AvailabilityDay> Availability,
    IReadOnlyList<Lane> Lanes,
    IReadOnlyList<DemandLine> Demands,
    DateOnly? StartDate,
    int HorizonDays)
{
    /// <summary>Stock lots (<c>stock.csv</c>); none when the file is absent.</summary>
    public IReadOnlyList<StockLot> StockLots { get; init; } = [];

    /// <summary>Materials (<c>materials.csv</c>).</summary>
    public IReadOnlyList<Material> Materials { get; init; } = [];

    /// <summary>Bills of materials (<c>bom.csv</c>).</summary>
    public IReadOnlyList<BomLine> Bom { get; init; } = [];

    /// <summary>Material supply (<c>material_supply.csv</c>).</summary>
    public IReadOnlyList<MaterialSupply> MaterialSupply { get; init; } = [];

    /// <summary>Options (<c>options.csv</c>): lines the factories can add.</summary>
    public IReadOnlyList<ProductionOption> Options { get; init; } = [];

    /// <summary>The most the plan may spend on the fixed costs of options (scenario.json <c>option_budget</c>, default 0).</summary>
    public double OptionBudget { get; init; }
}

/// <summary>A problem in a scenario file, printed as <c>file:line: field: problem</c>.</summary>
public sealed record ScenarioError(string File, int Line, string Field, string Problem)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}: {Field}: {Problem}" : $"{File}: {Field}: {Problem}";
}

/// <summary>A checked scenario folder with every row's CSV line, so that a later refusal can point back at the file.</summary>
public sealed record ScenarioRows(
    IReadOnlyList<(int Line, Product Value)> Products,
    IReadOnlyList<(int Line, Factory Value)> Factories,
    IReadOnlyList<(int Line, Capability Value)> Capabilities,
    IReadOnlyList<(int Line, AvailabilityDay Value)> Availability,
    IReadOnlyList<(int Line, Lane Value)> Lanes,
    IReadOnlyList<(int Line, DemandLine Value)> Demands,
    DateOnly? StartDate,
    int HorizonDays)
{
    public IReadOnlyList<(int Line, StockLot Value)> StockLots { get; init; } = [];

    public IReadOnlyList<(int Line, Material Value)> Materials { get; init; } = [];

    public IReadOnlyList<(int Line, BomLine Value)> Bom { get; init; } = [];

    public IReadOnlyList<(int Line, MaterialSupply Value)> MaterialSupply { get; init; } = [];

    public IReadOnlyList<(int Line, ProductionOption Value)> Options { get; init; } = [];

    public double OptionBudget { get; init; }

    /// <summary>The scenario without line numbers.</summary>
    public Scenario ToScenario() => new(
        Products.Select(r => r.Value).ToList(),
        Factories.Select(r => r.Value).ToList(),
        Capabilities.Select(r => r.Value).ToList(),
        Availability.Select(r => r.Value).ToList(),
        Lanes.Select(r => r.Value).ToList(),
        Demands.Select(r => r.Value).ToList(),
        StartDate,
        HorizonDays)
    {
        StockLots = StockLots.Select(r => r.Value).ToList(),
        Materials = Materials.Select(r => r.Value).ToList(),
        Bom = Bom.Select(r => r.Value).ToList(),
        MaterialSupply = MaterialSupply.Select(r => r.Value).ToList(),
        Options = Options.Select(r => r.Value).ToList(),
        OptionBudget = OptionBudget,
    };
}
