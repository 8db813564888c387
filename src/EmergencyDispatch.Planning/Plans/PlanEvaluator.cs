using System.Globalization;
using EmergencyDispatch.Planning.Model;

namespace EmergencyDispatch.Planning.Plans;

/// <summary>
/// Checks a plan against the constraints of MODEL.md and measures it on every objective step, from the assignments
/// alone: whatever made the plan, these are the numbers it is judged by.
/// </summary>
public static class PlanEvaluator
{
    /// <summary>Slack on a factory-day's capacity, in days of full dedication, for sums of quantity / units_per_day.</summary>
    public const double CapacityTolerance = 1e-9;

    private static readonly Step LatenessStep = Step.All.Single(s => s.Kind == StepKind.Lateness);

    private static readonly Step CostStep = Step.All.Single(s => s.Kind == StepKind.Cost);

    /// <summary>Relative slack on the budget, for sums of fixed costs.</summary>
    private const double BudgetTolerance = 1e-9;

    /// <summary>
    /// The broken constraints of a plan, one sentence each; empty when the plan is feasible. Where skus consume
    /// materials, the material balance (MODEL.md constraint 8) is checked under <paramref name="flows"/>, or, when none
    /// are given, under the moves that cover the plan's use best.
    /// </summary>
    public static IReadOnlyList<string> Check(PlanningInput input, IReadOnlyList<Assignment> assignments, IReadOnlyList<MaterialFlow>? flows = null)
    {
        var network = new Network(input);
        var problems = new List<string>();
        var load = new Dictionary<(string FactoryId, int Day), double>();
        var delivered = new Dictionary<string, long>(StringComparer.Ordinal);
        var placed = new Dictionary<(string FactoryId, string RequestId, int Day, string Source), long>();
        var shipped = new Dictionary<string, long>(StringComparer.Ordinal);
        var lineLoad = new Dictionary<(string OptionId, int Day), double>();
        // A commitment of an excluded pair stays as it was accepted; nothing else may use the pair.
        var committedPairs = input.Commitments.Select(c => (c.FactoryId, c.DemandKey)).ToHashSet();

        // Each assignment on its own: a positive quantity of the demand's sku, made by a capable factory (or shipped
        // from a lot of the sku at the site, not before it is available) inside the horizon and shipped on a lane,
        // arriving after the lane's lead time.
        for (var i = 0; i < assignments.Count; i++)
        {
            var a = assignments[i];
            var where = $"assignment {i} ({a.FactoryId} → {a.DemandKey} on {Text(a.ProductionDate)})";
            if (a.Quantity <= 0)
                problems.Add($"{where}: quantity {a.Quantity} is not positive");
            var day = network.Day(a.ProductionDate);
            if (day < 0 || day >= network.Horizon)
                problems.Add($"{where}: production date is outside the horizon {Text(input.StartDate)}..{Text(network.Date(network.Horizon - 1))}");
            if (!network.FactoryById.TryGetValue(a.FactoryId, out var factory))
            {
                problems.Add($"{where}: unknown factory {a.FactoryId}");
                continue;
            }
            if (!network.DemandById.TryGetValue(a.DemandKey, out var demand))
            {
                problems.Add($"{where}: unknown demand {a.DemandKey}");
                continue;
            }
            if (a.Sku != demand.Sku)
                problems.Add($"{where}: sku {a.Sku} is not the demand's sku {demand.Sku}");
            if (network.IsExcluded(a.FactoryId, a.DemandKey) && !committedPairs.Contains((a.FactoryId, a.DemandKey)))
                problems.Add($"{where}: {a.FactoryId} is excluded from {a.DemandKey}");
            if (network.Lane(factory.Region, demand.Region) is { } lane)
            {
                var arrival = a.ProductionDate.AddDays(lane.Lead);
                if (a.ArrivalDate != arrival)
                    problems.Add($"{where}: arrives {Text(a.ArrivalDate)}, but production + {lane.Lead} lead days is {Text(arrival)}");
            }
            else
            {
                problems.Add($"{where}: no lane from {factory.Region} to {demand.Region}");
            }
            delivered[demand.RequestId] = delivered.GetValueOrDefault(demand.RequestId) + a.Quantity;
            placed[(a.FactoryId, a.DemandKey, day, a.Source)] = placed.GetValueOrDefault((a.FactoryId, a.DemandKey, day, a.Source)) + a.Quantity;
            if (Sources.OptionId(a.Source) is { } optionId)
            {
                if (!network.AllOptionsById.TryGetValue(optionId, out var option))
                {
                    problems.Add($"{where}: unknown source {a.Source}");
                    continue;
                }
                if (!network.OptionById.ContainsKey(optionId))
                    problems.Add($"{where}: option {optionId} is not available to this plan (rejected, or its fixed cost exceeds the budget)");
                if (option.FactoryId != a.FactoryId)
                    problems.Add($"{where}: option {optionId} is a line of {option.FactoryId}, not {a.FactoryId}");
                if (option.Sku != demand.Sku)
                    problems.Add($"{where}: option {optionId} makes {option.Sku}, not the demand's sku {demand.Sku}");
                if (day >= 0 && day < network.Horizon)
                    lineLoad[(optionId, day)] = lineLoad.GetValueOrDefault((optionId, day)) + a.Quantity / option.UnitsPerDay;
                continue;
            }
            if (a.Source != Sources.Capacity)
            {
                if (Sources.StockId(a.Source) is not { } stockId || !network.LotById.TryGetValue(stockId, out var lot))
                {
                    problems.Add($"{where}: unknown source {a.Source}");
                    continue;
                }
                if (lot.FactoryId != a.FactoryId)
                    problems.Add($"{where}: stock lot {stockId} is held at {lot.FactoryId}, not {a.FactoryId}");
                if (lot.Sku != demand.Sku)
                    problems.Add($"{where}: stock lot {stockId} holds {lot.Sku}, not the demand's sku {demand.Sku}");
                if (a.ProductionDate < lot.AvailableDate)
                    problems.Add($"{where}: stock lot {stockId} is available from {Text(lot.AvailableDate)}");
                shipped[stockId] = shipped.GetValueOrDefault(stockId) + a.Quantity;
                continue;
            }
            if (!network.Capability.TryGetValue((a.FactoryId, demand.Sku), out var capability))
            {
                problems.Add($"{where}: factory {a.FactoryId} cannot make {demand.Sku}");
                continue;
            }
            if (day >= 0 && day < network.Horizon)
                load[(a.FactoryId, day)] = load.GetValueOrDefault((a.FactoryId, day)) + a.Quantity / capability.UnitsPerDay;
        }

        // Shared capacity: a factory's days of dedication on one day stay within that day's factor.
        foreach (var ((factoryId, day), used) in load.OrderBy(l => l.Key.FactoryId, StringComparer.Ordinal).ThenBy(l => l.Key.Day))
        {
            var factor = network.Factor(factoryId, day);
            if (used > factor + CapacityTolerance)
                problems.Add($"factory {factoryId} on {Text(network.Date(day))}: uses {Number(used)} days of capacity, factor is {Number(factor)}");
        }

        // An option's line: its days of full rate on one day stay within its factory's factor times its ramp.
        foreach (var ((optionId, day), used) in lineLoad.OrderBy(l => l.Key.OptionId, StringComparer.Ordinal).ThenBy(l => l.Key.Day))
        {
            var factor = network.OptionFactor(network.AllOptionsById[optionId], day);
            if (used > factor + CapacityTolerance)
                problems.Add($"option {optionId} on {Text(network.Date(day))}: uses {Number(used)} days of its line, its capacity is {Number(factor)} (factor × ramp)");
        }

        // The budget: the fixed costs of the options taken and not committed.
        var spent = OptionCost(network, assignments);
        if (spent > input.OptionBudget * (1 + BudgetTolerance) + BudgetTolerance)
            problems.Add($"options taken cost {Number(spent)} in fixed costs, the budget is {Number(input.OptionBudget)}");

        // A lot ships at most its quantity.
        foreach (var (stockId, units) in shipped.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (units > network.LotById[stockId].Quantity)
                problems.Add($"stock lot {stockId}: {units} units shipped, quantity is {network.LotById[stockId].Quantity}");
        }

        CheckMaterials(network, assignments, flows, problems);

        // No over-delivery.
        foreach (var demand in input.Demands)
        {
            if (delivered.GetValueOrDefault(demand.RequestId) is var units && units > demand.Quantity)
                problems.Add($"demand {demand.RequestId}: {units} units planned, quantity is {demand.Quantity}");
        }

        // Commitments are kept: the plan holds at least the committed units for that factory, demand and day.
        var committed = input.Commitments
            .GroupBy(c => (c.FactoryId, c.DemandKey, Day: network.Day(c.ProductionDate), c.Source))
            .OrderBy(g => g.Key.FactoryId, StringComparer.Ordinal).ThenBy(g => g.Key.DemandKey, StringComparer.Ordinal).ThenBy(g => g.Key.Day);
        foreach (var group in committed)
        {
            var units = group.Sum(c => c.Quantity);
            var planned = placed.GetValueOrDefault(group.Key);
            if (planned < units)
                problems.Add($"commitment {group.Key.FactoryId} → {group.Key.DemandKey} on {Text(network.Date(group.Key.Day))}{(group.Key.Source == Sources.Capacity ? "" : " from " + group.Key.Source)}: {units} units committed, {planned} planned");
        }

        return problems;
    }

