using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Planning.Plans;
using EmergencyDispatch.Server.PlanQueue;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using ApiPlanCompletion = EmergencyDispatch.Api.V1.PlanCompletion;
using ApiPlanner = EmergencyDispatch.Api.V1.Planner;
using DomainPlanCompletion = EmergencyDispatch.Planning.Plans.PlanCompletion;

namespace EmergencyDispatch.Tests.Server;

/// <summary>A solver whose step failed: the plan is stored and shown as a solver failure, never as a time limit.</summary>
public sealed class SolverFailureTests : IDisposable
{
    private readonly DispatchFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    /// <summary>The real planner's plan, as if its cost step had ended INFEASIBLE.</summary>
    private sealed class FailingSolver : IPlanSolver
    {
        public PlanResult Solve(PlanningInput input, PlannerOptions options, IProgress<PlanProgress> progress, CancellationToken cancellationToken)
        {
            var plan = new PlanSolver().Solve(input, options, progress, cancellationToken);
            return plan with { Completion = DomainPlanCompletion.SolverFailed, LastCompletedStep = Step.All[^2], Failure = new SolverFailure(Step.All[^1], "INFEASIBLE") };
        }
    }

    [Fact]
    public async Task APlanWhoseSolverFailedIsStoredAndShownAsASolverFailure()
    {
        var app = _factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IPlanSolver>(new FailingSolver())));
        var channel = DispatchFactory.CreateChannel(app.Server, DispatchFactory.ReadAdminToken(_factory.DatabasePath));
        await Fixtures.RegisterSmallRegistry(new RegistryService.RegistryServiceClient(channel));
        await new DemandService.DemandServiceClient(channel).SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("Q-1", 500)));
        var planning = new PlanningService.PlanningServiceClient(channel);

        using var call = planning.CreatePlan(new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = 7, Planner = ApiPlanner.Lp });
        var summary = (await PlanStreams.ReadAll(call))[^1].Plan;
        var stored = await planning.GetPlanAsync(new GetPlanRequest { PlanId = summary.PlanId });

        Assert.Equal(ApiPlanCompletion.SolverFailed, summary.Completion);
        Assert.Equal(ApiPlanCompletion.SolverFailed, stored.Summary.Completion);
        Assert.Equal(Step.All[^2].Name, stored.Summary.LastCompletedStep);
        using var connection = new SqliteConnection($"Data Source={_factory.DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT completion FROM plan";
        Assert.Equal("SOLVER_FAILED", command.ExecuteScalar());
    }
}
