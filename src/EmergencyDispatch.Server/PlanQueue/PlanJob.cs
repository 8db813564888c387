using System.Threading.Channels;
using EmergencyDispatch.Planning.Plans;
using EmergencyDispatch.Server.Persistence;

namespace EmergencyDispatch.Server.PlanQueue;

/// <summary>One accepted plan request: the steps the planner reaches as they happen, and the stored plan at the end.</summary>
public sealed class PlanJob : SolveJob, IProgress<PlanProgress>
{
    private readonly Channel<PlanProgress> _progress = Channel.CreateUnbounded<PlanProgress>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource<StoredPlan> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal PlanJob(PlanRequest request, CallInfo call, int ahead, Action release, CancellationToken cancellationToken)
        : base(call, ahead, release, cancellationToken) => Request = request;

    public PlanRequest Request { get; }

    /// <summary>Why the stored plan was not published although the request asked for it; null otherwise.</summary>
    public string? PublishRefusal { get; internal set; }

    /// <summary>The steps the planner starts, in order; complete once the job has ended.</summary>
    public ChannelReader<PlanProgress> Progress => _progress.Reader;

    /// <summary>The stored plan; cancelled when the job was cancelled, faulted when it failed.</summary>
    public Task<StoredPlan> Completion => _completion.Task;

    internal void Complete(StoredPlan plan) => Finish(() => _completion.TrySetResult(plan));

    /// <summary>Called by the planner on its thread; never blocks.</summary>
    void IProgress<PlanProgress>.Report(PlanProgress value) => _progress.Writer.TryWrite(value);

    private protected override void SetCanceled(CancellationToken token) => _completion.TrySetCanceled(token);

    private protected override void SetException(Exception exception) => _completion.TrySetException(exception);

    private protected override void OnEnded() => _progress.Writer.TryComplete();
}

/// <summary>What a replay gave: the planner's result for the stored inputs, and how long the solve took (not the wait in the queue).</summary>
public sealed record ReplayResult(PlanResult Result, TimeSpan Solve);

/// <summary>A job that ends with one result: cancelled when the job was cancelled, faulted when it failed.</summary>
public abstract class ResultJob<T> : SolveJob
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private protected ResultJob(CallInfo call, int ahead, Action release, CancellationToken cancellationToken)
        : base(call, ahead, release, cancellationToken)
    {
    }

    /// <summary>The job's result; cancelled when the job was cancelled, faulted when it failed.</summary>
    public Task<T> Completion => _completion.Task;

    internal void Complete(T result) => Finish(() => _completion.TrySetResult(result));

    private protected override void SetCanceled(CancellationToken token) => _completion.TrySetCanceled(token);

    private protected override void SetException(Exception exception) => _completion.TrySetException(exception);
}

/// <summary>One accepted replay of a stored plan: its inputs solved again with its planner options; nothing is stored.</summary>
public sealed class ReplayJob : ResultJob<ReplayResult>
{
    internal ReplayJob(StoredPlan plan, CallInfo call, int ahead, Action release, CancellationToken cancellationToken)
        : base(call, ahead, release, cancellationToken) => Plan = plan;

    /// <summary>The stored plan to replay.</summary>
    public StoredPlan Plan { get; }
}

/// <summary>A checked budget sweep: the plan request's snapshot fields, each budget's time limit, and the budgets in order.</summary>
public sealed record SweepRequest(DateOnly StartDate, int HorizonDays, int FrozenDays, TimeSpan TimeLimit, IReadOnlyList<double> Budgets);

/// <summary>What a sweep gave: one point per budget, the open demands and the options it planned with, and how long it took.</summary>
public sealed record SweepResult(IReadOnlyList<FrontierPoint> Points, int DemandCount, int OptionCount, TimeSpan Solve);

/// <summary>One accepted budget sweep: the open demand planned once per budget; nothing is stored.</summary>
public sealed class SweepJob : ResultJob<SweepResult>
{
    internal SweepJob(SweepRequest request, CallInfo call, int ahead, Action release, CancellationToken cancellationToken)
        : base(call, ahead, release, cancellationToken) => Request = request;

    public SweepRequest Request { get; }
}
