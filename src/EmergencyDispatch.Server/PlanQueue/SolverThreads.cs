using System.Collections.Concurrent;

namespace EmergencyDispatch.Server.PlanQueue;

/// <summary>
/// The threads a solve's parts run on: one per core, each at the solver's nice value (<see cref="SolverPriority"/>),
/// so that the planner's parallel parts do not run on the request thread pool at the service's own priority, where
/// they would compete with every short call. Tasks queue in arrival order; a task may run inline only on one of these
/// threads (or on the solve's own thread, which has the same priority).
/// </summary>
public sealed class SolverThreads : TaskScheduler, IDisposable
{
    [ThreadStatic]
    private static bool _isSolverThread;

    private readonly BlockingCollection<Task> _tasks = new();
    private readonly Thread[] _threads;

    public SolverThreads(int count, int nice)
    {
        _threads = Enumerable.Range(0, Math.Max(1, count)).Select(i => new Thread(() => Run(nice))
        {
            IsBackground = true,
            Name = $"solver {i + 1}",
        }).ToArray();
        foreach (var thread in _threads)
            thread.Start();
    }

    public override int MaximumConcurrencyLevel => _threads.Length;

    /// <summary>Marks the calling thread (a solve's own thread, already lowered) as one that may run parts inline.</summary>
    public static void Enter() => _isSolverThread = true;

    private int _disposed;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _tasks.CompleteAdding();
        foreach (var thread in _threads)
            thread.Join();
        _tasks.Dispose();
    }

    protected override void QueueTask(Task task) => _tasks.Add(task);

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        _isSolverThread && !taskWasPreviouslyQueued && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => _tasks.ToArray();

    private void Run(int nice)
    {
        SolverPriority.Lower(nice);
        _isSolverThread = true;
        foreach (var task in _tasks.GetConsumingEnumerable())
            TryExecuteTask(task);
    }
}
