using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Plans;

namespace EmergencyDispatch.Tests.Planning;

/// <summary>
/// Known answers for materials (MODEL.md constraint 8): production consumes material in the producing factory's
/// region on the production day; stock carries over and moves along lanes; MATERIAL_SHORTAGE names what ran out.
/// </summary>
public sealed class MaterialTests
{
    private static readonly DateOnly Start = new(2020, 2, 3);

    /// <summary>
    /// Mask factory F1 in A (100 masks or 50 suits a day), N95 factory F2 in A (100 a day), a depot D1 in B, one day
    /// from A. A mask or an N95 respirator takes 0.5 of melt-blown fabric MB; a suit takes none.
    /// </summary>
    private static PlanningInput Input(DemandLine[] demands, MaterialSupply[] supply, int horizon = 5, BomLine[]? bom = null,
        StockLot[]? lots = null, Commitment[]? commitments = null, Lane[]? lanes = null) =>
        new PlanningInput(
            [new Product("M", "mask", "piece"), new Product("N", "N95", "piece"), new Product("S", "suit", "set")],
            [new Factory("F1", "masks", "A"), new Factory("F2", "respirators", "A"), new Factory("D1", "reserve depot", "B")],
            [new Capability("F1", "M", 100, 1), new Capability("F1", "S", 50, 1), new Capability("F2", "N", 100, 1)],
            [],
            lanes ?? [new Lane("B", "A", 1, 0.5)],
            demands,
            commitments ?? [],
            Start,
            horizon)
        {
            Materials = [new Material("MB", "melt-blown fabric", "kg"), new Material("EL", "elastic", "m")],
            Bom = bom ?? [new BomLine("M", "MB", 0.5), new BomLine("N", "MB", 0.5)],
            MaterialSupply = supply,
            StockLots = lots ?? [],
        };

    private static DemandLine Demand(string id, long quantity, int dueDay, Priority priority, string sku = "M") =>
        new(id, sku, quantity, "A", Start.AddDays(dueDay), priority);

    private static MaterialSupply Supply(double quantity, int day, string region = "A", string material = "MB") =>
        new(material, region, Start.AddDays(day), quantity);

    private static Outcome Of(PlanResult plan, string id) => plan.Outcomes.Single(o => o.DemandKey == id);

    private static PlanResult PlanChecked(PlanningInput input, PlannerKind planner = PlannerKind.Lp)
    {
        var plan = Planner.Plan(input, new PlannerOptions { Planner = planner });
        Assert.Empty(PlanEvaluator.Check(input, plan.Assignments, plan.MaterialFlows));
        return plan;
    }

    [Fact]
    public void MaterialCapsProductionAndTheShortfallNamesIt()
    {
        // 30 of fabric make 60 masks; the factory could make 500.
        var plan = PlanChecked(Input([Demand("C", 500, 4, Priority.Critical)], [Supply(30, 0)]));

        Assert.Equal(60, Of(plan, "C").OnTime);
        Assert.Equal("MATERIAL_SHORTAGE:MB", Of(plan, "C").ReasonText);
        Assert.Empty(plan.MaterialFlows);
    }

    [Fact]
    public void SupplyCarriesOverToLaterDaysButNeverBackInTime()
    {
        // Fabric for 100 masks lands on day 3: nothing can be made for the day-1 demand.
        var plan = PlanChecked(Input([Demand("EARLY", 100, 1, Priority.Critical), Demand("LATER", 100, 4, Priority.Low)], [Supply(50, 3)]));

        Assert.All(plan.Assignments, a => Assert.True(a.ProductionDate >= Start.AddDays(3)));
        Assert.Equal(100, Of(plan, "LATER").OnTime);
        Assert.Equal((0L, 0L), (Of(plan, "EARLY").OnTime, Of(plan, "EARLY").Late));
        Assert.Equal("MATERIAL_SHORTAGE:MB", Of(plan, "EARLY").ReasonText);
    }

    [Fact]
    public void SupplyDatedBeforeTheStartCountsOnTheFirstDay()
    {
        var plan = PlanChecked(Input([Demand("C", 100, 0, Priority.Critical)], [Supply(50, -5)]));

        Assert.Equal(100, Of(plan, "C").OnTime);
    }

