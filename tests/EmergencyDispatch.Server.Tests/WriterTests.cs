using System.Collections.Concurrent;
using EmergencyDispatch.Server.Persistence;
using Microsoft.Extensions.DependencyInjection;

namespace EmergencyDispatch.Tests.Server;

/// <summary>The single writer's order: one caller's heavy writes cannot hold another caller's short write back.</summary>
public sealed class WriterTests : IDisposable
{
    private readonly DispatchFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task AShortWriteOfAnotherCallerCommitsBeforeAHeavyCallersQueuedWrites()
    {
        using var channel = _factory.CreateChannel();
        var writer = _factory.Services.GetRequiredService<Writer>();
        var order = new ConcurrentQueue<string>();
        using var hold = new ManualResetEventSlim(false);
        var held = new TaskCompletionSource();

        // The writer is busy with a write that waits; meanwhile one caller queues heavy writes and light ones, another one light write.
        var blocking = writer.WriteAsync(new CallInfo("Test/Hold", "bulk"), (_, _) =>
        {
            held.TrySetResult();
            hold.Wait(TimeSpan.FromSeconds(10));
            order.Enqueue("hold");
            return 0;
        }, CancellationToken.None, _ => null);
        await held.Task;
        var queued = new List<Task<int>>();
        Task<int> Write(string actor, string name, int weight) =>
            writer.WriteAsync(new CallInfo("Test/Write", actor), (_, _) =>
            {
                order.Enqueue(name);
                return 0;
            }, CancellationToken.None, _ => null, weight);
        for (var i = 0; i < 3; i++)
            queued.Add(Write("bulk", $"bulk-heavy-{i}", 5000));
        for (var i = 0; i < 3; i++)
            queued.Add(Write("bulk", $"bulk-{i}", 1000));
        queued.Add(Write("coordinator", "coordinator", 1));
        // Let every write reach the writer's queue before it goes on.
        await Task.Delay(200);
        hold.Set();
        await blocking;
        await Task.WhenAll(queued);

        // After the write in progress, heavy writes and light groups alternate: the coordinator's short write goes in
        // the first light group, ahead of the bulk caller's light write that would not fit beside it, which then goes
        // first in the next light group.
        Assert.Equal(["hold", "bulk-heavy-0", "coordinator", "bulk-heavy-1", "bulk-0", "bulk-heavy-2", "bulk-1", "bulk-2"], order.ToList());
    }
}
