using EmergencyDispatch.Cli;
using EmergencyDispatch.Cli.Infrastructure;
using EmergencyDispatch.Planning.Scenarios;

namespace EmergencyDispatch.Tests.Cli;

/// <summary><c>dispatchctl generate</c>: the generator's scenario written to a folder, without a server.</summary>
public sealed class GenerateCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"dispatch-generate-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task GenerateCommandWritesTheFolderAndPrintsTheRatioWithoutAServer()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = DispatchCli.CreateRootCommand(CliConsole.FromWriters(output, error), _ => throw new InvalidOperationException("no server is needed"));

        var exit = await root.Parse(["generate", "--factories", "30", "--demands", "90", "--seed", "3", "--start", "2021-06-01", "--out", _directory]).InvokeAsync();

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Empty(error.ToString());
        var generated = ScenarioGenerator.Generate(new GeneratorOptions { Factories = 30, Demands = 90, Seed = 3, StartDate = new DateOnly(2021, 6, 1) });
        Assert.Contains($"demand/capacity: {generated.Ratio.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)}", output.ToString());
        var (read, errors) = ScenarioReader.Read(_directory);
        Assert.Empty(errors);
        ScenarioAssert.Same(generated.Scenario, read!);
    }

    [Fact]
    public async Task GenerateCommandRefusesABadStartDate()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = DispatchCli.CreateRootCommand(CliConsole.FromWriters(output, error));

        var exit = await root.Parse(["generate", "--factories", "3", "--demands", "5", "--start", "2020-13-01", "--out", _directory])
            .InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });

        Assert.NotEqual(ExitCodes.Ok, exit);
        Assert.Contains("--start '2020-13-01' is not a date yyyy-MM-dd.", error.ToString());
        Assert.False(Directory.Exists(_directory));
    }
}
