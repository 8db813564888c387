using EmergencyDispatch.Planning.Model;

namespace EmergencyDispatch.Planning.Plans;

/// <summary>What <see cref="OptionChoice"/> did for a plan: the priced options it chose from, those it kept available, and its time.</summary>
public sealed record OptionChoiceReport(int Priced, int Kept, double KeptFixedCost, TimeSpan Elapsed);

/// <summary>
/// Keeps the parts of a large plan apart under a budget that binds. The budget couples every part whose skus have
/// priced options (MODEL.md constraint 7), and planned as one LP such a problem is many times slower than its parts
/// (national, 300 options: one LP of 98,045 columns, over 120 s, against 6.3 s for its 10 parts). So the options are
/// chosen first: one LP of the coupled part with every tier's fair share, on-time and delivered units in one weighted
/// objective (a tier outweighing the next by <see cref="TierRatio"/>, as the lexicographic order puts it first), no
/// step held; the lines it uses, those whose production is worth most to its objective per unit of fixed cost first,
/// then the untouched options cheapest first, are kept while their fixed costs fit the budget. Below
/// <see cref="SecondChoiceLimit"/> demands a second lateness weight gives a second candidate set, and the plan keeps
/// the lexicographically better of the two plans. The plan then takes its decisions among those alone, lexicographically and exactly; since
/// they fit the budget together, the budget cannot bind and every part is planned on its own. The plan's LP bounds
/// are then those of the plan with the options kept. Smaller problems (<see cref="PlannerOptions.CoupledDemandsLimit"/>)
/// are planned coupled, with every step's mixed-integer optimum as MODEL.md defines it.
/// </summary>
internal static class OptionChoice
{
    /// <summary>How much a tier's measures outweigh the next tier's in the choice's objective.</summary>
    public const double TierRatio = 100;

    /// <summary>
    /// The weights of lateness in the choice's objective, per unit-day of the part's demand over the horizon, against
    /// LOW's delivered units per unit; each gives a candidate set and the plan keeps the better. Measured with one weight:
    /// on a generated province with 30 options, 1 left lateness 0.7% above the coupled plan's, 10 and 100 below it with
    /// the same service (later, with the lines ranked by worth: 10 below, 100 0.73% above), 30 cost LOW 2% of its
    /// on-time units; on the seeds at a budget of 1e7, 3 and 10 left lateness 0.75% above, 100 within MODEL.md's 0.5%.
    /// </summary>
    public static readonly double[] LatenessWeights = [100, 10];

    /// <summary>Demands of the coupled part from which only the first weight is tried (each candidate is a whole plan).</summary>
    public const int SecondChoiceLimit = 2000;

    /// <summary>The part the budget couples: the one holding the priced options.</summary>
    private static PlanComponent? Coupled(PlanContext context)
    {
        var priced = Enumerable.Range(0, context.Options.Count).Where(context.IsPriced).ToHashSet();
        return context.Components().FirstOrDefault(c => c.Options.Any(priced.Contains));
    }

