using EmergencyDispatch.Benchmarks;
using Xunit.Abstractions;

namespace EmergencyDispatch.Tests.Server;

/// <summary>The real server process, killed with SIGKILL under concurrent writes and restarted: no acknowledged write is lost.</summary>
public sealed class CrashDurabilityTests(ITestOutputHelper output)
{
    [Fact]
    public async Task EveryAcknowledgedWriteSurvivesKillNineExactlyOnce()
    {
        var database = Path.Combine(Path.GetTempPath(), $"dispatch-crash-test-{Guid.NewGuid():N}.db");
        try
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "EmergencyDispatch.Server.dll");
            var report = await new CrashCycles(dll, database, output.WriteLine).RunAsync(cycles: 3, seed: 7);

            Assert.Empty(report.Problems);
            Assert.Equal((0, 0, 0, 0), (report.Lost, report.Duplicated, report.IntegrityFailures, report.LedgerFailures));
            // The cycles did write: demand batches, acknowledgements and reports were acknowledged before the kills.
            Assert.True(report.Demands > 0 && report.Acknowledgements > 0 && report.Reports > 0,
                $"{report.Demands} demands, {report.Acknowledgements} acknowledgements, {report.Reports} reports");
        }
        finally
        {
            DispatchFactory.DeleteDatabase(database);
        }
    }
}
