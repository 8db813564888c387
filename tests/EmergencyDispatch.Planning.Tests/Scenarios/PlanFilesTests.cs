using System.Security.Cryptography;
using System.Text;
using EmergencyDispatch.Planning.Plans;

namespace EmergencyDispatch.Tests.Scenarios;

public sealed class PlanFilesTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"dispatch-plan-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    private static readonly DateOnly Day1 = new(2025, 3, 1);
    private static readonly DateOnly Day2 = new(2025, 3, 2);
    private static readonly DateOnly Day3 = new(2025, 3, 3);

    private static readonly Assignment[] Assignments =
    [
        new("F2", "R1", "WATER", Day1, Day2, 10),
        new("F1", "R2", "BLANKET", Day2, Day3, 5),
        new("F1", "R10", "WATER", Day2, Day2, 7),
        new("F1", "R1", "WATER", Day1, Day2, 300),
        new("F10", "R1", "WATER", Day1, Day1, 1),
    ];

    private static readonly Outcome[] Outcomes =
    [
        new("R2", 100, 5, 0, ShortfallReason.CapacityShortage, ["F1", "F7"]),
        new("R10", 7, 7, 0, ShortfallReason.None, []),
        new("R1", 500, 310, 1, ShortfallReason.NoOnTimeRoute, []),
        new("a", 3, 0, 0, ShortfallReason.NoCapableFactory, []),
        new("B", 4, 0, 0, ShortfallReason.CapacityShortage, []),
    ];

    private static string Written(Action<TextWriter> write)
    {
        var writer = new StringWriter();
        write(writer);
        return writer.ToString();
    }

    [Fact]
    public void AssignmentsAreWrittenByFactoryThenProductionDateThenRequestId()
    {
        var text = Written(w => PlanFiles.WriteAssignments(w, Assignments));

        Assert.Equal(
            """
            factory_id,request_id,sku,production_date,arrival_date,quantity,source
            F1,R1,WATER,2025-03-01,2025-03-02,300,capacity
            F1,R10,WATER,2025-03-02,2025-03-02,7,capacity
            F1,R2,BLANKET,2025-03-02,2025-03-03,5,capacity
            F10,R1,WATER,2025-03-01,2025-03-01,1,capacity
            F2,R1,WATER,2025-03-01,2025-03-02,10,capacity

            """,
            text);
    }

    [Fact]
    public void AssignmentsFromStockRoundTripAndAFileWithoutSourceMeansCapacity()
    {
        Assignment[] assignments =
        [
            new("DEPOT-1", "R1", "WATER", Day1, Day1.AddDays(2), 40, Sources.Stock("LOT-7")),
            new("DEPOT-1", "R1", "WATER", Day1, Day1.AddDays(2), 5),
        ];
        var text = Written(w => PlanFiles.WriteAssignments(w, assignments));

        var (back, errors) = PlanFiles.ReadAssignments(new StringReader(text));
        var (old, oldErrors) = PlanFiles.ReadAssignments(new StringReader(
            "factory_id,request_id,sku,production_date,arrival_date,quantity\nF1,R1,WATER,2025-03-01,2025-03-02,3\n"));
        var (bad, badErrors) = PlanFiles.ReadAssignments(new StringReader(
            "factory_id,request_id,sku,production_date,arrival_date,quantity,source\nF1,R1,WATER,2025-03-01,2025-03-02,3,stock:\nF1,R1,WATER,2025-03-01,2025-03-02,3,line\n"));

        Assert.Empty(errors);
        Assert.Equal(assignments.OrderBy(a => a.Source, StringComparer.Ordinal), back!);
        Assert.Empty(oldErrors);
        Assert.Equal(Sources.Capacity, Assert.Single(old!).Source);
        Assert.Null(bad);
        Assert.Equal(["assignments.csv:2: source", "assignments.csv:3: source"], badErrors.Select(e => $"{e.File}:{e.Line}: {e.Field}"));
    }

    [Fact]
    public void TheHashOfAPlanWithoutStockIsThatOfTheFileWithoutTheSourceColumn()
    {
        var sixColumns = string.Join('\n', Written(w => PlanFiles.WriteAssignments(w, Assignments)).Split('\n')
            .Select(line => line.EndsWith(",source", StringComparison.Ordinal) ? line[..^",source".Length]
                : line.EndsWith(",capacity", StringComparison.Ordinal) ? line[..^",capacity".Length] : line));
        Assignment[] withStock = [.. Assignments, new("D1", "R1", "WATER", Day1, Day1, 3, Sources.Stock("L1"))];

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sixColumns))), PlanFiles.AssignmentsSha256(Assignments));
        Assert.Equal(
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Written(w => PlanFiles.WriteAssignments(w, withStock))))),
            PlanFiles.AssignmentsSha256(withStock));
    }

    [Fact]
    public void MaterialShortageNamesItsMaterialsAndReadsBack()
    {
        var outcome = new Outcome("R1", 10, 2, 0, ShortfallReason.MaterialShortage, []) { BindingMaterials = ["MELTBLOWN", "WIRE"] };
        var text = Written(w => PlanFiles.WriteOutcomes(w, [outcome]));

        var (back, errors) = PlanFiles.ReadOutcomes(new StringReader(text));

        Assert.Contains("R1,10,2,0,8,MATERIAL_SHORTAGE:MELTBLOWN;WIRE", text);
        Assert.Empty(errors);
        Assert.Equal(["MELTBLOWN", "WIRE"], Assert.Single(back!).BindingMaterials);
    }

    [Fact]
    public void MaterialFlowsAreWrittenInOrderWithExactQuantitiesAndReadBack()
    {
        MaterialFlow[] flows =
        [
            new("MB", "HUBEI", "HENAN", Day2, Day3, 12.5),
            new("MB", "GUANGDONG", "HUBEI", Day1, Day3, 0.1 + 0.2),
            new("ELASTIC", "HUBEI", "HENAN", Day1, Day2, 3),
        ];

        PlanFiles.Write(_directory, [], [], flows);
        var text = File.ReadAllText(Path.Combine(_directory, PlanFiles.MaterialFlowsFile));
        var (back, errors) = PlanFiles.ReadMaterialFlows(Path.Combine(_directory, PlanFiles.MaterialFlowsFile));

        Assert.Equal(
            "material_id,from_region,to_region,ship_date,arrival_date,quantity\n"
            + "ELASTIC,HUBEI,HENAN,2025-03-01,2025-03-02,3\n"
            + "MB,GUANGDONG,HUBEI,2025-03-01,2025-03-03,0.30000000000000004\n"
            + "MB,HUBEI,HENAN,2025-03-02,2025-03-03,12.5\n",
            text);
        Assert.Empty(errors);
        Assert.Equal(PlanFiles.InFileOrder(flows), back!);
    }

    [Fact]
    public void APlanWithoutMaterialsWritesNoFlowsFileAndBadFlowsAreReportedWithTheirLines()
    {
        PlanFiles.Write(_directory, Assignments, Outcomes);
        var (_, errors) = PlanFiles.ReadMaterialFlows(new StringReader(
            "material_id,from_region,to_region,ship_date,arrival_date,quantity\nMB,A,B,2025-03-02,2025-03-01,-1\nMB,A,B,2025-03-02,2025-03-03,lots\n"));

        Assert.False(File.Exists(Path.Combine(_directory, PlanFiles.MaterialFlowsFile)));
        Assert.Equal(
            ["material_flows.csv:2: quantity: must be greater than 0", "material_flows.csv:2: arrival_date: is before ship_date", "material_flows.csv:3: quantity: 'lots' is not a number"],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void OutcomesAreWrittenByOrdinalRequestIdWithTheReasonText()
    {
        var text = Written(w => PlanFiles.WriteOutcomes(w, Outcomes));

        Assert.Equal(
            """
            request_id,quantity,on_time,late,unmet,reason
            B,4,0,0,4,CAPACITY_SHORTAGE
            R1,500,310,1,189,NO_ON_TIME_ROUTE
            R10,7,7,0,0,
            R2,100,5,0,95,CAPACITY_SHORTAGE:F1;F7
            a,3,0,0,3,NO_CAPABLE_FACTORY

            """,
            text);
    }

    [Fact]
    public void WrittenPlanIsReadBackInFileOrder()
    {
        PlanFiles.Write(_directory, Assignments, Outcomes);

        var (assignments, assignmentErrors) = PlanFiles.ReadAssignments(Path.Combine(_directory, PlanFiles.AssignmentsFile));
        var (outcomes, outcomeErrors) = PlanFiles.ReadOutcomes(Path.Combine(_directory, PlanFiles.OutcomesFile));

        Assert.Empty(assignmentErrors);
        Assert.Empty(outcomeErrors);
        Assert.Equal(PlanFiles.InFileOrder(Assignments), assignments!);
        var expected = PlanFiles.InFileOrder(Outcomes).ToList();
        Assert.Equal(expected.Select(o => (o.DemandKey, o.Quantity, o.OnTime, o.Late, o.Unmet, o.Reason)),
            outcomes!.Select(o => (o.DemandKey, o.Quantity, o.OnTime, o.Late, o.Unmet, o.Reason)));
        Assert.Equal(expected.Select(o => o.BindingFactories), outcomes!.Select(o => o.BindingFactories));
    }

    [Fact]
    public void SameRowsInAnotherOrderGiveIdenticalBytes()
    {
        var other = Path.Combine(_directory, "other");

        PlanFiles.Write(_directory, Assignments, Outcomes);
        PlanFiles.Write(other, Enumerable.Reverse(Assignments), Enumerable.Reverse(Outcomes));

        Assert.Equal(File.ReadAllBytes(Path.Combine(_directory, PlanFiles.AssignmentsFile)), File.ReadAllBytes(Path.Combine(other, PlanFiles.AssignmentsFile)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(_directory, PlanFiles.OutcomesFile)), File.ReadAllBytes(Path.Combine(other, PlanFiles.OutcomesFile)));
    }

    [Fact]
    public void OutcomeWhoseUnmetDoesNotAddUpIsReported()
    {
        var text = "request_id,quantity,on_time,late,unmet,reason\nR1,10,4,1,4,CAPACITY_SHORTAGE\n";

        var (outcomes, errors) = PlanFiles.ReadOutcomes(new StringReader(text));

        Assert.Null(outcomes);
        Assert.Equal(["outcomes.csv:2: unmet"], errors.Select(ScenarioFolder.Location));
    }

    [Fact]
    public void UnknownReasonAndBadAssignmentFieldsAreReportedWithTheirLines()
    {
        var outcomes = "request_id,quantity,on_time,late,unmet,reason\nR1,10,10,0,0,\nR2,10,0,0,10,TOO_BAD\nR3,10,0,0,10,NO_ON_TIME_ROUTE:F1\n";
        var assignments = "factory_id,request_id,sku,production_date,arrival_date,quantity\nF1,R1,WATER,2025-03-02,2025-03-01,0\n";

        var (_, outcomeErrors) = PlanFiles.ReadOutcomes(new StringReader(outcomes));
        var (_, assignmentErrors) = PlanFiles.ReadAssignments(new StringReader(assignments));

        Assert.Equal(["outcomes.csv:3: reason", "outcomes.csv:4: reason"], outcomeErrors.Select(ScenarioFolder.Location));
        Assert.Equal(["assignments.csv:2: quantity", "assignments.csv:2: arrival_date"], assignmentErrors.Select(ScenarioFolder.Location));
    }
}
