using EmergencyDispatch.Planning.Model;

namespace EmergencyDispatch.Planning.Plans;

/// <summary>
/// What one unit adds to each summed step of MODEL.md's objective: the one place the on-time, delivered, lateness and
/// cost measures are defined. The LP, the integer polish and the evaluator all weigh units with it. A tier's fair
/// share is a ratio over its demands, not a sum over units, so it has no per-unit coefficient; the option-cost step
/// weighs decisions (the fixed costs of the options taken), so a unit adds nothing to it either.
/// </summary>
public static class Objective
{
    /// <summary>
    /// What one unit of a demand of <paramref name="priority"/> adds to <paramref name="step"/> when it arrives
    /// <paramref name="daysLate"/> days after the due date (0 or less is on time), made at
    /// <paramref name="productionCost"/> a unit and shipped on a lane of <paramref name="laneCost"/> a unit.
    /// </summary>
    public static double PerUnit(Step step, Priority priority, int daysLate, double productionCost, double laneCost) =>
        Delivery(step, priority, daysLate, laneCost) + Production(step, productionCost);

    /// <summary>The part of <see cref="PerUnit"/> that depends on the delivery: everything but the production cost.</summary>
    public static double Delivery(Step step, Priority priority, int daysLate, double laneCost) => step.Kind switch
    {
        // A tier's on-time units.
        StepKind.OnTime => priority == step.Tier && daysLate <= 0 ? 1 : 0,
        // A tier's units delivered, on time or late.
        StepKind.Delivered => priority == step.Tier ? 1 : 0,
        // Late units × days late × the tier's lateness weight.
        StepKind.Lateness => Math.Max(0, daysLate) * priority.LatenessWeight(),
        // Units × the lane's unit cost (the production cost is added where the unit is made).
        StepKind.Cost => laneCost,
        // An option's fixed cost is paid once for its line, not per unit (see the option-cost step).
        StepKind.FairShare or StepKind.OptionCost => 0,
        _ => throw new ArgumentOutOfRangeException(nameof(step), step, "not a step of the objective"),
    };

    /// <summary>The part of <see cref="PerUnit"/> that depends on where the unit is made: the capability's unit cost, in the cost step.</summary>
    public static double Production(Step step, double productionCost) => step.Kind == StepKind.Cost ? productionCost : 0;
}
