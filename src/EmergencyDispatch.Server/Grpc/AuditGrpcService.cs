using EmergencyDispatch.Planning.Loop;
using System.Security.Cryptography;
using System.Text;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Plans;
using EmergencyDispatch.Server.Persistence;
using EmergencyDispatch.Server.PlanQueue;
using EmergencyDispatch.Server.Grpc.Mapping;
using Grpc.Core;
using Priority = EmergencyDispatch.Api.V1.Priority;

namespace EmergencyDispatch.Server.Grpc;

/// <summary>The auditor's read-only API: stored plans, their inputs, comparisons and replays.</summary>
public sealed class AuditGrpcService(PlanStore store, AuditStore audit, PlanningCoordinator coordinator) : AuditService.AuditServiceBase
{
    /// <summary>Most competing demands ExplainDemand names per plan; the rest are counted.</summary>
    public const int MaxCompetitors = 20;

    /// <summary>Most differing rows a replay lists.</summary>
    public const int MaxDifferences = 100;

    public override Task<ListPlansResponse> ListPlans(ListPlansRequest request, ServerCallContext context)
    {
        var v = new List<Violation>();
        var statuses = new List<string>();
        for (var i = 0; i < request.Statuses.Count; i++)
        {
            switch (request.Statuses[i])
            {
                case PlanStatus.Draft:
                    statuses.Add(PlanStates.Draft);
                    break;
                case PlanStatus.Active:
                    statuses.Add(PlanStates.Active);
                    break;
                case PlanStatus.Superseded:
                    statuses.Add(PlanStates.Superseded);
                    break;
                default:
                    v.Add(new Violation($"statuses[{i}]", "must be DRAFT, ACTIVE or SUPERSEDED"));
                    break;
            }
        }
        var from = Millis(v, "created_from", request.CreatedFrom);
        var to = Millis(v, "created_to", request.CreatedTo);
        GrpcErrors.ThrowIfAny(v);
        var (size, before) = Paging.ReadNumber(request.Page);
        // Each status becomes an SQL parameter: repeats would cost time (and past 32,766 fail the query), not select more.
        var page = store.List(from, to, statuses.Distinct().ToList(), before, size);
        var response = new ListPlansResponse { NextPageToken = Paging.Token(page) };
        response.Plans.AddRange(page.Items.Select(PlanMapping.ToApi));
        return Task.FromResult(response);
    }

