using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Plans;
using EmergencyDispatch.Server.Persistence;
using EmergencyDispatch.Server.PlanQueue;
using Google.Protobuf.WellKnownTypes;
using EmergencyDispatch.Server.Grpc.Mapping;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EmergencyDispatch.Server.Grpc;

/// <summary>The planning API: validate, delegate to <see cref="PlanningCoordinator"/> and <see cref="PlanStore"/>, map.</summary>
public sealed class PlanningGrpcService(
    PlanningCoordinator coordinator, PlanStore store, PlanFeed plans, TimeProvider clock, IOptions<PlanningOptions> options, IHostApplicationLifetime lifetime)
    : PlanningService.PlanningServiceBase
{
    public override async Task WatchPlans(WatchPlansRequest request, IServerStreamWriter<WatchPlansResponse> responseStream, ServerCallContext context)
    {
        // The stream ends with its call or when the host stops, whichever comes first: a watch must not hold up shutdown.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var ct = linked.Token;
        // Subscribe first: a plan stored after the reads below is noticed, so none falls in between.
        using var subscription = plans.Subscribe();
        var newest = store.List(null, null, [], null, 1).Items.FirstOrDefault();
        var active = store.ActivePlanId() is { } activeId && activeId != newest?.Plan.PlanId ? store.Get(activeId) : null;
        try
        {
            foreach (var plan in new[] { newest, active }.OfType<StoredPlan>())
                await responseStream.WriteAsync(new WatchPlansResponse { Plan = PlanMapping.ToApi(plan) }, ct);
            await responseStream.WriteAsync(new WatchPlansResponse { Synced = new PlansSynced { NewestPlanId = newest?.Plan.PlanId ?? 0 } }, ct);
            while (true)
            {
                var planId = await subscription.NextAsync(ct);
                if (store.Get(planId) is { } changed)
                    await responseStream.WriteAsync(new WatchPlansResponse { Plan = PlanMapping.ToApi(changed) }, ct);
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw GrpcErrors.Unavailable($"the server is shutting down; watch again");
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>How a plan request ends when the host stops before its plan is stored.</summary>
    public const string ShuttingDown = "the server is shutting down; the plan request was cancelled, retry later";

    public override async Task CreatePlan(CreatePlanRequest request, IServerStreamWriter<CreatePlanProgress> responseStream, ServerCallContext context)
    {
        var planRequest = ToDomain(request);
        // The host's stop cancels the request (queued or solving) and ends the stream at once: the planner stops
        // only after the server has drained its calls, so waiting for it would hold shutdown for its whole timeout.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var ct = stopping.Token;
        var job = coordinator.TryEnqueue(planRequest, Callers.Call(context), ct, out var busy)
            ?? throw GrpcErrors.ResourceExhausted($"{ErrorText.Own(busy)}");

        StoredPlan plan;
        try
        {
            await responseStream.WriteAsync(new CreatePlanProgress { Queued = new PlanQueued { Ahead = job.Ahead } }, ct);
            await foreach (var step in job.Progress.ReadAllAsync(ct))
            {
                await responseStream.WriteAsync(new CreatePlanProgress
                {
                    Step = new PlanStepProgress
                    {
                        Step = step.Step.Name,
                        StepIndex = step.StepIndex,
                        StepCount = step.StepCount,
                        Elapsed = Duration.FromTimeSpan(step.Elapsed),
                    },
                }, ct);
            }
            plan = await job.Completion.WaitAsync(ct);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw GrpcErrors.Unavailable($"{ErrorText.Own(ShuttingDown)}");
        }
        await responseStream.WriteAsync(new CreatePlanProgress { Plan = PlanMapping.ToApi(plan) });
        if (job.PublishRefusal is { } refusal)
            throw GrpcErrors.FailedPrecondition($"plan {plan.Plan.PlanId} was stored as a draft but not published: {ErrorText.Own(refusal)}");
    }

    public override async Task<PlanSummary> PublishPlan(PublishPlanRequest request, ServerCallContext context)
    {
        if (request.PlanId <= 0)
            GrpcErrors.ThrowInvalid("plan_id", "must be a plan id (greater than 0)");
        var published = await store.PublishAsync(request.PlanId, Callers.Call(context), context.CancellationToken)
            ?? GrpcErrors.ThrowNotFound<(StoredPlan, PublishResult)>($"plan {request.PlanId} does not exist");
        if (published.Publication.Refusal is { } refusal)
            throw GrpcErrors.FailedPrecondition($"{ErrorText.Own(refusal)}");
        return PlanMapping.ToApi(published.Plan);
    }

    public override Task<GetPlanResponse> GetPlan(GetPlanRequest request, ServerCallContext context)
    {
        var v = new List<Violation>();
        if (request.PlanId <= 0)
            v.Add(new Violation("plan_id", "must be a plan id (greater than 0)"));
        if (request.View is not (PlanView.Unspecified or PlanView.Summary or PlanView.Assignments or PlanView.Outcomes or PlanView.MaterialFlows))
            v.Add(new Violation("view", "must be SUMMARY, ASSIGNMENTS, OUTCOMES or MATERIAL_FLOWS"));
        GrpcErrors.ThrowIfAny(v);
        var plan = store.Get(request.PlanId) ?? GrpcErrors.ThrowNotFound<StoredPlan>($"plan {request.PlanId} does not exist");
        var response = new GetPlanResponse { Summary = PlanMapping.ToApi(plan) };
        switch (request.View)
        {
            case PlanView.Assignments:
            {
                var (size, afterSeq) = ReadPage(request.Page);
                var page = store.ListAssignments(request.PlanId, afterSeq, size);
                response.Assignments.AddRange(page.Items.Select(PlanMapping.ToApi));
                response.NextPageToken = Paging.Token(page);
                break;
            }
            case PlanView.Outcomes:
            {
                var (size, afterSeq) = ReadPage(request.Page);
                var page = store.ListOutcomes(request.PlanId, afterSeq, size);
                response.Outcomes.AddRange(page.Items.Select(PlanMapping.ToApi));
                response.NextPageToken = Paging.Token(page);
                break;
            }
            case PlanView.MaterialFlows:
            {
                var (size, afterSeq) = ReadPage(request.Page);
                var page = store.ListMaterialFlows(request.PlanId, afterSeq, size);
                response.MaterialFlows.AddRange(page.Items.Select(PlanMapping.ToApi));
                response.NextPageToken = Paging.Token(page);
                break;
            }
        }
        return Task.FromResult(response);
    }

    public override async Task<SweepOptionBudgetsResponse> SweepOptionBudgets(SweepOptionBudgetsRequest request, ServerCallContext context)
    {
        var v = new List<Violation>();
        var (start, horizon, timeLimit, frozen) = CheckSnapshot(v, request.StartDate, request.HorizonDays, request.TimeLimit, request.HasFrozenDays ? request.FrozenDays : null);
        if (request.Budgets.Count is 0 or > Rules.MaxSweepBudgets)
            v.Add(new Violation("budgets", $"must list 1 to {Rules.MaxSweepBudgets} budgets, got {request.Budgets.Count}"));
        for (var i = 0; i < request.Budgets.Count; i++)
            Rules.Add(v, $"budgets[{i}]", Rules.CheckFixedCost(request.Budgets[i]));
        GrpcErrors.ThrowIfAny(v);

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var job = coordinator.TryEnqueueSweep(new SweepRequest(start, horizon, frozen, timeLimit, [.. request.Budgets]), Callers.Call(context), stopping.Token, out var busy)
            ?? throw GrpcErrors.ResourceExhausted($"{ErrorText.Own(busy)}");
        SweepResult result;
        try
        {
            result = await job.Completion.WaitAsync(stopping.Token);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw GrpcErrors.Unavailable($"the server is shutting down; the budget sweep was cancelled, retry later");
        }
        var response = new SweepOptionBudgetsResponse { DemandCount = result.DemandCount, OptionCount = result.OptionCount };
        response.Points.AddRange(result.Points.Select(PlanMapping.ToApi));
        return response;
    }

    /// <summary>
    /// Checks the fields that choose a plan's snapshot and time, filling in defaults: start date (today), horizon
    /// (14 days), time limit (the server's default) and frozen days (2, at most the horizon).
    /// </summary>
    private (DateOnly Start, int Horizon, TimeSpan TimeLimit, int Frozen) CheckSnapshot(
        List<Violation> v, string startDate, int horizonDays, Duration? limit, int? frozenDays)
    {
        var start = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        if (startDate.Length > 0)
            Rules.Add(v, "start_date", Rules.CheckDate(startDate, out start));
        var horizon = horizonDays == 0 ? Rules.DefaultHorizonDays : horizonDays;
        if (Rules.CheckHorizonDays(horizon) is { } horizonProblem)
            v.Add(new Violation("horizon_days", $"{horizonProblem} (0 for the default, {Rules.DefaultHorizonDays})"));
        var timeLimit = TimeSpan.FromSeconds(options.Value.DefaultTimeLimitSeconds);
        if (limit is not null)
            Rules.Add(v, "time_limit", CheckTimeLimit(limit, out timeLimit));
        var frozen = Rules.DefaultFrozenDays;
        if (frozenDays is { } asked)
        {
            frozen = asked;
            Rules.Add(v, "frozen_days", Rules.CheckFrozenDays(frozen, horizon));
        }
        return (start, horizon, timeLimit, Math.Min(frozen, horizon));
    }

    /// <summary>Checks the request and fills in its defaults; every problem is named by its field.</summary>
    private PlanRequest ToDomain(CreatePlanRequest request)
    {
        var v = new List<Violation>();
        var (start, horizon, timeLimit, frozen) = CheckSnapshot(v, request.StartDate, request.HorizonDays, request.TimeLimit, request.HasFrozenDays ? request.FrozenDays : null);
        var planner = PlannerKind.Lp;
        switch (request.Planner)
        {
            case Api.V1.Planner.Unspecified or Api.V1.Planner.Lp:
                break;
            case Api.V1.Planner.Greedy:
                planner = PlannerKind.Greedy;
                break;
            default:
                v.Add(new Violation("planner", "must be LP or GREEDY"));
                break;
        }
        Rules.Add(v, "option_budget", Rules.CheckFixedCost(request.OptionBudget));
        GrpcErrors.ThrowIfAny(v);
        return new PlanRequest(start, horizon, planner, timeLimit, frozen, request.Publish, request.OptionBudget);
    }

    private static string? CheckTimeLimit(Duration duration, out TimeSpan value)
    {
        value = default;
        if (duration.Nanos is < -999_999_999 or > 999_999_999 || (duration.Seconds < 0 && duration.Nanos > 0) || (duration.Seconds > 0 && duration.Nanos < 0))
            return "is not a valid duration";
        if (duration.Seconds < 0 || duration.Nanos < 0 || (duration.Seconds == 0 && duration.Nanos == 0))
            return "must be more than 0 (leave it unset for the server default)";
        // Whole seconds past the limit are refused before they are converted: a TimeSpan cannot hold every Duration.
        if (duration.Seconds > Rules.MaxTimeLimitSeconds)
            return Rules.CheckTimeLimitSeconds(duration.Seconds);
        if (Rules.CheckTimeLimitSeconds(duration.Seconds + duration.Nanos / 1e9) is { } problem)
            return problem;
        value = duration.ToTimeSpan();
        return null;
    }

    /// <summary>A page of a plan's rows: its size, and the sequence the previous page ended at (-1 for the first page).</summary>
    private static (int Size, long AfterSeq) ReadPage(PageRequest? page)
    {
        var (size, after) = Paging.ReadNumber(page);
        return (size, after ?? -1);
    }

}