    /// <summary>
    /// MODEL.md constraint 8: each flow moves a known material along a lane between two regions, leaving inside the
    /// horizon and arriving after the lane's lead time; no material's stock in a region falls below zero on any day
    /// (within <see cref="Network.MaterialTolerance"/>).
    /// </summary>
    private static void CheckMaterials(Network network, IReadOnlyList<Assignment> assignments, IReadOnlyList<MaterialFlow>? flows, List<string> problems)
    {
        if (network.MaterialIds.Count == 0)
        {
            if (flows is { Count: > 0 })
                problems.Add($"{flows.Count} material flows, but no sku consumes a material");
            return;
        }
        IEnumerable<MaterialMove> moves;
        if (flows is null)
        {
            moves = MaterialFlows.Solve(network, assignments).Moves;
        }
        else
        {
            var valid = new List<MaterialFlow>();
            for (var i = 0; i < flows.Count; i++)
            {
                var f = flows[i];
                var where = $"material flow {i} ({f.MaterialId} {f.FromRegion} → {f.ToRegion} on {Text(f.ShipDate)})";
                var day = network.Day(f.ShipDate);
                if (!network.MaterialIds.Contains(f.MaterialId))
                    problems.Add($"{where}: no sku consumes material {f.MaterialId}");
                else if (f.FromRegion == f.ToRegion || network.Lane(f.FromRegion, f.ToRegion) is not { Lead: var lead })
                    problems.Add($"{where}: no lane from {f.FromRegion} to another region {f.ToRegion}");
                else if (day < 0 || day >= network.Horizon)
                    problems.Add($"{where}: ship date is outside the horizon");
                else if (f.ArrivalDate != f.ShipDate.AddDays(lead))
                    problems.Add($"{where}: arrives {Text(f.ArrivalDate)}, but ship date + {lead} lead days is {Text(f.ShipDate.AddDays(lead))}");
                else if (!(f.Quantity > 0) || double.IsInfinity(f.Quantity))
                    problems.Add($"{where}: quantity {Number(f.Quantity)} is not a positive number");
                else
                    valid.Add(f);
            }
            moves = MaterialFlows.ToMoves(network, valid);
        }
        foreach (var (material, region, day, left) in MaterialStock.After(network, moves, assignments).Negative())
            problems.Add($"material {material} in {region} on {Text(network.Date(day))}: {Number(-left)} more used and moved out than supplied and moved in");
    }

