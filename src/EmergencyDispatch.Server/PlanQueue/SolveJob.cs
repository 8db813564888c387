using EmergencyDispatch.Server.Persistence;

namespace EmergencyDispatch.Server.PlanQueue;

/// <summary>
/// One accepted request for a solve in the plan queue (a plan to store, or a replay of a stored one). It ends exactly
/// once: done, failed, or cancelled (by its caller's token while queued or running, or at shutdown); its place in the
/// queue is given back when it ends.
/// </summary>
public abstract class SolveJob
{
    private const int Queued = 0;
    private const int Running = 1;
    private const int Ended = 2;

    private readonly Action _release;
    private CancellationTokenRegistration _whileQueued;
    private int _state;

    private protected SolveJob(CallInfo call, int ahead, Action release, CancellationToken cancellationToken)
    {
        Call = call;
        Ahead = ahead;
        CancellationToken = cancellationToken;
        _release = release;
    }

    /// <summary>Who asked for the solve.</summary>
    public string CreatedBy => Call.Actor;

    /// <summary>Solves running or waiting ahead of this one when it was accepted.</summary>
    public int Ahead { get; }

    /// <summary>The caller's token: cancelling it takes the job out of the queue or stops its solve.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The call that asked for the solve: what it stores is written in its name (the solve runs outside it).</summary>
    public CallInfo Call { get; }

    private long _queuedAt;

    /// <summary>How long the job waited in the queue before it started (or until now).</summary>
    internal TimeSpan Waited => System.Diagnostics.Stopwatch.GetElapsedTime(_queuedAt);

    /// <summary>Leaves the queue as soon as the caller cancels, so that an abandoned request holds no place.</summary>
    internal void WatchWhileQueued()
    {
        _queuedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        _whileQueued = CancellationToken.Register(() =>
        {
            if (Interlocked.CompareExchange(ref _state, Ended, Queued) == Queued)
                End(() => SetCanceled(CancellationToken));
        });
    }

    /// <summary>Moves the job from the queue to the solver; false when it has already ended.</summary>
    internal bool TryStart()
    {
        if (Interlocked.CompareExchange(ref _state, Running, Queued) != Queued)
            return false;
        _whileQueued.Dispose();
        return true;
    }

    internal void Fail(Exception exception) => Finish(() => SetException(exception));

    internal void Cancel(CancellationToken token) => Finish(() => SetCanceled(token));

    private protected abstract void SetCanceled(CancellationToken token);

    private protected abstract void SetException(Exception exception);

    /// <summary>What a job does when it ends, before its caller hears of it.</summary>
    private protected virtual void OnEnded()
    {
    }

    private protected void Finish(Action settle)
    {
        var previous = Interlocked.Exchange(ref _state, Ended);
        if (previous == Ended)
            return;
        _whileQueued.Dispose();
        End(settle);
    }

    // The queue place is given back before the caller hears the end, so that a caller who saw its solve finish can
    // queue the next one straight away.
    private void End(Action settle)
    {
        _release();
        OnEnded();
        settle();
    }
}
