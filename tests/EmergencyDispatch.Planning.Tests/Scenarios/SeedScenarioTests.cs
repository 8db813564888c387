using EmergencyDispatch.Planning.Scenarios;

namespace EmergencyDispatch.Tests.Scenarios;

public class SeedScenarioTests
{
    [Fact]
    public void SeedScenarioHasNoErrors()
    {
        var seeds = Path.Combine(RepositoryRoot(), "seeds");

        var (scenario, errors) = ScenarioReader.Read(seeds);

        Assert.Empty(errors.Select(e => e.ToString()));
        Assert.NotNull(scenario);
        Assert.NotEmpty(scenario.Demands);
    }

    /// <summary>The folder holding EmergencyDispatch.sln, found by walking up from the test assembly.</summary>
    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EmergencyDispatch.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("EmergencyDispatch.sln not found above the test assembly");
    }
}
