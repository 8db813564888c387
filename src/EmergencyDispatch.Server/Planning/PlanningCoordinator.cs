using System.Diagnostics;
using System.Threading.Channels;
using EmergencyDispatch.Planning.Plans;
using EmergencyDispatch.Server.Persistence;
using Microsoft.Extensions.Options;

namespace EmergencyDispatch.Server.Planning;

/// <summary>
/// Runs one solve at a time, each on a thread of its own, in the order requests arrive; a bounded queue holds the
/// next ones. A request reads its snapshot of registry and open demand when its turn comes, and its plan is stored
/// in one transaction of the writer. The caller's token stops it at any point before that transaction: nothing is stored.
/// </summary>
public sealed class PlanningCoordinator(
    PlanStore store, IPlanSolver solver, TimeProvider clock, IOptions<PlanningOptions> options, ILogger<PlanningCoordinator> logger)
    : BackgroundService
{
    private readonly Channel<PlanJob> _queue = Channel.CreateUnbounded<PlanJob>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _lock = new();
    private int _admitted;

    /// <summary>Requests running or waiting, the most this service holds: the running solve plus the queue's length.</summary>
    public int Capacity => options.Value.QueueLength + 1;

    /// <summary>Accepts a request into the queue, or returns null when the queue is full.</summary>
    public PlanJob? TryEnqueue(PlanRequest request, string createdBy, CancellationToken cancellationToken)
    {
        int ahead;
        lock (_lock)
        {
            ahead = _admitted;
            if (ahead < Capacity)
                _admitted++;
        }
        if (ahead >= Capacity)
        {
            logger.LogWarning("Plan request of {CreatedBy} refused: {Count} plan requests are running or waiting, the most allowed", createdBy, ahead);
            return null;
        }
        var job = new PlanJob(request, createdBy, ahead, Release, cancellationToken);
        job.WatchWhileQueued();
        if (!_queue.Writer.TryWrite(job))
            job.Cancel(new CancellationToken(canceled: true));
        logger.LogInformation("Plan request of {CreatedBy} queued with {Ahead} ahead: start {StartDate}, {HorizonDays} days, {Planner}",
            createdBy, ahead, PlanRecords.Date(request.StartDate), request.HorizonDays, PlanRecords.PlannerCode(request.Planner));
        return job;
    }

    private void Release()
    {
        lock (_lock)
            _admitted--;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var job in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                if (job.TryStart())
                    await RunAsync(job, stoppingToken);
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

    private async Task RunAsync(PlanJob job, CancellationToken stoppingToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(job.CancellationToken, stoppingToken);
        var ct = linked.Token;
        var watch = Stopwatch.StartNew();
        try
        {
            // The solve is CPU-bound for up to minutes: a thread of its own, not one of the request pool's.
            var (plan, timings) = await Task.Factory.StartNew(() => Solve(job, ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            CallInfo.Current = job.Call;
            var (stored, publication) = await store.SaveAsync(plan, job.Request.Publish ? job.CreatedBy : null, ct);
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

    private (NewPlan Plan, (TimeSpan Read, TimeSpan Solve, TimeSpan Record) Timings) Solve(PlanJob job, CancellationToken ct)
    {
        var request = job.Request;
        var watch = Stopwatch.StartNew();
        var snapshot = store.LoadInputs(request.StartDate, request.HorizonDays, request.FrozenDays);
        var read = watch.Elapsed;
        ct.ThrowIfCancellationRequested();
        var result = solver.Solve(snapshot.Inputs.Input, new PlannerOptions { Planner = request.Planner, TimeLimit = request.TimeLimit }, job, ct);
        var solved = watch.Elapsed;
        ct.ThrowIfCancellationRequested();
        if (result.Failure is { } failure)
            logger.LogWarning(
                "Plan request of {CreatedBy}: the solver failed on step {Step} with status {Status}; the plan holds the steps up to {LastStep}",
                job.CreatedBy, failure.Step.Name, failure.Status, result.LastCompletedStep?.Name ?? "none (greedy plan)");
        var plan = PlanRecords.Build(snapshot, request, result, job.CreatedBy, clock.GetUtcNow());
        return (plan, (read, solved - read, watch.Elapsed - solved));
    }
}
