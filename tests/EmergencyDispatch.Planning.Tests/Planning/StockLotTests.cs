using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Plans;

namespace EmergencyDispatch.Tests.Planning;

/// <summary>Known answers for stock lots (MODEL.md constraint 5): a source like a factory's capacity, capped by quantity, from its available date.</summary>
public sealed class StockLotTests
{
    private static readonly DateOnly Start = new(2020, 2, 3);

    /// <summary>A mask factory F1 in A and a depot D1 (no capabilities) in B, one day from A.</summary>
    private static PlanningInput Input(DemandLine[] demands, StockLot[] lots, double unitsPerDay = 100, int horizon = 5, Commitment[]? commitments = null) =>
        new PlanningInput(
            [new Product("M", "mask", "piece"), new Product("S", "suit", "set")],
            [new Factory("F1", "one", "A"), new Factory("D1", "reserve depot", "B")],
            [new Capability("F1", "M", unitsPerDay, 1)],
            [],
            [new Lane("B", "A", 1, 0.5)],
            demands,
            commitments ?? [],
            Start,
            horizon)
        { StockLots = lots };

    private static DemandLine Demand(string id, long quantity, int dueDay, Priority priority, string sku = "M") =>
        new(id, sku, quantity, "A", Start.AddDays(dueDay), priority);

    private static StockLot Lot(string id, long quantity, int availableDay, double cost = 0, string sku = "M") =>
        new(id, "D1", sku, quantity, Start.AddDays(availableDay), cost);

    private static Outcome Of(PlanResult plan, string id) => plan.Outcomes.Single(o => o.DemandKey == id);

    private static long FromLot(PlanResult plan, string stockId) =>
        plan.Assignments.Where(a => a.Source == Sources.Stock(stockId)).Sum(a => a.Quantity);

    [Fact]
    public void ALotServesDemandBeyondCapacityAndShipsFromItsSiteAlongTheLane()
    {
        // F1 makes 200 by day 1; the reserve holds 300 more, one day away.
        var plan = Planner.Plan(Input([Demand("C", 500, 1, Priority.Critical)], [Lot("R", 300, 0)]), new PlannerOptions());

        Assert.Empty(PlanEvaluator.Check(Input([Demand("C", 500, 1, Priority.Critical)], [Lot("R", 300, 0)]), plan.Assignments));
        Assert.Equal(500, Of(plan, "C").OnTime);
        var shipped = Assert.Single(plan.Assignments, a => a.Source == Sources.Stock("R"));
        Assert.Equal(("D1", 300L, Start, Start.AddDays(1)), (shipped.FactoryId, shipped.Quantity, shipped.ProductionDate, shipped.ArrivalDate));
    }

    [Fact]
    public void ALotShipsNothingBeforeItsAvailableDate()
    {
        // The donation lands on day 3: it arrives on day 4, late for a day-2 due date, on time for day 4.
        var input = Input([Demand("EARLY", 400, 2, Priority.Critical), Demand("LATER", 100, 4, Priority.Low)], [Lot("G", 100, 3)], unitsPerDay: 100);

        var plan = Planner.Plan(input, new PlannerOptions());

        Assert.Empty(PlanEvaluator.Check(input, plan.Assignments));
        Assert.All(plan.Assignments.Where(a => a.Source != Sources.Capacity), a => Assert.True(a.ProductionDate >= Start.AddDays(3)));
        Assert.Equal(300, Of(plan, "EARLY").OnTime);
        Assert.Equal(100, FromLot(plan, "G"));
    }

    [Fact]
    public void ALotIsCappedByItsQuantityAndTheCriticalDemandGetsItFirst()
    {
        // No factory makes suits: a lot of 50 is all there is; critical demand takes it, the low one is short of stock at D1.
        var input = Input([Demand("LOW", 50, 3, Priority.Low, "S"), Demand("CRIT", 40, 3, Priority.Critical, "S")], [Lot("SUITS", 50, 0, sku: "S")]);

        var plan = Planner.Plan(input, new PlannerOptions());

        Assert.Equal(40, Of(plan, "CRIT").OnTime);
        Assert.Equal(10, Of(plan, "LOW").OnTime);
        Assert.Equal(50, FromLot(plan, "SUITS"));
        Assert.Equal(ShortfallReason.CapacityShortage, Of(plan, "LOW").Reason);
        Assert.Equal(["D1"], Of(plan, "LOW").BindingFactories);
    }

