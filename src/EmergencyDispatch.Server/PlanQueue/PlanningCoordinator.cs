using System.Diagnostics;
using System.Threading.Channels;
using EmergencyDispatch.Planning.Plans;
using EmergencyDispatch.Server.Observability;
using EmergencyDispatch.Server.Persistence;
using Microsoft.Extensions.Options;

namespace EmergencyDispatch.Server.PlanQueue;

/// <summary>
/// Runs one solve at a time, each on a thread of its own, in the order requests arrive; a bounded queue holds the
/// next ones. A plan request reads its snapshot of registry and open demand when its turn comes, and its plan is stored
/// in one transaction of the writer. A replay of a stored plan waits in the same queue, reads the plan's stored inputs
/// when its turn comes and gives back the planner's result; it stores nothing. The caller's token stops either at any
/// point before the plan's transaction: nothing is stored.
/// </summary>
public sealed class PlanningCoordinator(
    PlanStore store, IPlanSolver solver, TimeProvider clock, IOptions<PlanningOptions> options, DispatchMetrics metrics, ILogger<PlanningCoordinator> logger)
    : BackgroundService
{
    // The planner's parallel parts run here, at the solve's priority, not on the request thread pool.
    private readonly SolverThreads _threads = new(Environment.ProcessorCount, options.Value.SolverNice);
    private readonly Channel<SolveJob> _queue = Channel.CreateUnbounded<SolveJob>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _byCaller = new(StringComparer.Ordinal);
    private int _admitted;
    private int _running;

    /// <summary>Requests (plans and replays) running or waiting, the most this service holds: the running solve plus the queue's length.</summary>
    public int Capacity => options.Value.QueueLength + 1;

    /// <summary>Plan requests and replays one caller may have running or waiting: no caller can take every place.</summary>
    public int PerCaller => Math.Min(options.Value.PerCaller, Capacity);

    /// <summary>Accepts a plan request into the queue, or returns null with the reason when there is no place for it.</summary>
    public PlanJob? TryEnqueue(PlanRequest request, CallInfo call, CancellationToken cancellationToken, out string refusal)
    {
        if (TryAdmit("Plan request", call.Actor, out refusal) is not { } ahead)
            return null;
        var job = Queue(new PlanJob(request, call, ahead, () => Release(call.Actor), cancellationToken));
        logger.LogInformation("Plan request of {CreatedBy} queued with {Ahead} ahead: start {StartDate}, {HorizonDays} days, {Planner}",
            call.Actor, ahead, PlanRecords.Date(request.StartDate), request.HorizonDays, PlanRecords.PlannerCode(request.Planner));
        return job;
    }

    /// <summary>Accepts a replay of a stored plan into the queue, or returns null with the reason when there is no place for it.</summary>
    public ReplayJob? TryEnqueueReplay(StoredPlan plan, CallInfo call, CancellationToken cancellationToken, out string refusal)
    {
        if (TryAdmit("Replay", call.Actor, out refusal) is not { } ahead)
            return null;
        var job = Queue(new ReplayJob(plan, call, ahead, () => Release(call.Actor), cancellationToken));
        logger.LogInformation("Replay of plan {PlanId} for {CreatedBy} queued with {Ahead} ahead", plan.Plan.PlanId, call.Actor, ahead);
        return job;
    }

    /// <summary>Accepts a budget sweep into the queue (one place for all its budgets), or returns null with the reason when there is no place for it.</summary>
    public SweepJob? TryEnqueueSweep(SweepRequest request, CallInfo call, CancellationToken cancellationToken, out string refusal)
    {
        if (TryAdmit("Budget sweep", call.Actor, out refusal) is not { } ahead)
            return null;
        var job = Queue(new SweepJob(request, call, ahead, () => Release(call.Actor), cancellationToken));
        logger.LogInformation("Budget sweep of {CreatedBy} queued with {Ahead} ahead: start {StartDate}, {HorizonDays} days, {Budgets} budgets",
            call.Actor, ahead, PlanRecords.Date(request.StartDate), request.HorizonDays, request.Budgets.Count);
        return job;
    }

    /// <summary>
    /// Takes a place in the queue: the number of requests ahead, or null with the reason when the queue is full or the
    /// caller already holds <see cref="PerCaller"/> places.
    /// </summary>
    private int? TryAdmit(string what, string caller, out string refusal)
    {
        int ahead, held;
        lock (_lock)
        {
            ahead = _admitted;
            held = _byCaller.GetValueOrDefault(caller);
            if (ahead < Capacity && held < PerCaller)
            {
                _admitted++;
                _byCaller[caller] = held + 1;
                refusal = "";
                return ahead;
            }
        }
        if (ahead < Capacity)
        {
            refusal = $"this caller already has {held} plan requests or replays running or waiting, the most one caller may hold; "
                + "wait for one to end, then try again";
            // Debug, not warning: the caller has its status, and a caller that keeps asking must not fill the log.
            logger.LogDebug("{What} of {CreatedBy} refused: it holds {Held} places in the plan queue, the most one caller may", what, caller, held);
        }
        else
        {
            refusal = $"the planner is busy: {Capacity} plan requests and replays are running or waiting, the most it holds; try again later";
            logger.LogInformation("{What} of {CreatedBy} refused: {Count} plan requests and replays are running or waiting, the most allowed", what, caller, ahead);
        }
        return null;
    }

    private T Queue<T>(T job)
        where T : SolveJob
    {
        job.WatchWhileQueued();
        if (!_queue.Writer.TryWrite(job))
            job.Cancel(new CancellationToken(canceled: true));
        return job;
    }

    private void Release(string caller)
    {
        lock (_lock)
        {
            _admitted--;
            if (_byCaller[caller] == 1)
                _byCaller.Remove(caller);
            else
                _byCaller[caller]--;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        metrics.ObserveQueue(() =>
        {
            lock (_lock)
                return Math.Max(0, _admitted - Volatile.Read(ref _running));
        });
        try
        {
            await foreach (var job in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                if (!job.TryStart())
                    continue;
                metrics.Waited(job.Waited, Kind(job));
                Volatile.Write(ref _running, 1);
                try
                {
                    if (job is PlanJob plan)
                        await RunAsync(plan, stoppingToken);
                    else if (job is ReplayJob replay)
                        await ReplayAsync(replay, stoppingToken);
                    else if (job is SweepJob sweep)
                        await SweepAsync(sweep, stoppingToken);
                }
                finally
                {
                    Volatile.Write(ref _running, 0);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // Requests still queued at shutdown are refused rather than left waiting.
        _queue.Writer.TryComplete();
        while (_queue.Reader.TryRead(out var left))
            left.Cancel(stoppingToken);
    }

    /// <summary>A job's kind, as the metrics name it.</summary>
    private static string Kind(SolveJob job) => job switch
    {
        PlanJob => "plan",
        ReplayJob => "replay",
        _ => "sweep",
    };

    private async Task RunAsync(PlanJob job, CancellationToken stoppingToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(job.CancellationToken, stoppingToken);
        var ct = linked.Token;
        var watch = Stopwatch.StartNew();
        try
        {
            // The solve is CPU-bound for up to minutes: a thread of its own, not one of the request pool's.
            var (plan, timings) = await Task.Factory.StartNew(() => Solve(job, ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var (stored, publication) = await store.SaveAsync(plan, job.Request.Publish, job.Call, ct);
            job.PublishRefusal = publication is { Published: false } ? publication.Refusal : null;
            logger.LogInformation(
                "Plan {PlanId} stored: {Planner} {Completion}, {Assignments} assignments for {Demands} demands in {Seconds:0.00} s "
                + "(inputs read in {ReadSeconds:0.00} s, solved in {SolveSeconds:0.00} s, recorded in {RecordSeconds:0.00} s)",
                stored.Plan.PlanId, stored.Plan.Planner, stored.Plan.Completion, stored.Plan.AssignmentCount, stored.Plan.DemandCount, watch.Elapsed.TotalSeconds,
                timings.Read.TotalSeconds, timings.Solve.TotalSeconds, timings.Record.TotalSeconds);
            job.Complete(stored);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            logger.LogInformation("Plan request of {CreatedBy} cancelled after {Seconds:0.00} s; nothing stored", job.CreatedBy, watch.Elapsed.TotalSeconds);
            job.Cancel(ct);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Plan request of {CreatedBy} failed after {Seconds:0.00} s; nothing stored", job.CreatedBy, watch.Elapsed.TotalSeconds);
            job.Fail(e);
        }
    }

    private Task ReplayAsync(ReplayJob job, CancellationToken stoppingToken) =>
        RunResultAsync(job, $"Replay of plan {job.Plan.Plan.PlanId} for {job.CreatedBy}", ct => Replay(job, ct), result =>
            logger.LogInformation("Plan {PlanId} replayed for {CreatedBy}: {Completion}, {Assignments} assignments, solved in {SolveSeconds:0.00} s",
                job.Plan.Plan.PlanId, job.CreatedBy, result.Result.Completion, result.Result.Assignments.Count, result.Solve.TotalSeconds),
            stoppingToken);

    private Task SweepAsync(SweepJob job, CancellationToken stoppingToken) =>
        RunResultAsync(job, $"Budget sweep of {job.CreatedBy}", ct => Sweep(job, ct), result =>
            logger.LogInformation("Budget sweep of {CreatedBy}: {Budgets} budgets over {Demands} demands and {Options} options in {SolveSeconds:0.00} s",
                job.CreatedBy, result.Points.Count, result.DemandCount, result.OptionCount, result.Solve.TotalSeconds),
            stoppingToken);

    /// <summary>
    /// Runs a job that stores nothing on a thread of its own (the solve is CPU-bound for up to minutes) and ends it with
    /// its result, its cancellation (the caller's token or shutdown) or its failure, each logged.
    /// </summary>
    private async Task RunResultAsync<T>(ResultJob<T> job, string what, Func<CancellationToken, T> solve, Action<T> done, CancellationToken stoppingToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(job.CancellationToken, stoppingToken);
        var ct = linked.Token;
        try
        {
            var result = await Task.Factory.StartNew(() => solve(ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            done(result);
            job.Complete(result);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            logger.LogInformation("{What} cancelled", what);
            job.Cancel(ct);
        }
        catch (Exception e)
        {
            logger.LogError(e, "{What} failed", what);
            job.Fail(e);
        }
    }

    /// <summary>Plans one snapshot of open demand once per budget, side by side on the solver's threads.</summary>
    private SweepResult Sweep(SweepJob job, CancellationToken ct)
    {
        SolverPriority.Lower(options.Value.SolverNice);
        SolverThreads.Enter();
        var request = job.Request;
        var watch = Stopwatch.StartNew();
        var input = store.LoadInputs(request.StartDate, request.HorizonDays, request.FrozenDays).Inputs.Input;
        ct.ThrowIfCancellationRequested();
        var planner = new PlannerOptions { TimeLimit = request.TimeLimit, Scheduler = _threads };
        var points = OptionFrontier.Sweep(input, request.Budgets, planner, ct, (i, o) =>
        {
            var started = Stopwatch.StartNew();
            var result = solver.Solve(i, o, NoProgress.Instance, ct);
            metrics.Solved(result, started.Elapsed, "sweep");
            return result;
        });
        return new SweepResult(points, input.Demands.Count, input.Options.Count, watch.Elapsed);
    }

    /// <summary>Solves a stored plan's inputs again with the planner and time limit it was made with.</summary>
    private ReplayResult Replay(ReplayJob job, CancellationToken ct)
    {
        SolverPriority.Lower(options.Value.SolverNice);
        SolverThreads.Enter();
        var plan = job.Plan.Plan;
        var inputs = PlanInputJson.Read(store.GetInputsJson(plan.PlanId)
            ?? throw new InvalidOperationException($"plan {plan.PlanId} has no stored inputs"));
        ct.ThrowIfCancellationRequested();
        var planner = new PlannerOptions
        {
            Planner = plan.Planner == PlanRecords.PlannerCode(PlannerKind.Greedy) ? PlannerKind.Greedy : PlannerKind.Lp,
            TimeLimit = TimeSpan.FromMilliseconds(plan.TimeLimitMs),
            Scheduler = _threads,
        };
        var watch = Stopwatch.StartNew();
        var result = solver.Solve(inputs.Input, planner, NoProgress.Instance, ct);
        metrics.Solved(result, watch.Elapsed, "replay");
        return new ReplayResult(result, watch.Elapsed);
    }

    public override void Dispose()
    {
        base.Dispose();
        _threads.Dispose();
    }

    /// <summary>A replay reports no steps.</summary>
    private sealed class NoProgress : IProgress<PlanProgress>
    {
        public static readonly NoProgress Instance = new();

        public void Report(PlanProgress value)
        {
        }
    }

    private (NewPlan Plan, (TimeSpan Read, TimeSpan Solve, TimeSpan Record) Timings) Solve(PlanJob job, CancellationToken ct)
    {
        SolverPriority.Lower(options.Value.SolverNice);
        SolverThreads.Enter();
        var request = job.Request;
        var watch = Stopwatch.StartNew();
        var snapshot = store.LoadInputs(request.StartDate, request.HorizonDays, request.FrozenDays, request.OptionBudget);
        var read = watch.Elapsed;
        ct.ThrowIfCancellationRequested();
        var result = solver.Solve(snapshot.Inputs.Input, new PlannerOptions { Planner = request.Planner, TimeLimit = request.TimeLimit, Scheduler = _threads }, job, ct);
        var solved = watch.Elapsed;
        ct.ThrowIfCancellationRequested();
        metrics.Solved(result, solved - read, "plan");
        if (result.Failure is { } failure)
            logger.LogWarning(
                "Plan request of {CreatedBy}: the solver failed on step {Step} with status {Status}; the plan holds the steps up to {LastStep}",
                job.CreatedBy, failure.Step.Name, failure.Status, result.LastCompletedStep?.Name ?? "none (greedy plan)");
        var plan = PlanRecords.Build(snapshot, request, result, job.CreatedBy, clock.GetUtcNow());
        metrics.Planned(plan.Priorities);
        return (plan, (read, solved - read, watch.Elapsed - solved));
    }
}
