using EmergencyDispatch.Server.Persistence;

namespace EmergencyDispatch.Tests.Server;

/// <summary>ExplainDemand's sums over the per-factory rows of a run of plans, fed in any order.</summary>
public sealed class CompetitorSumsTests
{
    private static byte[] Row(params (string Date, int Priority, long DemandId, long Quantity)[] assignments) =>
        FactoryUnits.Encode(assignments.Select(a => new FactoryUnits.Assignment(FactoryUnits.DateKey(a.Date), a.Priority, a.DemandId, a.Quantity, $"K{a.DemandId}")));

    [Fact]
    public void OnlyBindingFactoriesOfTheRunsPlansCountUpToTheDueDateAndPriority()
    {
        // Demand 10, HIGH (2), due 2020-02-05; F1 and F2 bind in plan 1, only F1 in plan 2. Plan 3 is not of the run.
        var sums = new CompetitorSums();
        sums.Start(10, FactoryUnits.DateKey("2020-02-05"), [(1, ["F1", "F2"], 2), (2, ["F1"], 2)]);
        var rows = new List<(string, long, byte[])>
        {
            ("F2", 1, Row(("2020-02-04", 1, 20, 5), ("2020-02-05", 2, 21, 7))),
            ("F1", 2, Row(("2020-02-03", 2, 21, 4), ("2020-02-04", 2, 10, 9), ("2020-02-06", 1, 20, 50))),
            ("F1", 1, Row(("2020-02-03", 1, 20, 3), ("2020-02-03", 3, 22, 100), ("2020-02-05", 1, 20, 2), ("2020-02-05", 2, 23, 7))),
            ("F2", 2, Row(("2020-02-03", 1, 24, 1000))),
            ("F1", 3, Row(("2020-02-03", 1, 25, 1000))),
        };

        foreach (var (factory, plan, entries) in rows)
            sums.Add(factory, plan, entries);
        var found = sums.Largest(2).ToDictionary(p => p.PlanId, p => p.Competitors);

        Assert.Equal([1L, 2L], found.Keys.Order());
        // Plan 1: demand 20 got 3 + 2 from F1 and 5 from F2 (10), 21 got 7 from F2, 23 got 7 from F1 (ties by id);
        // 22 is LOW, 10 is the demand itself.
        var first = found[1];
        Assert.Equal(
            [(20L, "K20", 1L, 10L, "F1,F2"), (21L, "K21", 2L, 7L, "F2")],
            first.Largest.Select(c => (c.DemandId, c.RequestKey, c.Priority, c.Units, string.Join(",", c.Factories))));
        Assert.Equal((3L, 24L), (first.Total, first.TotalUnits));
        // Plan 2: only F1 binds; demand 20's units there come after the due date.
        var second = found[2];
        Assert.Equal([(21L, 4L, "F1")], second.Largest.Select(c => (c.DemandId, c.Units, string.Join(",", c.Factories))));
        Assert.Equal((1L, 4L), (second.Total, second.TotalUnits));

        // Started again for another demand and run, nothing of the first is left.
        sums.Start(21, FactoryUnits.DateKey("2020-02-03"), [(3, ["F1"], 1)]);
        foreach (var (factory, plan, entries) in rows)
            sums.Add(factory, plan, entries);
        var again = Assert.Single(sums.Largest(2));
        Assert.Equal(3, again.PlanId);
        Assert.Equal([(25L, "K25", 1000L, "F1")], again.Competitors.Largest.Select(c => (c.DemandId, c.RequestKey, c.Units, string.Join(",", c.Factories))));
        Assert.Equal((1L, 1000L), (again.Competitors.Total, again.Competitors.TotalUnits));
    }

    [Fact]
    public void AssignmentsRoundTripThroughTheirBytesWithAnyRequestKey()
    {
        var assignments = new[]
        {
            new FactoryUnits.Assignment(20200210, 4, long.MaxValue, long.MaxValue, "submitter with spaces;,/é/R-1"),
            new FactoryUnits.Assignment(20200203, 1, 1, 1, "R"),
        };

        var bytes = FactoryUnits.Encode(assignments);
        var read = new List<(FactoryUnits.Assignment, int)>();
        for (var at = 0; at < bytes.Length;)
        {
            at = FactoryUnits.Read(bytes, at, out var e);
            read.Add((new FactoryUnits.Assignment(e.ProductionDate, e.Priority, e.DemandId, e.Quantity, FactoryUnits.Key(bytes, e)), at));
        }

        // In production date order.
        Assert.Equal([assignments[1], assignments[0]], read.Select(r => r.Item1));
        Assert.Equal(bytes.Length, read[^1].Item2);
    }
}
