using EmergencyDispatch.Api.V1;
using Grpc.Net.Client;
using Microsoft.Data.Sqlite;

namespace EmergencyDispatch.Tests.Server;

/// <summary>The event log and the hash-chained ledger, and tampering directly in the SQLite file.</summary>
public sealed class LedgerTests : IDisposable
{
    private readonly DispatchFactory _factory = new();
    private readonly GrpcChannel _channel;
    private readonly AuditService.AuditServiceClient _audit;

    public LedgerTests()
    {
        _channel = _factory.CreateChannel();
        _audit = new AuditService.AuditServiceClient(_channel);
    }

    public void Dispose()
    {
        _channel.Dispose();
        _factory.Dispose();
    }

    /// <summary>Registry, two demand batches, a draft plan, then a published one.</summary>
    private async Task<(PlanSummary First, PlanSummary Second)> History()
    {
        await Fixtures.RegisterSmallRegistry(new RegistryService.RegistryServiceClient(_channel));
        var demands = new DemandService.DemandServiceClient(_channel);
        var planning = new PlanningService.PlanningServiceClient(_channel);
        await demands.SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("D1"), Fixtures.Line("D2")));
        PlanSummary first, second;
        using (var call = planning.CreatePlan(new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = 5 }))
            first = (await PlanningServiceTests.ReadAll(call))[^1].Plan;
        await demands.SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("D3")));
        using (var call = planning.CreatePlan(new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = 5, Publish = true }))
            second = (await PlanningServiceTests.ReadAll(call))[^1].Plan;
        return (first, second);
    }

    private void Tamper(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={_factory.DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public async Task EveryAcceptedWriteIsAnEventAndAnUntouchedLedgerVerifies()
    {
        var (first, second) = await History();

        var all = (await _audit.ListEventsAsync(new ListEventsRequest())).Events;
        // The first admin key, made on first start, is the first event.
        Assert.Equal(("Startup/CreateAdminKey", "startup", "api_key 1 (admin admin)"), (all[0].Rpc, all[0].Actor, all[0].Objects));
        var events = all.Skip(1).ToList();
        Assert.Equal(
            ["RegistryService/UpsertProducts", "RegistryService/UpsertFactories", "RegistryService/UpsertCapabilities", "RegistryService/UpsertLanes",
             "DemandService/SubmitDemands", "PlanningService/CreatePlan", "DemandService/SubmitDemands", "PlanningService/CreatePlan"],
            events.Select(e => e.Rpc));
        Assert.All(events, e => Assert.Equal("admin", e.Actor));
        Assert.Equal("demand 1, 2 (2)", events[4].Objects);
        Assert.Equal([$"plan {first.PlanId}", $"plan {second.PlanId} (published)"], events.Where(e => e.Rpc == "PlanningService/CreatePlan").Select(e => e.Objects));
        var submits = await _audit.ListEventsAsync(new ListEventsRequest { Rpc = "DemandService/SubmitDemands", Page = new PageRequest { PageSize = 1 } });
        Assert.Equal("demand 1, 2 (2)", Assert.Single(submits.Events).Objects);
        var next = await _audit.ListEventsAsync(new ListEventsRequest { Rpc = "DemandService/SubmitDemands", Page = new PageRequest { PageSize = 1, PageToken = submits.NextPageToken } });
        Assert.Equal("demand 3 (1)", Assert.Single(next.Events).Objects);
        // A refused write is not an event.
        await Rpc.InvalidFields(() => new DemandService.DemandServiceClient(_channel).SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("D4", sku: "NOPE"))).ResponseAsync, "lines[0].sku");
        Assert.Equal(all.Count, (await _audit.ListEventsAsync(new ListEventsRequest())).Events.Count);

        var head = await _audit.GetLedgerHeadAsync(new GetLedgerHeadRequest());
        Assert.Equal(all.Count + 2, head.Seq);
        var verified = await _audit.VerifyLedgerAsync(new VerifyLedgerRequest { Head = head });
        Assert.True(verified.Ok, verified.Problem);
        Assert.Equal((head.Seq, head), (verified.Entries, verified.Head));
    }

    public static TheoryData<string, string, string> Tampering => new()
    {
        // One number in one stored assignment.
        { "DROP TRIGGER plan_assignment_is_immutable; UPDATE plan_assignment SET quantity = quantity + 1 WHERE plan_id = 1 AND seq = 0;", "plan", "plan 1 does not match" },
        // The rows ExplainDemand reads for a plan, one byte changed (the first record's date).
        {
            "DROP TRIGGER plan_factory_units_is_immutable; UPDATE plan_factory_units SET entries = unhex('FF' || substr(hex(entries), 3)) WHERE plan_id = 2 AND factory_id = (SELECT MIN(factory_id) FROM plan_factory_units WHERE plan_id = 2);",
            "plan", "plan 2's rows for ExplainDemand"
        },
        // One event deleted.
        { "DROP TRIGGER event_is_not_deleted; DELETE FROM event WHERE event_id = 5;", "event", "event 5 is missing" },
        // Two plans swapped (their inputs traded places).
        {
            """
            DROP TRIGGER plan_input_is_immutable;
            UPDATE plan_input SET inputs_json = CASE plan_id WHEN 1 THEN (SELECT inputs_json FROM plan_input WHERE plan_id = 2) ELSE (SELECT inputs_json FROM plan_input WHERE plan_id = 1) END
            WHERE plan_id IN (1, 2);
            """, "plan", "plan 1 does not match"
        },
        // A plan stored behind the ledger's back.
        {
            """
            INSERT INTO plan (status, created_at, created_by, start_date, horizon_days, planner, time_limit_ms, completion,
                              assignment_count, demand_count, assignments_sha256)
            SELECT 'DRAFT', created_at, created_by, start_date, horizon_days, planner, time_limit_ms, completion, 0, 0, assignments_sha256
            FROM plan WHERE plan_id = 1;
            """, "plan", "plan 3 has no ledger entry"
        },
    };

    [Theory]
    [MemberData(nameof(Tampering))]
    public async Task TamperingInTheFileIsFoundAndTheFirstBadEntryNamed(string sql, string kind, string problem)
    {
        await History();
        Assert.True((await _audit.VerifyLedgerAsync(new VerifyLedgerRequest())).Ok);

        Tamper(sql);

        var verified = await _audit.VerifyLedgerAsync(new VerifyLedgerRequest());
        Assert.False(verified.Ok);
        Assert.Equal(kind, verified.FirstBadKind);
        Assert.StartsWith(problem, verified.Problem);
    }

    [Fact]
    public async Task ALogCutBackIsFoundAgainstAHeadKeptEarlier()
    {
        await History();
        var head = await _audit.GetLedgerHeadAsync(new GetLedgerHeadRequest());

        // The last entry (the publishing event) and its event are deleted: what is left is a consistent, shorter chain.
        Tamper("""
            DROP TRIGGER ledger_is_not_deleted; DROP TRIGGER event_is_not_deleted;
            DELETE FROM event WHERE event_id = (SELECT ref_id FROM ledger WHERE seq = (SELECT MAX(seq) FROM ledger) AND kind = 'event');
            DELETE FROM ledger WHERE seq = (SELECT MAX(seq) FROM ledger);
            """);

        Assert.True((await _audit.VerifyLedgerAsync(new VerifyLedgerRequest())).Ok);
        var verified = await _audit.VerifyLedgerAsync(new VerifyLedgerRequest { Head = head });
        Assert.False(verified.Ok);
        Assert.Equal(head.Seq, verified.FirstBadSeq);
        Assert.Contains("cut back", verified.Problem);
        await Rpc.InvalidFields(() => _audit.VerifyLedgerAsync(new VerifyLedgerRequest { Head = new LedgerHead { Seq = -1, Hash = "xyz" } }).ResponseAsync, "head.seq", "head.hash");
    }
}