    /// <summary>
    /// The value of every step of <see cref="Step.All"/>, in that order, exactly as MODEL.md defines it.
    /// The plan must pass <see cref="Check"/> as far as demands, capabilities and lanes go.
    /// </summary>
    public static IReadOnlyList<StepValue> Evaluate(PlanningInput input, IReadOnlyList<Assignment> assignments)
    {
        var network = new Network(input);
        var units = Deliveries(network, assignments);
        var lateness = 0.0;
        var cost = 0.0;
        foreach (var a in assignments)
        {
            var demand = DemandOf(network, a);
            var lane = network.FactoryById.TryGetValue(a.FactoryId, out var factory) ? network.Lane(factory.Region, demand.Region) : null;
            var unitCost = a.Source == Sources.Capacity
                ? network.Capability.TryGetValue((a.FactoryId, demand.Sku), out var capability) ? capability.UnitCost : (double?)null
                : Sources.OptionId(a.Source) is { } optionId ? network.AllOptionsById.TryGetValue(optionId, out var option) ? option.UnitCost : null
                : Sources.StockId(a.Source) is { } stockId && network.LotById.TryGetValue(stockId, out var lot) ? lot.UnitCost : null;
            if (lane is null || unitCost is null)
                throw new ArgumentException($"assignment {a.FactoryId} → {a.DemandKey} from {a.Source}: no capability, lot or lane; check the plan first", nameof(assignments));
            var daysLate = a.ArrivalDate.DayNumber - demand.DueDate.DayNumber;
            lateness += a.Quantity * Objective.PerUnit(LatenessStep, demand.Priority, daysLate, unitCost.Value, lane.Value.Cost);
            cost += a.Quantity * Objective.PerUnit(CostStep, demand.Priority, daysLate, unitCost.Value, lane.Value.Cost);
        }

        var optionCost = OptionCost(network, assignments);
        var values = new List<StepValue>(Step.All.Count);
        foreach (var step in Step.All)
        {
            var tier = input.Demands.Where(d => d.Priority == step.Tier);
            var value = step.Kind switch
            {
                StepKind.FairShare => tier.Where(network.IsServable)
                    .Select(d => (double)units.GetValueOrDefault(d.RequestId).OnTime / d.Quantity)
                    .DefaultIfEmpty(1.0)
                    .Min(),
                StepKind.OnTime => tier.Sum(d => (double)units.GetValueOrDefault(d.RequestId).OnTime),
                StepKind.Delivered => tier.Sum(d => (double)units.GetValueOrDefault(d.RequestId).OnTime + units.GetValueOrDefault(d.RequestId).Late),
                StepKind.Lateness => lateness,
                StepKind.OptionCost => optionCost,
                StepKind.Cost => cost,
                _ => throw new InvalidOperationException(),
            };
            values.Add(new StepValue(step, value));
        }
        return values;
    }