    [Fact]
    public void TheCheaperSourceIsUsedWhenServiceIsTheSame()
    {
        // Capacity (cost 1 + no lane) covers the demand on time; a lot costs 0.2 + 0.5 lane: cheaper, so it is used first.
        var cheap = Planner.Plan(Input([Demand("N", 100, 3, Priority.Normal)], [Lot("R", 100, 0, cost: 0.2)]), new PlannerOptions());
        var dear = Planner.Plan(Input([Demand("N", 100, 3, Priority.Normal)], [Lot("R", 100, 0, cost: 2)]), new PlannerOptions());

        Assert.Equal(100, FromLot(cheap, "R"));
        Assert.Equal(0, FromLot(dear, "R"));
        Assert.Equal(100, Of(dear, "N").OnTime);
    }

    [Fact]
    public void ADemandOnlyALotCanServeIsServableAndOneWithoutAnySourceHasNoCapableFactory()
    {
        var input = Input([Demand("SUIT", 10, 0, Priority.High, "S"), Demand("SUIT2", 10, 3, Priority.High, "S")], [Lot("SUITS", 5, 0, sku: "S")]);
        var none = Input([Demand("SUIT", 10, 3, Priority.High, "S")], []);

        var plan = Planner.Plan(input, new PlannerOptions());
        var nothing = Planner.Plan(none, new PlannerOptions());

        // Due on day 0, one lead day: no lot can arrive in time.
        Assert.Equal(ShortfallReason.NoOnTimeRoute, Of(plan, "SUIT").Reason);
        Assert.Equal(5, Of(plan, "SUIT2").OnTime);
        Assert.Equal(ShortfallReason.NoCapableFactory, Of(nothing, "SUIT").Reason);
    }

    [Fact]
    public void ACommittedShipmentFromALotIsKeptAndTakesItsUnitsFirst()
    {
        var commitment = new Commitment("D1", "A1", Start, 30, Sources.Stock("R"));
        var input = Input([Demand("A1", 30, 3, Priority.Low), Demand("C", 500, 1, Priority.Critical)], [Lot("R", 100, 0)], commitments: [commitment]);

        var plan = Planner.Plan(input, new PlannerOptions());

        Assert.Empty(PlanEvaluator.Check(input, plan.Assignments));
        Assert.Contains(plan.Assignments, a => a.Source == Sources.Stock("R") && a.DemandKey == "A1" && a.Quantity == 30);
        Assert.Equal(100, FromLot(plan, "R"));
        Assert.Equal(270, Of(plan, "C").OnTime);
    }

    [Fact]
    public void TheEvaluatorRefusesShipmentsALotCannotMake()
    {
        var input = Input([Demand("C", 500, 4, Priority.Critical)], [Lot("R", 100, 2)]);
        Assignment Ship(int day, long units, string source = "stock:R", string site = "D1") =>
            new(site, "C", "M", Start.AddDays(day), Start.AddDays(day + 1), units, source);

        var problems = PlanEvaluator.Check(input, [Ship(1, 10), Ship(2, 95), Ship(3, 10), Ship(3, 1, "stock:NONE"), Ship(3, 1, "stock:R", "F1")]);

        Assert.Collection(problems,
            p => Assert.Contains("stock lot R is available from 2020-02-05", p),
            p => Assert.Contains("unknown source stock:NONE", p),
            p => Assert.Contains("production + 0 lead days", p),
            p => Assert.Contains("stock lot R is held at D1, not F1", p),
            p => Assert.Equal("stock lot R: 116 units shipped, quantity is 100", p));
    }

    [Fact]
    public void AScenarioWithoutLotsPlansExactlyAsBefore()
    {
        var without = Input([Demand("C", 500, 1, Priority.Critical), Demand("L", 300, 4, Priority.Low)], []);
        var plan = Planner.Plan(without, new PlannerOptions());

        Assert.All(plan.Assignments, a => Assert.Equal(Sources.Capacity, a.Source));
        Assert.Equal(200, Of(plan, "C").OnTime);
    }
}
