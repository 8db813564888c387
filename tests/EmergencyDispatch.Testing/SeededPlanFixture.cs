using EmergencyDispatch.Api.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace EmergencyDispatch.Testing;

/// <summary>The seeded service with one LP plan of the seed scenario's own request (2020-02-03, 14 days), made once for the class.</summary>
public sealed class SeededPlanFixture : IAsyncLifetime
{
    public DispatchFactory Factory { get; } = new(seed: true);

    public GrpcChannel Channel { get; private set; } = null!;

    public PlanningService.PlanningServiceClient Planning { get; private set; } = null!;

    /// <summary>Every message of the CreatePlan stream that made the plan.</summary>
    public IReadOnlyList<CreatePlanProgress> Messages { get; private set; } = [];

    public PlanSummary Plan => Messages[^1].Plan;

    public async Task InitializeAsync()
    {
        Channel = Factory.CreateChannel();
        Planning = new PlanningService.PlanningServiceClient(Channel);
        using var call = Planning.CreatePlan(new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = 14 });
        Messages = await PlanStreams.ReadAll(call);
    }

    public Task DisposeAsync()
    {
        Channel.Dispose();
        Factory.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>The messages of a CreatePlan stream.</summary>
public static class PlanStreams
{
    public static async Task<List<CreatePlanProgress>> ReadAll(AsyncServerStreamingCall<CreatePlanProgress> call, CancellationToken ct = default)
    {
        var messages = new List<CreatePlanProgress>();
        while (await call.ResponseStream.MoveNext(ct))
            messages.Add(call.ResponseStream.Current);
        return messages;
    }
}