    /// <summary>
    /// Every option at a factory that exists, in id order: taken when it is committed or the plan uses its line
    /// (MODEL.md: an option none of the plan's assignments use is not taken), and the plan's units on its line.
    /// </summary>
    public static IReadOnlyList<OptionDecision> Decisions(Network network, IReadOnlyList<Assignment> assignments)
    {
        var units = LineUnits(assignments);
        return network.AllOptionsById.Values
            .OrderBy(o => o.OptionId, StringComparer.Ordinal)
            .Select(o => new OptionDecision(o.OptionId, units.GetValueOrDefault(o.OptionId) > 0 || network.CommittedOptions.Contains(o.OptionId), units.GetValueOrDefault(o.OptionId)))
            .ToList();
    }

    /// <summary>The option-cost step: the fixed costs of the options the plan's assignments use that are not committed, in id order.</summary>
    private static double OptionCost(Network network, IReadOnlyList<Assignment> assignments) =>
        LineUnits(assignments)
            .Where(u => u.Value > 0 && !network.CommittedOptions.Contains(u.Key) && network.AllOptionsById.ContainsKey(u.Key))
            .OrderBy(u => u.Key, StringComparer.Ordinal)
            .Sum(u => network.AllOptionsById[u.Key].FixedCost);

    private static Dictionary<string, long> LineUnits(IReadOnlyList<Assignment> assignments)
    {
        var units = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var a in assignments)
        {
            if (Sources.OptionId(a.Source) is { } optionId)
                units[optionId] = units.GetValueOrDefault(optionId) + a.Quantity;
        }
        return units;
    }

    /// <summary>
    /// The outcome of every demand, in input order: on-time and late units from the assignments, and where units are
    /// late or unmet the reason the caller gives; demands served in full on time get <see cref="ShortfallReason.None"/>.
    /// </summary>
    public static IReadOnlyList<Outcome> Outcomes(
        PlanningInput input,
        IReadOnlyList<Assignment> assignments,
        Func<DemandLine, (ShortfallReason Reason, IReadOnlyList<string> BindingFactories)> reason)
    {
        var units = Deliveries(new Network(input), assignments);
        return input.Demands.Select(d =>
        {
            var (onTime, late) = units.GetValueOrDefault(d.RequestId);
            var (why, binding) = late > 0 || onTime + late < d.Quantity ? reason(d) : (ShortfallReason.None, []);
            return new Outcome(d.RequestId, d.Quantity, onTime, late, why, binding);
        }).ToList();
    }

    /// <summary>On-time and late units per request id; arrival after the due date is late, whatever the horizon.</summary>
    private static Dictionary<string, (long OnTime, long Late)> Deliveries(Network network, IReadOnlyList<Assignment> assignments)
    {
        var units = new Dictionary<string, (long OnTime, long Late)>(StringComparer.Ordinal);
        foreach (var a in assignments)
        {
            var demand = DemandOf(network, a);
            var (onTime, late) = units.GetValueOrDefault(demand.RequestId);
            units[demand.RequestId] = a.ArrivalDate <= demand.DueDate ? (onTime + a.Quantity, late) : (onTime, late + a.Quantity);
        }
        return units;
    }

    private static DemandLine DemandOf(Network network, Assignment a) =>
        network.DemandById.TryGetValue(a.DemandKey, out var demand)
            ? demand
            : throw new ArgumentException($"assignment {a.FactoryId} → {a.DemandKey}: unknown demand; check the plan first", nameof(a));

    private static string Text(DateOnly date) => IsoDate.Text(date);

    private static string Number(double value) => value.ToString("0.#########", CultureInfo.InvariantCulture);
}
