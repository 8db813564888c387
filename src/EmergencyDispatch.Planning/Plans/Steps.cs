using EmergencyDispatch.Planning.Model;

namespace EmergencyDispatch.Planning.Plans;

/// <summary>What one objective step measures (MODEL.md "Objective").</summary>
public enum StepKind
{
    /// <summary>The smallest on-time fill ratio over the tier's servable demands (1 when it has none); maximised.</summary>
    FairShare,
    /// <summary>The tier's on-time units; maximised.</summary>
    OnTime,
    /// <summary>The tier's delivered units, on time plus late; maximised.</summary>
    Delivered,
    /// <summary>Σ late units × days late × tier weight; minimised.</summary>
    Lateness,
    /// <summary>Σ fixed_cost over the options taken and not committed; minimised.</summary>
    OptionCost,
    /// <summary>Σ units × (the source's unit cost + lane unit cost); minimised.</summary>
    Cost,
}

/// <summary>One step of the lexicographic objective; <see cref="Tier"/> is null for lateness, option cost and cost.</summary>
public sealed record Step(StepKind Kind, Priority? Tier)
{
    public bool Maximise => Kind is StepKind.FairShare or StepKind.OnTime or StepKind.Delivered;

    /// <summary>A stable name such as <c>CRITICAL.fair_share</c> or <c>cost</c>.</summary>
    public string Name => Kind switch
    {
        StepKind.FairShare => $"{Tier!.Value.ToCode()}.fair_share",
        StepKind.OnTime => $"{Tier!.Value.ToCode()}.on_time",
        StepKind.Delivered => $"{Tier!.Value.ToCode()}.delivered",
        StepKind.Lateness => "lateness",
        StepKind.OptionCost => "option_cost",
        StepKind.Cost => "cost",
        _ => throw new InvalidOperationException(),
    };

    public override string ToString() => Name;

    /// <summary>The 15 steps in MODEL.md order: fair share and on-time per tier, delivered per tier, lateness, option cost, cost.</summary>
    public static IReadOnlyList<Step> All { get; } =
    [
        .. Priorities.InOrder.SelectMany(p => new[] { new Step(StepKind.FairShare, p), new Step(StepKind.OnTime, p) }),
        .. Priorities.InOrder.Select(p => new Step(StepKind.Delivered, p)),
        new Step(StepKind.Lateness, null),
        new Step(StepKind.OptionCost, null),
        new Step(StepKind.Cost, null),
    ];
}

/// <summary>The value a plan reaches on one step.</summary>
public sealed record StepValue(Step Step, double Value);
