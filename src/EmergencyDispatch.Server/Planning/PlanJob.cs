using System.Threading.Channels;
using EmergencyDispatch.Planning.Plans;
using EmergencyDispatch.Server.Persistence;

namespace EmergencyDispatch.Server.Planning;

/// <summary>
/// One accepted plan request: the steps the planner reaches as they happen, and the stored plan at the end.
/// It ends exactly once: stored, failed, or cancelled (by its caller's token while queued or running, or at shutdown).
/// </summary>
public sealed class PlanJob : IProgress<PlanProgress>
{
    private const int Queued = 0;
    private const int Running = 1;
    private const int Ended = 2;

    private readonly Channel<PlanProgress> _progress = Channel.CreateUnbounded<PlanProgress>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource<StoredPlan> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action _release;
    private CancellationTokenRegistration _whileQueued;
    private int _state;

    internal PlanJob(PlanRequest request, string createdBy, int ahead, Action release, CancellationToken cancellationToken)
    {
        Request = request;
        CreatedBy = createdBy;
        Ahead = ahead;
        CancellationToken = cancellationToken;
        _release = release;
    }

    public PlanRequest Request { get; }

    public string CreatedBy { get; }

    /// <summary>Solves running or waiting ahead of this one when it was accepted.</summary>
    public int Ahead { get; }

    /// <summary>The caller's token: cancelling it takes the job out of the queue or stops its solve.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The call that asked for the plan, for the event log (the solve runs outside it).</summary>
    public CallInfo? Call { get; } = CallInfo.Current;

    /// <summary>Why the stored plan was not published although the request asked for it; null otherwise.</summary>
    public string? PublishRefusal { get; internal set; }

    /// <summary>The steps the planner starts, in order; complete once the job has ended.</summary>
    public ChannelReader<PlanProgress> Progress => _progress.Reader;

    /// <summary>The stored plan; cancelled when the job was cancelled, faulted when it failed.</summary>
    public Task<StoredPlan> Completion => _completion.Task;

    /// <summary>Leaves the queue as soon as the caller cancels, so that an abandoned request holds no place.</summary>
    internal void WatchWhileQueued() =>
        _whileQueued = CancellationToken.Register(() =>
        {
            if (Interlocked.CompareExchange(ref _state, Ended, Queued) == Queued)
                End(() => _completion.TrySetCanceled(CancellationToken));
        });

    /// <summary>Moves the job from the queue to the solver; false when it has already ended.</summary>
    internal bool TryStart()
    {
        if (Interlocked.CompareExchange(ref _state, Running, Queued) != Queued)
            return false;
        _whileQueued.Dispose();
        return true;
    }

    internal void Complete(StoredPlan plan) => Finish(() => _completion.TrySetResult(plan));

    internal void Fail(Exception exception) => Finish(() => _completion.TrySetException(exception));

    internal void Cancel(CancellationToken token) => Finish(() => _completion.TrySetCanceled(token));

    /// <summary>Called by the planner on its thread; never blocks.</summary>
    void IProgress<PlanProgress>.Report(PlanProgress value) => _progress.Writer.TryWrite(value);

    private void Finish(Action settle)
    {
        var previous = Interlocked.Exchange(ref _state, Ended);
        if (previous == Ended)
            return;
        _whileQueued.Dispose();
        End(settle);
    }

    // The queue place is given back before the caller hears the end, so that a caller who saw its plan finish can
    // queue the next one straight away.
    private void End(Action settle)
    {
        _release();
        _progress.Writer.TryComplete();
        settle();
    }
}