    [Fact]
    public void MaterialMovesAlongLanesAndThePlanExportsTheMoves()
    {
        // Fabric for 200 masks arrives in B, where nobody makes masks; it reaches A a day after it leaves.
        var input = Input([Demand("C", 500, 4, Priority.Critical)], [Supply(100, 0, "B")]);

        var plan = PlanChecked(input);

        Assert.Equal(200, Of(plan, "C").OnTime);
        Assert.All(plan.Assignments, a => Assert.True(a.ProductionDate >= Start.AddDays(1)));
        Assert.Equal(100, plan.MaterialFlows.Sum(f => f.Quantity), 6);
        Assert.All(plan.MaterialFlows, f => Assert.Equal(("MB", "B", "A", f.ShipDate.AddDays(1)), (f.MaterialId, f.FromRegion, f.ToRegion, f.ArrivalDate)));
        // Without the moves, the same assignments use fabric A never had.
        Assert.Contains(PlanEvaluator.Check(input, plan.Assignments, []), p => p.StartsWith("material MB in A on ", StringComparison.Ordinal));
    }

    [Fact]
    public void MaterialTravelsThroughRegionsThatNeitherSupplyNorUseItAndTheFlowsFollowTheLanes()
    {
        // Fabric lands in C; the only way to A is C → B → A, two days in all.
        var input = Input([Demand("C", 500, 4, Priority.Critical)], [Supply(40, 0, "C")],
            lanes: [new Lane("C", "B", 1, 0), new Lane("B", "A", 1, 0.5)]);

        var plan = PlanChecked(input);

        Assert.Equal(80, Of(plan, "C").OnTime);
        Assert.All(plan.Assignments, a => Assert.True(a.ProductionDate >= Start.AddDays(2)));
        Assert.Equal(40, plan.MaterialFlows.Where(f => f.FromRegion == "C" && f.ToRegion == "B").Sum(f => f.Quantity), 6);
        Assert.Equal(40, plan.MaterialFlows.Where(f => f.FromRegion == "B" && f.ToRegion == "A").Sum(f => f.Quantity), 6);
    }

    [Fact]
    public void ADemandNoMaterialCanReachInTimeHoldsItsTiersFairShareAtZeroAndTheOthersStillGetAll()
    {
        // Fabric reaches A on day 1: the day-0 critical demand can get nothing, so the critical fair share is 0; the
        // other critical demand still gets all the fabric allows.
        var plan = PlanChecked(Input([Demand("TODAY", 100, 0, Priority.Critical), Demand("LATER", 300, 4, Priority.Critical)], [Supply(100, 0, "B")]));

        Assert.Equal(0, plan.StepValues.Single(v => v.Step.Name == "CRITICAL.fair_share").Value);
        Assert.Equal(200, Of(plan, "LATER").OnTime);
        Assert.Equal("MATERIAL_SHORTAGE:MB", Of(plan, "TODAY").ReasonText);
    }

    [Fact]
    public void MaterialThatCannotArriveInTimeIsNotUsed()
    {
        // The only fabric is in B on day 4, the horizon's last day: it would reach A after the horizon.
        var plan = PlanChecked(Input([Demand("C", 100, 4, Priority.Critical)], [Supply(1000, 4, "B")]));

        Assert.Empty(plan.Assignments);
        Assert.Empty(plan.MaterialFlows);
        Assert.Equal("MATERIAL_SHORTAGE:MB", Of(plan, "C").ReasonText);
    }

    [Fact]
    public void ASkuWithoutABillOfMaterialsNeedsNone()
    {
        // No fabric at all: suits are made, masks are not.
        var plan = PlanChecked(Input([Demand("SUITS", 200, 4, Priority.Normal, "S"), Demand("MASKS", 100, 4, Priority.Normal)], []));

        Assert.Equal(200, Of(plan, "SUITS").OnTime);
        Assert.Equal(0, Of(plan, "MASKS").OnTime);
        Assert.Equal("MATERIAL_SHORTAGE:MB", Of(plan, "MASKS").ReasonText);
    }

    [Fact]
    public void StockLotsAndCommittedUnitsConsumeNoMaterial()
    {
        var input = Input([Demand("C", 300, 4, Priority.Critical)], [],
            lots: [new StockLot("R", "D1", "M", 100, Start, 0)],
            commitments: [new Commitment("F1", "C", Start, 40)]);

        var plan = PlanChecked(input);

        Assert.Equal(140, Of(plan, "C").OnTime);
        Assert.Equal(100, plan.Assignments.Where(a => a.Source == Sources.Stock("R")).Sum(a => a.Quantity));
    }

