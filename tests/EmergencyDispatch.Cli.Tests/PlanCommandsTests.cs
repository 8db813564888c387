using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Cli;
using EmergencyDispatch.Cli.Infrastructure;
using EmergencyDispatch.Planning.Plans;
using ApiPlanner = EmergencyDispatch.Api.V1.Planner;

namespace EmergencyDispatch.Tests.Cli;

/// <summary><c>dispatchctl plan</c> against the seeded service with its stored plan of the seed scenario.</summary>
public sealed class PlanCommandsTests(SeededPlanFixture fixture) : IClassFixture<SeededPlanFixture>
{
    [Fact]
    public async Task PlanExportWritesTheSameFilesAsSolveOnTheSeeds()
    {
        var exported = Path.Combine(Path.GetTempPath(), $"dispatch-export-{Guid.NewGuid():N}");
        var solved = Path.Combine(Path.GetTempPath(), $"dispatch-solve-{Guid.NewGuid():N}");
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            var root = DispatchCli.CreateRootCommand(CliConsole.FromWriters(output, error), _ => fixture.Factory.CreateChannel());

            var export = await root.Parse(["plan", "export", fixture.Plan.PlanId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", exported]).InvokeAsync();
            var solve = await root.Parse(["solve", RepositoryPaths.Seeds, "--out", solved]).InvokeAsync();

            Assert.Equal((ExitCodes.Ok, ExitCodes.Ok), (export, solve));
            Assert.Equal(File.ReadAllBytes(Path.Combine(solved, PlanFiles.AssignmentsFile)), File.ReadAllBytes(Path.Combine(exported, PlanFiles.AssignmentsFile)));
            Assert.Equal(File.ReadAllBytes(Path.Combine(solved, PlanFiles.OutcomesFile)), File.ReadAllBytes(Path.Combine(exported, PlanFiles.OutcomesFile)));
            Assert.Contains($"sha256 {fixture.Plan.AssignmentsSha256}", output.ToString());
        }
        finally
        {
            foreach (var directory in new[] { exported, solved })
            {
                if (Directory.Exists(directory))
                    Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task PlanShowPrintsTheSummaryPerPriorityAndTheLargestShortfalls()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = DispatchCli.CreateRootCommand(CliConsole.FromWriters(output, error), _ => fixture.Factory.CreateChannel());

        var exit = await root.Parse(["plan", "show", fixture.Plan.PlanId.ToString(System.Globalization.CultureInfo.InvariantCulture)]).InvokeAsync();

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Equal("", error.ToString());
        var text = output.ToString();
        Assert.Contains("smallest fill ratio", text);
        Assert.Contains("CRITICAL", text);
        Assert.Contains(fixture.Plan.LargestShortfalls[0].RequestId, text);
        Assert.Contains(fixture.Plan.AssignmentsSha256, text);
    }

    [Fact]
    public async Task PlanShowsTablesFitAnEightyColumnTerminalWithLongReasonsCounted()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = DispatchCli.CreateRootCommand(CliConsole.FromWriters(output, error, width: 80), _ => fixture.Factory.CreateChannel());

        var exit = await root.Parse(["plan", "show", fixture.Plan.PlanId.ToString(System.Globalization.CultureInfo.InvariantCulture)]).InvokeAsync();

        Assert.Equal(ExitCodes.Ok, exit);
        var lines = output.ToString().Split('\n');
        var tableLines = lines.Where(l => l.IndexOfAny(['│', '─']) >= 0).ToList();
        Assert.NotEmpty(tableLines);
        Assert.All(tableLines, l => Assert.True(l.TrimEnd().Length <= 80, $"{l.TrimEnd().Length} columns: {l}"));
        // Each shortfall's reason code is whole on its row; many binding sites are counted, not listed.
        foreach (var o in fixture.Plan.LargestShortfalls)
        {
            var row = Assert.Single(lines, l => l.Contains($"│ {o.RequestId} ", StringComparison.Ordinal));
            var code = o.Reason.ToString() switch { "CapacityShortage" => "CAPACITY_SHORTAGE", "MaterialShortage" => "MATERIAL_SHORTAGE", "NoOnTimeRoute" => "NO_ON_TIME_ROUTE", _ => "NO_CAPABLE_FACTORY" };
            Assert.True(row.Contains(code, StringComparison.Ordinal), string.Join("\n", tableLines));
            if (o.BindingFactories.Count > 2)
                Assert.Contains($"{code}: {o.BindingFactories.Count}", row, StringComparison.Ordinal);
        }
        Assert.Contains(fixture.Plan.LargestShortfalls, o => o.BindingFactories.Count > 2);
    }

    [Fact]
    public async Task PlanShowAndExportWithARegionKeepOnlyTheDemandsDestinedToIt()
    {
        var planning = new PlanningService.PlanningServiceClient(fixture.Channel);
        var hb = (await new DemandService.DemandServiceClient(fixture.Channel).ListDemandsAsync(new ListDemandsRequest { Region = "HB", Page = new PageRequest { PageSize = 1000 } }))
            .Demands.Select(d => d.DemandId).ToHashSet();
        var outcomes = (await planning.GetPlanAsync(new GetPlanRequest { PlanId = fixture.Plan.PlanId, View = PlanView.Outcomes, Page = new PageRequest { PageSize = 1000 } })).Outcomes;
        var mine = outcomes.Where(o => hb.Contains(o.DemandId)).ToList();
        Assert.InRange(mine.Count, 1, outcomes.Count - 1);
        var id = fixture.Plan.PlanId.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var output = new StringWriter();
        var error = new StringWriter();
        var root = DispatchCli.CreateRootCommand(CliConsole.FromWriters(output, error), _ => fixture.Factory.CreateChannel());
        Assert.Equal(ExitCodes.Ok, await root.Parse(["plan", "show", id, "--region", "HB"]).InvokeAsync());
        var text = output.ToString();
        Assert.Contains($"region HB: {mine.Count} of its {outcomes.Count} demands", text);
        var critical = mine.Where(o => o.Priority == Priority.Critical).ToList();
        Assert.Matches($@"CRITICAL\s*│\s*{critical.Sum(o => o.Quantity):N0}\s*│\s*{critical.Sum(o => o.OnTime):N0}\s*│\s*{critical.Sum(o => o.Late):N0}\s*│\s*{critical.Sum(o => o.Unmet):N0}", text);

        var json = new StringWriter();
        root = DispatchCli.CreateRootCommand(CliConsole.FromWriters(json, error), _ => fixture.Factory.CreateChannel());
        Assert.Equal(ExitCodes.Ok, await root.Parse(["plan", "show", id, "--region", "HB", "--json"]).InvokeAsync());
        var response = Google.Protobuf.JsonParser.Default.Parse<GetPlanResponse>(json.ToString());
        Assert.Equal(mine.Select(o => o.DemandId).Order(), response.Outcomes.Select(o => o.DemandId).Order());

        var exported = Path.Combine(Path.GetTempPath(), $"dispatch-export-hb-{Guid.NewGuid():N}");
        try
        {
            Assert.Equal(ExitCodes.Ok, await root.Parse(["plan", "export", id, "--out", exported, "--region", "HB"]).InvokeAsync());
            var (written, _) = PlanFiles.ReadOutcomes(Path.Combine(exported, PlanFiles.OutcomesFile));
            Assert.Equal(mine.Select(o => o.RequestId).Order(StringComparer.Ordinal), written!.Select(o => o.DemandKey).Order(StringComparer.Ordinal));
            var (assignments, _) = PlanFiles.ReadAssignments(Path.Combine(exported, PlanFiles.AssignmentsFile));
            var keys = mine.Select(o => o.RequestId).ToHashSet(StringComparer.Ordinal);
            Assert.NotEmpty(assignments!);
            Assert.All(assignments!, a => Assert.Contains(a.DemandKey, keys));
        }
        finally
        {
            if (Directory.Exists(exported))
                Directory.Delete(exported, recursive: true);
        }
    }

    [Fact]
    public async Task PlanCreateWarnsWhenEveryOpenDemandIsDueBeforeItsStart()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = DispatchCli.CreateRootCommand(CliConsole.FromWriters(output, error), _ => fixture.Factory.CreateChannel());

        var exit = await root.Parse(["plan", "create", "--start", "2021-03-01", "--horizon", "3", "--planner", "greedy"]).InvokeAsync();

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Matches(@"warning: every open demand is due before the plan's start 2021-03-01 \(the latest on 2020-02-\d\d\), so none of it can be on time", error.ToString());
    }

    [Theory]
    [InlineData("CAPACITY_SHORTAGE:F1;F2;F3", "CAPACITY_SHORTAGE: 3 sites")]
    [InlineData("CAPACITY_SHORTAGE:F1;F2", "CAPACITY_SHORTAGE: F1, F2")]
    [InlineData("MATERIAL_SHORTAGE:MELTBLOWN", "MATERIAL_SHORTAGE: MELTBLOWN")]
    [InlineData("MATERIAL_SHORTAGE:A;B;C;D", "MATERIAL_SHORTAGE: 4 materials")]
    [InlineData("NO_CAPABLE_FACTORY", "NO_CAPABLE_FACTORY")]
    public void LongReasonsAreCountedForTables(string reason, string shown) =>
        Assert.Equal(shown, EmergencyDispatch.Cli.Commands.PlanSummaryView.ShortReason(reason));

    [Fact]
    public async Task PlanCreateWithTheCliPrintsProgressLinesAndTheGreedyPlan()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = DispatchCli.CreateRootCommand(CliConsole.FromWriters(output, error), _ => fixture.Factory.CreateChannel());

        var exit = await root.Parse(["plan", "create", "--start", "2020-02-03", "--planner", "greedy", "--json"]).InvokeAsync();

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.StartsWith("planning", error.ToString());
        Assert.DoesNotContain("warning", error.ToString());
        var summary = Google.Protobuf.JsonParser.Default.Parse<PlanSummary>(output.ToString());
        Assert.Equal(ApiPlanner.Greedy, summary.Request.Planner);
        Assert.Equal(14, summary.Request.HorizonDays);
        Assert.True(summary.PlanId > fixture.Plan.PlanId);
    }
}
