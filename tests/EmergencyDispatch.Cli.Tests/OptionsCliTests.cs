using EmergencyDispatch.Cli;
using EmergencyDispatch.Cli.Infrastructure;
using EmergencyDispatch.Planning.Plans;

namespace EmergencyDispatch.Tests.Cli;

/// <summary><c>dispatchctl solve --option-budget</c> and <c>dispatchctl options frontier</c> on the seed scenario's options.</summary>
public sealed class OptionsCliTests
{
    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = DispatchCli.CreateRootCommand(CliConsole.FromWriters(output, error), _ => throw new InvalidOperationException("no call is made"));
        var exit = root.Parse(args).Invoke();
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void SolveWithABudgetWritesTheDecisionsAndTheOptionsTaken()
    {
        var solved = Path.Combine(Path.GetTempPath(), $"dispatch-options-{Guid.NewGuid():N}");
        try
        {
            var (exit, output, _) = Run("solve", RepositoryPaths.Seeds, "--out", solved, "--option-budget", "10000000");

            Assert.Equal(ExitCodes.Ok, exit);
            var decisions = File.ReadAllLines(Path.Combine(solved, PlanFiles.DecisionsFile));
            Assert.Equal("option_id,taken,units", decisions[0]);
            Assert.Equal(File.ReadAllLines(Path.Combine(RepositoryPaths.Seeds, "options.csv")).Length, decisions.Length);
            Assert.Contains(decisions.Skip(1), line => line.Split(',') is [_, "1", var units] && units != "0");
            Assert.Contains(decisions.Skip(1), line => line.Split(',') is [_, "0", "0"]);
            var assignments = File.ReadAllText(Path.Combine(solved, PlanFiles.AssignmentsFile));
            Assert.Contains(",option:OPT-", assignments);
            Assert.Matches(@"options: \d+ of 11 taken, [\d,]+ of the budget 10,000,000 spent", output);
        }
        finally
        {
            if (Directory.Exists(solved))
                Directory.Delete(solved, recursive: true);
        }
    }

    [Fact]
    public void TheFrontierPrintsEveryBudgetWithItsOptions()
    {
        var (exit, output, error) = Run("options", "frontier", RepositoryPaths.Seeds, "--budgets", "0,1e7");

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Equal("", error);
        Assert.Contains("budget 0: no option", output);
        Assert.Matches(@"budget 10,000,000: OPT-", output);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(output, "│ CRITICAL ").Count);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(output, "│ LOW ").Count);
    }

    [Theory]
    [InlineData("0,1e6", true)]
    [InlineData("-1", false)]
    [InlineData("lots", false)]
    [InlineData("1e16", false)]
    [InlineData("0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20", false)]
    public void BudgetsAreChecked(string budgets, bool accepted)
    {
        var root = DispatchCli.CreateRootCommand(CliConsole.FromWriters(new StringWriter(), new StringWriter()), _ => throw new InvalidOperationException("no call is made"));

        Assert.Equal(accepted, root.Parse(["options", "frontier", RepositoryPaths.Seeds, "--budgets", budgets]).Errors.Count == 0);
    }

    [Theory]
    [InlineData("5e6", true)]
    [InlineData("0", true)]
    [InlineData("-1", false)]
    [InlineData("lots", false)]
    public void SolvesBudgetIsChecked(string budget, bool accepted)
    {
        var root = DispatchCli.CreateRootCommand(CliConsole.FromWriters(new StringWriter(), new StringWriter()), _ => throw new InvalidOperationException("no call is made"));

        Assert.Equal(accepted, root.Parse(["solve", RepositoryPaths.Seeds, "--out", "unused", "--option-budget", budget]).Errors.Count == 0);
    }
}