    public override Task<GetPlanInputsResponse> GetPlanInputs(GetPlanInputsRequest request, ServerCallContext context)
    {
        var planId = RequirePlanId(request.PlanId, "plan_id");
        var plan = store.Get(planId) ?? GrpcErrors.ThrowNotFound<StoredPlan>($"plan {planId} does not exist");
        var json = store.GetInputsJson(planId)!;
        return Task.FromResult(new GetPlanInputsResponse
        {
            PlanId = planId,
            Request = PlanMapping.ToApi(plan).Request,
            InputsJson = json,
            InputsSha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json))),
        });
    }

    public override Task<DiffPlansResponse> DiffPlans(DiffPlansRequest request, ServerCallContext context)
    {
        var v = new List<Violation>();
        if (request.PlanA <= 0)
            v.Add(new Violation("plan_a", "must be a plan id (greater than 0)"));
        if (request.PlanB <= 0)
            v.Add(new Violation("plan_b", "must be a plan id (greater than 0)"));
        GrpcErrors.ThrowIfAny(v);
        var (planA, planB) = (Existing(request.PlanA), Existing(request.PlanB));
        var a = store.Assignments(request.PlanA);
        var b = store.Assignments(request.PlanB);
        var (demands, factories) = PlanDiff.Compute(Placed(a), Placed(b));
        var keys = a.Concat(b).GroupBy(r => r.DemandId).ToDictionary(g => g.Key, g => g.Last().RequestKey);
        var response = new DiffPlansResponse
        {
            Totals = new DiffTotals
            {
                UnitsA = demands.Sum(d => d.UnitsA),
                UnitsB = demands.Sum(d => d.UnitsB),
                Kept = demands.Sum(d => d.Kept),
                Moved = demands.Sum(d => d.Moved),
                Dropped = demands.Sum(d => d.Dropped),
                Added = demands.Sum(d => d.Added),
            },
        };
        response.Demands.AddRange(demands.Where(d => d.Kept != d.UnitsA || d.Kept != d.UnitsB).Select(d => new DemandDiff
        {
            DemandId = d.DemandId,
            RequestId = keys[d.DemandId],
            UnitsA = d.UnitsA,
            UnitsB = d.UnitsB,
            Kept = d.Kept,
            Moved = d.Moved,
            Dropped = d.Dropped,
            Added = d.Added,
        }));
        var sourceUnits = a.Select(r => (r.Source, A: r.Quantity, B: 0L)).Concat(b.Select(r => (r.Source, A: 0L, B: r.Quantity)))
            .GroupBy(r => r.Source, StringComparer.Ordinal)
            .OrderBy(g => g.Key == EmergencyDispatch.Planning.Plans.Sources.Capacity ? 0 : 1).ThenBy(g => g.Key, StringComparer.Ordinal);
        response.Sources.AddRange(sourceUnits.Select(g => new SourceDiff { Source = g.Key, UnitsA = g.Sum(r => r.A), UnitsB = g.Sum(r => r.B) }));
        var usedA = planA.Materials.ToDictionary(m => m.MaterialId, StringComparer.Ordinal);
        var usedB = planB.Materials.ToDictionary(m => m.MaterialId, StringComparer.Ordinal);
        var (flowsA, flowsB) = (store.MaterialFlows(request.PlanA), store.MaterialFlows(request.PlanB));
        foreach (var material in usedA.Keys.Union(usedB.Keys).Order(StringComparer.Ordinal))
        {
            var lanes = flowsA.Where(f => f.MaterialId == material).Select(f => (f.FromRegion, f.ToRegion, A: f.Quantity, B: 0.0))
                .Concat(flowsB.Where(f => f.MaterialId == material).Select(f => (f.FromRegion, f.ToRegion, A: 0.0, B: f.Quantity)))
                .GroupBy(f => (f.FromRegion, f.ToRegion))
                .Select(g => new MaterialLaneDiff { FromRegion = g.Key.FromRegion, ToRegion = g.Key.ToRegion, MovedA = g.Sum(f => f.A), MovedB = g.Sum(f => f.B) })
                .Where(l => l.MovedA != l.MovedB)
                .OrderBy(l => l.FromRegion, StringComparer.Ordinal).ThenBy(l => l.ToRegion, StringComparer.Ordinal);
            response.Materials.Add(new MaterialDiff
            {
                MaterialId = material,
                UsedA = usedA.GetValueOrDefault(material)?.Used ?? 0,
                UsedB = usedB.GetValueOrDefault(material)?.Used ?? 0,
                MovedA = usedA.GetValueOrDefault(material)?.Moved ?? 0,
                MovedB = usedB.GetValueOrDefault(material)?.Moved ?? 0,
                Lanes = { lanes },
            });
        }
        var optionsA = planA.Options.ToDictionary(o => o.OptionId, StringComparer.Ordinal);
        var optionsB = planB.Options.ToDictionary(o => o.OptionId, StringComparer.Ordinal);
        foreach (var id in optionsA.Keys.Union(optionsB.Keys).Order(StringComparer.Ordinal))
        {
            var (oa, ob) = (optionsA.GetValueOrDefault(id), optionsB.GetValueOrDefault(id));
            if (oa is not null && ob is not null && oa.State == ob.State && oa.Units == ob.Units)
                continue;
            var either = ob ?? oa!;
            response.Options.Add(new OptionDiff
            {
                OptionId = id,
                FactoryId = either.FactoryId,
                FixedCost = either.FixedCost,
                StateA = oa is null ? Api.V1.OptionState.Unspecified : ApiValues.OptionStateOf(oa.State),
                StateB = ob is null ? Api.V1.OptionState.Unspecified : ApiValues.OptionStateOf(ob.State),
                UnitsA = oa?.Units ?? 0,
                UnitsB = ob?.Units ?? 0,
            });
        }
        response.OptionSpentA = planA.OptionSpent;
        response.OptionSpentB = planB.OptionSpent;
        response.Factories.AddRange(factories.Where(f => f.Added != 0 || f.Removed != 0).Select(f => new FactoryDiff
        {
            FactoryId = f.FactoryId,
            UnitsA = f.UnitsA,
            UnitsB = f.UnitsB,
            Kept = f.Kept,
            Added = f.Added,
            Removed = f.Removed,
        }));
        return Task.FromResult(response);
    }

    public override async Task<ReplayPlanResponse> ReplayPlan(ReplayPlanRequest request, ServerCallContext context)
    {
        var planId = RequirePlanId(request.PlanId, "plan_id");
        var plan = store.Get(planId) ?? GrpcErrors.ThrowNotFound<StoredPlan>($"plan {planId} does not exist");
        // A replay is a solve: it waits its turn in the plan queue, one solve at a time.
        var job = coordinator.TryEnqueueReplay(plan, Callers.Call(context), context.CancellationToken, out var refusal)
            ?? throw GrpcErrors.ResourceExhausted($"{ErrorText.Own(refusal)}");
        ReplayResult replay;
        try
        {
            replay = await job.Completion;
        }
        // The queue cancels the replay when the service stops; past its deadline the call is over before its token says so.
        catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested && context.Deadline > DateTime.UtcNow)
        {
            throw GrpcErrors.Unavailable($"the service is stopping; retry the replay later");
        }
        var result = replay.Result;
        var replayed = PlanRecords.AssignmentsSha256(result.Assignments);
        // The stored rows must still give the stored hash too: a row changed in the file is a difference as well.
        var rows = store.Assignments(planId);
        var storedRows = PlanRecords.AssignmentsSha256(rows.Select(r => new EmergencyDispatch.Planning.Plans.Assignment(
            r.FactoryId, r.RequestKey, r.Sku, ParseDate(r.ProductionDate), ParseDate(r.ArrivalDate), r.Quantity, r.Source)));
        var response = new ReplayPlanResponse
        {
            PlanId = planId,
            StoredSha256 = plan.Plan.AssignmentsSha256,
            ReplayedSha256 = replayed,
            Identical = replayed == plan.Plan.AssignmentsSha256 && storedRows == plan.Plan.AssignmentsSha256,
            Completion = ApiValues.Completion(result.Completion),
            Seconds = replay.Solve.TotalSeconds,
        };
        if (!response.Identical)
            response.Differences.AddRange(Differences(rows, result.Assignments));
        return response;
    }

    public override Task<ExplainDemandResponse> ExplainDemand(ExplainDemandRequest request, ServerCallContext context)
    {
        var v = new List<Violation>();
        if (request.DemandId < 0)
            v.Add(new Violation("demand_id", "must be a demand id (greater than 0)"));
        else if (request.DemandId == 0)
            Rules.Add(v, "request_id", request.RequestId.Length == 0 ? "is required without demand_id" : Rules.CheckId(request.RequestId));
        if (request.Submitter.Length > 0)
            Rules.Add(v, "submitter", Rules.CheckCallerName(request.Submitter));
        GrpcErrors.ThrowIfAny(v);
        var (size, before) = Paging.ReadNumber(request.Page);
        var found = audit.FindDemands(request.DemandId, request.RequestId, request.Submitter);
        if (found.Count == 0 && request.DemandId > 0)
            GrpcErrors.ThrowNotFound<bool>($"demand {request.DemandId} does not exist");
        if (found.Count == 0)
            GrpcErrors.ThrowNotFound<bool>($"no demand has request_id {request.RequestId}");
        if (found.Count > 1)
        {
            GrpcErrors.ThrowInvalid("submitter",
                $"request_id {ErrorText.Quote(request.RequestId)} was used by several submitters ({string.Join(", ", found.Select(d => d.Submitter))}): name one, or give demand_id");
        }
        var demand = found[0];
        var page = audit.Outcomes(demand.DemandId, before, size);
        var response = new ExplainDemandResponse
        {
            DemandId = demand.DemandId,
            RequestId = demand.RequestId,
            Submitter = demand.Submitter,
            Priority = (Priority)(int)demand.Priority,
            DueDate = demand.DueDate,
            NextPageToken = Paging.Token(page),
        };
        static bool ForMaterial(PlanOutcomeRow o) => o.Reason == Codes.Reasons.Code(EmergencyDispatch.Planning.Plans.ShortfallReason.MaterialShortage);
        static IReadOnlyList<string> Binding(PlanOutcomeRow o) => o.Binding.Length == 0 ? [] : o.Binding.Split(';');
        var competitors = audit.Competitors(demand.DemandId, demand.DueDate,
            [.. page.Items.Where(p => !ForMaterial(p.Outcome)).Select(p => (p.PlanId, Binding(p.Outcome), p.Outcome.Priority))],
            MaxCompetitors, context.CancellationToken).ToDictionary();
        foreach (var p in page.Items.Where(p => ForMaterial(p.Outcome) && p.Outcome.Binding.Length > 0))
            competitors[p.PlanId] = audit.MaterialCompetitors(p.PlanId, demand.DemandId, demand.DueDate, p.Outcome.Priority, Binding(p.Outcome), MaxCompetitors);
        foreach (var planned in page.Items)
        {
            var outcome = planned.Outcome;
            var entry = new DemandInPlan
            {
                PlanId = planned.PlanId,
                Status = ApiValues.PlanStatusOf(planned.Status),
                CreatedAt = ApiValues.Time(planned.CreatedAt),
                Outcome = PlanMapping.ToApi(outcome),
            };
            if (competitors.TryGetValue(planned.PlanId, out var ranked))
            {
                entry.Competitors.AddRange(ranked.Largest.Select(c => new CompetingDemand
                {
                    DemandId = c.DemandId,
                    RequestId = c.RequestKey,
                    Priority = (Priority)(int)c.Priority,
                    Units = c.Units,
                    Factories = { c.Factories },
                    Materials = { c.Materials },
                }));
                entry.MoreCompetitors = (int)(ranked.Total - ranked.Largest.Count);
                entry.MoreUnits = ranked.TotalUnits - ranked.Largest.Sum(c => c.Units);
            }
            if (outcome.Late + outcome.Unmet > 0)
            {
                entry.Options.AddRange(audit.OptionNotes(planned.PlanId, demand.DemandId).Select(n => new Api.V1.OptionNote
                {
                    OptionId = n.OptionId,
                    FactoryId = n.FactoryId,
                    State = ApiValues.OptionStateOf(n.State),
                    FixedCost = n.FixedCost,
                    Units = n.Units,
                    OnTimeCapacity = n.OnTimeCapacity,
                    Note = n.Note,
                }));
            }
            response.Plans.Add(entry);
        }
        return Task.FromResult(response);
    }

    public override Task<ListEventsResponse> ListEvents(ListEventsRequest request, ServerCallContext context)
    {
        var v = new List<Violation>();
        if (request.Rpc.Length > 0)
            Rules.Add(v, "rpc", Rules.CheckRpcName(request.Rpc));
        if (request.Actor.Length > 0)
            Rules.Add(v, "actor", Rules.CheckCallerName(request.Actor));
        var from = Millis(v, "from", request.From);
        var to = Millis(v, "to", request.To);
        GrpcErrors.ThrowIfAny(v);
        var (size, after) = Paging.ReadNumber(request.Page);
        var afterId = after ?? 0;
        var page = audit.Events(request.Rpc.Length > 0 ? request.Rpc : null, request.Actor.Length > 0 ? request.Actor : null, from, to, afterId, size);
        var response = new ListEventsResponse { NextPageToken = Paging.Token(page) };
        response.Events.AddRange(page.Items.Select(e => new Event
        {
            EventId = e.EventId,
            At = ApiValues.Time(e.At),
            Actor = e.Actor,
            Rpc = e.Rpc,
            Objects = e.Objects,
        }));
        return Task.FromResult(response);
    }

    public override Task<LedgerHead> GetLedgerHead(GetLedgerHeadRequest request, ServerCallContext context)
    {
        var (seq, hash) = audit.Head();
        return Task.FromResult(new LedgerHead { Seq = seq, Hash = hash });
    }

    public override Task<VerifyLedgerResponse> VerifyLedger(VerifyLedgerRequest request, ServerCallContext context)
    {
        (long, string)? head = null;
        if (request.Head is { } h)
        {
            var v = new List<Violation>();
            if (h.Seq < 0)
                v.Add(new Violation("head.seq", "must be 0 or more"));
            if (h.Hash.Length != 64 || !h.Hash.All(char.IsAsciiHexDigitLower))
                v.Add(new Violation("head.hash", "must be 64 lowercase hex digits"));
            GrpcErrors.ThrowIfAny(v);
            head = (h.Seq, h.Hash);
        }
        var check = audit.Verify(head, context.CancellationToken);
        return Task.FromResult(new VerifyLedgerResponse
        {
            Ok = check.Ok,
            Entries = check.Entries,
            Head = new LedgerHead { Seq = check.HeadSeq, Hash = check.HeadHash },
            FirstBadSeq = check.BadSeq,
            FirstBadKind = check.BadKind,
            FirstBadId = check.BadId,
            Problem = check.Problem,
        });
    }

    /// <summary>Rows whose quantity differs (0 where a side has none), by factory, date and demand.</summary>
    private static IEnumerable<ReplayDifference> Differences(IReadOnlyList<PlanAssignmentRow> stored, IReadOnlyList<EmergencyDispatch.Planning.Plans.Assignment> replayed)
    {
        var before = stored.GroupBy(r => (r.FactoryId, r.RequestKey, r.ProductionDate)).ToDictionary(g => g.Key, g => g.Sum(r => r.Quantity));
        var after = replayed.GroupBy(a => (a.FactoryId, a.DemandKey, PlanRecords.Date(a.ProductionDate))).ToDictionary(g => g.Key, g => g.Sum(a => a.Quantity));
        return before.Keys.Union(after.Keys)
            .Where(k => before.GetValueOrDefault(k) != after.GetValueOrDefault(k))
            .OrderBy(k => k.Item1, StringComparer.Ordinal).ThenBy(k => k.Item3, StringComparer.Ordinal).ThenBy(k => k.Item2, StringComparer.Ordinal)
            .Take(MaxDifferences)
            .Select(k => new ReplayDifference
            {
                FactoryId = k.Item1,
                RequestId = k.Item2,
                ProductionDate = k.Item3,
                StoredQuantity = before.GetValueOrDefault(k),
                ReplayedQuantity = after.GetValueOrDefault(k),
            });
    }

    private static DateOnly ParseDate(string text) => IsoDate.Parse(text);

    private static IEnumerable<PlacedUnits> Placed(IEnumerable<PlanAssignmentRow> rows) =>
        rows.Select(r => new PlacedUnits(r.DemandId, r.FactoryId, r.ProductionDate, r.Quantity));

    private StoredPlan Existing(long planId) => store.Get(planId) ?? GrpcErrors.ThrowNotFound<StoredPlan>($"plan {planId} does not exist");

    private static long RequirePlanId(long planId, string field)
    {
        if (planId <= 0)
            GrpcErrors.ThrowInvalid(field, "must be a plan id (greater than 0)");
        return planId;
    }

    private static long? Millis(List<Violation> v, string field, Google.Protobuf.WellKnownTypes.Timestamp? timestamp)
    {
        if (timestamp is null)
            return null;
        if (timestamp.Nanos is < 0 or > 999_999_999 || timestamp.Seconds < -62_135_596_800 || timestamp.Seconds > 253_402_300_799)
        {
            v.Add(new Violation(field, "is not a valid timestamp"));
            return null;
        }
        return timestamp.ToDateTimeOffset().ToUnixTimeMilliseconds();
    }
}
