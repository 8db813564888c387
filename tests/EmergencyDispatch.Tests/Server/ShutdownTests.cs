using System.Diagnostics;
using EmergencyDispatch.Api.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EmergencyDispatch.Tests.Server;

/// <summary>Long-lived streams end when the host stops instead of holding up its shutdown.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task AnOpenWatchEndsUnavailableWithWhereToResumeWhenTheHostStops()
    {
        using var factory = new DispatchFactory();
        var channel = factory.CreateChannel();
        await Fixtures.RegisterSmallRegistry(new RegistryService.RegistryServiceClient(channel));
        var assignments = new AssignmentService.AssignmentServiceClient(channel);
        using var watch = assignments.WatchAssignments(new WatchAssignmentsRequest { FactoryId = "F1" });
        Assert.True(await watch.ResponseStream.MoveNext());
        Assert.Equal(WatchAssignmentsResponse.EventOneofCase.Synced, watch.ResponseStream.Current.EventCase);

        var clock = Stopwatch.StartNew();
        factory.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        // Before streams followed the host's stopping, this waited for the host's 30 s shutdown timeout; fail instead of hanging.
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var e = await Rpc.Fails(StatusCode.Unavailable, () => watch.ResponseStream.MoveNext(bound.Token));

        Assert.Contains("shutting down", e.Status.Detail);
        Assert.Contains("after_version", e.Status.Detail);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the watch ended {clock.Elapsed.TotalSeconds:0.0} s after the host began to stop");
    }
}
