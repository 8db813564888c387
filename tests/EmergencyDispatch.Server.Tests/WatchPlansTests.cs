using EmergencyDispatch.Api.V1;
using Grpc.Core;

namespace EmergencyDispatch.Tests.Server;

/// <summary>WatchPlans: the plans as they are stored and published, pushed to the caller.</summary>
public sealed class WatchPlansTests : IDisposable
{
    private readonly DispatchFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task AWatchGetsTheNewestAndActivePlanThenEachNewPlanAndEachPublication()
    {
        using var channel = _factory.CreateChannel();
        await Fixtures.RegisterSmallRegistry(new RegistryService.RegistryServiceClient(channel));
        await new DemandService.DemandServiceClient(channel).SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("D-1", 600), Fixtures.Line("D-2", 900, priority: Priority.Critical)));
        var planning = new PlanningService.PlanningServiceClient(channel);
        async Task<PlanSummary> Plan(bool publish)
        {
            using var call = planning.CreatePlan(new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = 5, Planner = Planner.Greedy, Publish = publish });
            return (await PlanStreams.ReadAll(call))[^1].Plan;
        }
        var active = await Plan(publish: true);
        var draft = await Plan(publish: false);

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var watch = planning.WatchPlans(new WatchPlansRequest(), cancellationToken: stop.Token);
        async Task<PlanSummary> Next()
        {
            Assert.True(await watch.ResponseStream.MoveNext(stop.Token), "the watch ended");
            Assert.Equal(WatchPlansResponse.EventOneofCase.Plan, watch.ResponseStream.Current.EventCase);
            return watch.ResponseStream.Current.Plan;
        }

        // The state now: the newest plan, then the active one.
        var newest = await Next();
        Assert.Equal((draft.PlanId, PlanStatus.Draft), (newest.PlanId, newest.Status));
        var first = await Next();
        Assert.Equal((active.PlanId, PlanStatus.Active), (first.PlanId, first.Status));
        Assert.True(await watch.ResponseStream.MoveNext(stop.Token));
        Assert.Equal(draft.PlanId, watch.ResponseStream.Current.Synced.NewestPlanId);

        // A new plan, as it is stored.
        var third = await Plan(publish: false);
        var made = await Next();
        Assert.Equal((third.PlanId, PlanStatus.Draft, third.AssignmentsSha256), (made.PlanId, made.Status, made.AssignmentsSha256));

        // A publication: the plan it superseded, then the new active plan.
        await planning.PublishPlanAsync(new PublishPlanRequest { PlanId = third.PlanId });
        var superseded = await Next();
        var published = await Next();
        Assert.Equal((active.PlanId, PlanStatus.Superseded), (superseded.PlanId, superseded.Status));
        Assert.Equal((third.PlanId, PlanStatus.Active), (published.PlanId, published.Status));

        // With no plan stored yet, a watch is synced at once.
        using (var empty = new DispatchFactory())
        using (var emptyChannel = empty.CreateChannel())
        using (var none = new PlanningService.PlanningServiceClient(emptyChannel).WatchPlans(new WatchPlansRequest(), cancellationToken: stop.Token))
        {
            Assert.True(await none.ResponseStream.MoveNext(stop.Token));
            Assert.Equal(0, none.ResponseStream.Current.Synced.NewestPlanId);
        }

        // A factory key may not watch the plans.
        using var factoryChannel = _factory.CreateChannel(_factory.CreateKey(Role.Factory, "F1", name: "f1"));
        using var refused = new PlanningService.PlanningServiceClient(factoryChannel).WatchPlans(new WatchPlansRequest());
        await Rpc.Fails(StatusCode.PermissionDenied, async () => await refused.ResponseStream.MoveNext(CancellationToken.None));
        await stop.CancelAsync();
    }
}