    [Fact]
    public void CriticalDemandGetsTheScarceMaterialBeforeLowerPriorities()
    {
        // Fabric for 100 units; the low-priority masks and the critical respirators come from different factories.
        var plan = PlanChecked(Input([Demand("LOW", 100, 2, Priority.Low), Demand("CRIT", 100, 4, Priority.Critical, "N")], [Supply(50, 0)]));

        Assert.Equal(100, Of(plan, "CRIT").OnTime);
        Assert.Equal(0, Of(plan, "LOW").OnTime + Of(plan, "LOW").Late);
        Assert.Equal("MATERIAL_SHORTAGE:MB", Of(plan, "LOW").ReasonText);
    }

    [Fact]
    public void ScarceMaterialIsSharedFairlyWithinAPriority()
    {
        var plan = PlanChecked(Input([Demand("MASKS", 100, 4, Priority.High), Demand("N95", 100, 4, Priority.High, "N")], [Supply(50, 0)]));

        Assert.Equal(50, Of(plan, "MASKS").OnTime);
        Assert.Equal(50, Of(plan, "N95").OnTime);
    }

    [Fact]
    public void TheShortageNamesOnlyTheMaterialsThatRanOut()
    {
        // Plenty of fabric, elastic for 50 masks.
        var input = Input([Demand("C", 300, 4, Priority.Critical)], [Supply(1000, 0), Supply(100, 0, material: "EL")],
            bom: [new BomLine("M", "MB", 0.5), new BomLine("M", "EL", 2)]);

        var plan = PlanChecked(input);

        Assert.Equal(50, Of(plan, "C").OnTime);
        Assert.Equal("MATERIAL_SHORTAGE:EL", Of(plan, "C").ReasonText);
    }

    [Fact]
    public void CapacityStaysTheReasonWhereMaterialIsLeft()
    {
        var plan = PlanChecked(Input([Demand("C", 800, 4, Priority.Critical)], [Supply(1000, 0)]));

        Assert.Equal(500, Of(plan, "C").OnTime);
        Assert.Equal("CAPACITY_SHORTAGE:F1", Of(plan, "C").ReasonText);
    }

    [Fact]
    public void TheGreedyBaselineUsesOnlyTheMaterialInItsRegion()
    {
        var input = Input([Demand("C", 500, 4, Priority.Critical)], [Supply(30, 0), Supply(100, 0, "B")]);

        var plan = PlanChecked(input, PlannerKind.Greedy);

        Assert.Equal(60, Of(plan, "C").OnTime);
        Assert.Equal(260, PlanChecked(input).Outcomes.Single().OnTime);
    }

    [Fact]
    public void TheEvaluatorNamesMaterialOverUseAndFlowsThatAreNotMoves()
    {
        var input = Input([Demand("C", 500, 4, Priority.Critical)], [Supply(30, 0), Supply(10, 0, "B")]);
        Assignment Make(int day, long units) => new("F1", "C", "M", Start.AddDays(day), Start.AddDays(day), units);
        MaterialFlow Move(string from, string to, int day, int arrival, double quantity) => new("MB", from, to, Start.AddDays(day), Start.AddDays(arrival), quantity);

        var problems = PlanEvaluator.Check(input, [Make(0, 50), Make(1, 40)],
            [Move("B", "A", 0, 1, 10), Move("A", "C", 0, 0, 1), Move("B", "A", 0, 2, 1), Move("B", "A", 9, 10, 1), new MaterialFlow("XX", "B", "A", Start, Start.AddDays(1), 1)]);

        Assert.Collection(problems,
            p => Assert.Contains("no lane from A to another region C", p),
            p => Assert.Contains("arrives 2020-02-05, but ship date + 1 lead days is 2020-02-04", p),
            p => Assert.Contains("ship date is outside the horizon", p),
            p => Assert.Contains("no sku consumes material XX", p),
            p => Assert.Equal("material MB in A on 2020-02-04: 5 more used and moved out than supplied and moved in", p));
    }

    [Fact]
    public void ThePlanDoesNotDependOnTheThreadsAndIsTheSameEachTime()
    {
        var input = Input([Demand("MASKS", 300, 3, Priority.High), Demand("N95", 300, 4, Priority.Critical, "N"), Demand("SUITS", 100, 2, Priority.Low, "S")],
            [Supply(40, 0, "B"), Supply(60, 2, "B"), Supply(20, 1)]);

        var one = Planner.Plan(input, new PlannerOptions { Threads = 1 });
        var two = Planner.Plan(input, new PlannerOptions { Threads = 2 });

        Assert.Equal(one.Assignments, two.Assignments);
        Assert.Equal(one.MaterialFlows, two.MaterialFlows);
        Assert.Empty(PlanEvaluator.Check(input, one.Assignments, one.MaterialFlows));
    }
}