    /// <summary>
    /// Where a budget that binds couples a part of at least <see cref="PlannerOptions.CoupledDemandsLimit"/> demands, the
    /// candidate sets of priced options to leave out (as if rejected), each with its report: one per lateness weight
    /// (<see cref="LatenessWeights"/>; only the first for parts of <see cref="SecondChoiceLimit"/> demands or more),
    /// distinct sets only. Empty elsewhere, and when a choice LP reached no optimum in the time given: the plan is then
    /// made coupled.
    /// </summary>
    public static IReadOnlyList<(IReadOnlySet<string> Left, OptionChoiceReport Report)> Choose(PlanContext context, PlannerOptions options, TimeSpan timeLimit)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (!context.BudgetCanBind || Coupled(context) is not { } part || part.Demands.Count < options.CoupledDemandsLimit)
            return [];
        var weights = part.Demands.Count < SecondChoiceLimit ? LatenessWeights : LatenessWeights[..1];
        // One LP per weight, side by side: each candidate depends on its weight alone, so the choice stays deterministic.
        var results = new (IReadOnlySet<string> Left, OptionChoiceReport Report)?[weights.Length];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Threads), TaskScheduler = options.Scheduler ?? TaskScheduler.Default };
        Parallel.For(0, weights.Length, parallel, i => results[i] = ChooseWith(context, part, options, weights[i], timeLimit, clock));
        var candidates = new List<(IReadOnlySet<string> Left, OptionChoiceReport Report)>();
        foreach (var r in results)
        {
            if (r is not { } candidate)
                return [];
            if (!candidates.Exists(c => c.Left.SetEquals(candidate.Left)))
                candidates.Add(candidate);
        }
        return candidates;
    }

    /// <summary>The choice's LP with one lateness weight, and the options it leaves out; null when it reached no optimum.</summary>
    private static (IReadOnlySet<string> Left, OptionChoiceReport Report)? ChooseWith(
        PlanContext context, PlanComponent part, PlannerOptions options, double latenessWeight, TimeSpan timeLimit, System.Diagnostics.Stopwatch clock)
    {
        using var model = new LpModel(context, part, options.LpSolver);
        var weighted = new List<(Step Step, double Weight)>();
        var tierWeight = Math.Pow(TierRatio, Priorities.InOrder.Length - 1);
        foreach (var tier in Priorities.InOrder)
        {
            // Each measure per unit of the tier's demand in the part, so that tiers of any size weigh alike.
            var quantity = part.Demands.Where(d => context.Demands[d].Priority == tier).Sum(d => (double)context.Demands[d].Quantity);
            foreach (var (kind, weight) in new[] { (StepKind.FairShare, 4.0), (StepKind.OnTime, 2.0), (StepKind.Delivered, 1.0) })
            {
                var step = new Step(kind, tier);
                model.Activate(step);
                if (kind == StepKind.FairShare)
                {
                    if (model.HasServable(tier))
                        weighted.Add((step, tierWeight * weight));
                }
                else if (quantity > 0)
                {
                    weighted.Add((step, tierWeight * weight / quantity));
                }
            }
            tierWeight /= TierRatio;
        }
        // Lateness last, per unit-day of all the part's demand over the horizon, against LOW's delivered units per unit.
        var lateness = new Step(StepKind.Lateness, null);
        model.Activate(lateness);
        var unitDays = part.Demands.Sum(d => (double)context.Demands[d].Quantity) * context.Network.Horizon;
        if (unitDays > 0)
            weighted.Add((lateness, latenessWeight * tierWeight * TierRatio / unitDays));
        var (status, decisions) = model.OptimiseWeighted(weighted, timeLimit - clock.Elapsed);
        if (status != Google.OrTools.LinearSolver.Solver.ResultStatus.OPTIMAL)
            return null;
        var (left, kept, spent) = Kept(context, decisions);
        return (left, new OptionChoiceReport(left.Count + kept, kept, spent, clock.Elapsed));
    }

    /// <summary>
    /// The lines the LP uses, by what their production is worth per unit of fixed cost (a line the LP opens a third of
    /// the way serving critical demand outranks one it opens almost fully for low demand), then by how far open, then
    /// the untouched options cheapest first, kept while their fixed costs fit the budget; the priced options left out.
    /// </summary>
    private static (IReadOnlySet<string> Left, int Kept, double Spent) Kept(PlanContext context, IReadOnlyList<(int Option, double Value, double Worth)> decisions)
    {
        var budget = context.Network.Input.OptionBudget;
        var kept = new HashSet<int>();
        var spent = 0.0;
        void Keep(IEnumerable<int> candidates)
        {
            foreach (var o in candidates)
            {
                var cost = context.Options[o].FixedCost;
                if (spent + cost <= budget * (1 + 1e-12))
                {
                    kept.Add(o);
                    spent += cost;
                }
            }
        }
        const double used = 1e-6;
        Keep(decisions.Where(d => d.Value > used)
            .OrderByDescending(d => d.Worth / Math.Max(context.Options[d.Option].FixedCost, 1e-9)).ThenByDescending(d => d.Value).ThenBy(d => d.Option)
            .Select(d => d.Option));
        Keep(decisions.Where(d => d.Value <= used).OrderBy(d => context.Options[d.Option].FixedCost).ThenBy(d => d.Option).Select(d => d.Option));
        var left = Enumerable.Range(0, context.Options.Count).Where(context.IsPriced).Where(o => !kept.Contains(o))
            .Select(o => context.Options[o].OptionId).ToHashSet(StringComparer.Ordinal);
        return (left, kept.Count, spent);
    }
}
