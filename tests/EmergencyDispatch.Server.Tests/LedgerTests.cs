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
            first = (await PlanStreams.ReadAll(call))[^1].Plan;
        await demands.SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("D3")));
        using (var call = planning.CreatePlan(new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = 5, Publish = true }))
            second = (await PlanStreams.ReadAll(call))[^1].Plan;
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

    /// <summary>Columns of plan that are events of their own (publishing), not part of a plan's ledger entry.</summary>
    private static readonly string[] NotLedgered = ["status", "published_at", "published_by"];

    private List<string> PlanColumns()
    {
        using var connection = new SqliteConnection($"Data Source={_factory.DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM pragma_table_info('plan') ORDER BY cid";
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read())
            names.Add(reader.GetString(0));
        return names;
    }

    private string Quoted(string column, long planId)
    {
        using var connection = new SqliteConnection($"Data Source={_factory.DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT quote(\"{column}\") FROM plan WHERE plan_id = {planId}";
        return (string)command.ExecuteScalar()!;
    }

    [Fact]
    public async Task EveryStoredColumnOfAPlanButItsPublicationIsCoveredByItsLedgerEntry()
    {
        var (_, second) = await History();
        var columns = PlanColumns();
        Assert.All(NotLedgered, c => Assert.Contains(c, columns));
        // Every trigger that guards plan columns goes; what is left to change is the file itself.
        Tamper("DROP TRIGGER plan_is_immutable; DROP TRIGGER plan_replan_is_immutable; DROP TRIGGER plan_publication_is_immutable; DROP TRIGGER plan_option_budget_is_immutable;");
        var id = second.PlanId;

        foreach (var column in columns.Except(NotLedgered))
        {
            var original = Quoted(column, id);
            var changedId = column == "plan_id" ? id + 1 : id;
            // plan_id too: the plan's rows still name the old id (foreign keys off, as a forger would have them).
            Tamper($"""
                PRAGMA foreign_keys = OFF;
                UPDATE plan SET "{column}" = CASE WHEN "{column}" IS NULL THEN 1 WHEN typeof("{column}") = 'text' THEN "{column}" || 'x' ELSE "{column}" + 1 END
                WHERE plan_id = {id};
                """);
            var verified = await _audit.VerifyLedgerAsync(new VerifyLedgerRequest());
            Tamper($"PRAGMA foreign_keys = OFF; UPDATE plan SET \"{column}\" = {original} WHERE plan_id = {changedId};");

            Assert.False(verified.Ok, $"plan.{column} changed and the ledger still verifies");
            Assert.Equal(("plan", id), (verified.FirstBadKind, verified.FirstBadId));
            Assert.True((await _audit.VerifyLedgerAsync(new VerifyLedgerRequest())).Ok, $"plan.{column} put back and the ledger does not verify");
        }
        // A plan's publication is not part of its entry: it is an event of its own.
        foreach (var column in NotLedgered)
            Tamper($"UPDATE plan SET \"{column}\" = \"{column}\" || 'x' WHERE plan_id = {id};");
        Assert.True((await _audit.VerifyLedgerAsync(new VerifyLedgerRequest())).Ok);
    }

    [Fact]
    public void ThePlanTableHasTheColumnsItsCanonicalFormatWasMadeWith()
    {
        _ = _factory.Server;

        var columns = PlanColumns();

        // Formats 2 to 4 of a plan's canonical bytes cover every column of plan but its publication, read from the schema,
        // less the columns added after the format (Ledger.PlanColumnsSince). A migration that adds a column changes the
        // bytes of the plans stored before it: it needs a new format and an entry there, or every plan ledgered before it
        // stops verifying.
        Assert.Equal(
            ["plan_id", "status", "created_at", "created_by", "start_date", "horizon_days", "planner", "time_limit_ms", "completion",
             "last_completed_step", "assignment_count", "demand_count", "assignments_sha256", "published_at", "published_by", "frozen_days",
             "baseline_plan_id", "loop_version", "commitment_count", "exclusion_count", "units_kept", "units_moved", "units_dropped", "units_added",
             "option_budget"],
            columns);
        Assert.Equal(columns.Where(c => c == "option_budget"), EmergencyDispatch.Server.Persistence.Ledger.PlanColumnsSince.Keys);
        Assert.Equal(4, EmergencyDispatch.Server.Persistence.Ledger.PlanColumnsSince["option_budget"]);
    }

    [Fact]
    public void APlanLedgeredInFormatThreeKeepsItsBytesWhenTheOptionBudgetColumnArrives()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        var scripts = EmergencyDispatch.Server.Persistence.Migrator.Scripts().ToList();
        foreach (var (_, _, sql) in scripts.Where(m => m.Version <= 15))
            Run(connection, sql);
        Run(connection, """
            INSERT INTO plan (status, created_at, created_by, start_date, horizon_days, planner, time_limit_ms, completion, last_completed_step,
                              assignment_count, demand_count, assignments_sha256, frozen_days, baseline_plan_id, loop_version,
                              commitment_count, exclusion_count, units_kept, units_moved, units_dropped, units_added)
            VALUES ('DRAFT', 1580688000000, 'admin', '2020-02-03', 5, 'LP', 60000, 'COMPLETE', 'cost', 0, 0, 'abc', 2, NULL, 7, 0, 0, 0, 0, 0, 0);
            INSERT INTO plan_input (plan_id, inputs_json) VALUES (1, '{}');
            """);
        var before = EmergencyDispatch.Server.Persistence.Ledger.PlanDigest(connection, null, 1, 3);
        foreach (var (_, _, sql) in scripts.Where(m => m.Version == 16))
            Run(connection, sql);
        var after = EmergencyDispatch.Server.Persistence.Ledger.PlanDigest(connection, null, 1, 3);
        var current = EmergencyDispatch.Server.Persistence.Ledger.PlanDigest(connection, null, 1, 4);
        Run(connection, "DROP TRIGGER plan_option_budget_is_immutable; UPDATE plan SET option_budget = 5 WHERE plan_id = 1;");

        Assert.Equal(before, after);
        Assert.NotEqual(after, current);
        Assert.Equal(after, EmergencyDispatch.Server.Persistence.Ledger.PlanDigest(connection, null, 1, 3));
        Assert.NotEqual(current, EmergencyDispatch.Server.Persistence.Ledger.PlanDigest(connection, null, 1, 4));
    }

    [Fact]
    public async Task APlanLedgeredBeforeTheFormatWasRecordedStillVerifiesAndNewPlansUseTheCurrentFormat()
    {
        // A database as the service left it before migration 0011: one plan, ledgered in format 1.
        var path = Path.Combine(Path.GetTempPath(), $"dispatch-test-{Guid.NewGuid():N}.db");
        try
        {
            using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
            {
                connection.Open();
                Run(connection, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
                foreach (var (version, name, sql) in EmergencyDispatch.Server.Persistence.Migrator.Scripts().Where(m => m.Version <= 10))
                    Run(connection, sql + $"; INSERT INTO schema_migrations VALUES ({version}, '{name}', 0);");
                Run(connection, """
                    INSERT INTO plan (status, created_at, created_by, start_date, horizon_days, planner, time_limit_ms, completion, last_completed_step,
                                      assignment_count, demand_count, assignments_sha256, frozen_days, baseline_plan_id, loop_version,
                                      commitment_count, exclusion_count, units_kept, units_moved, units_dropped, units_added)
                    VALUES ('DRAFT', 1580688000000, 'admin', '2020-02-03', 5, 'LP', 60000, 'COMPLETE', NULL, 0, 0, 'abc', 2, NULL, 0, 3, 1, 10, 20, 30, 40);
                    INSERT INTO plan_input (plan_id, inputs_json) VALUES (1, '{}');
                    """);
                // Format 1, written out here from its description: the columns up to loop_version, the inputs, five empty row groups.
                var bytes = "plan\n1\n1580688000000\nadmin\n2020-02-03\n5\nLP\n60000\nCOMPLETE\n\n0\n0\nabc\n2\n\n0\n{}\n--\n--\n--\n--\n--\n";
                var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(bytes)));
                var hash = EmergencyDispatch.Server.Persistence.Ledger.Hash(EmergencyDispatch.Server.Persistence.Ledger.Genesis, digest);
                Run(connection, $"INSERT INTO ledger (kind, ref_id, hash) VALUES ('plan', 1, '{hash}')");
            }
            using var old = new DispatchFactory(path);
            using var channel = old.CreateChannel();
            var audit = new AuditService.AuditServiceClient(channel);

            var before = await audit.VerifyLedgerAsync(new VerifyLedgerRequest());
            await Fixtures.RegisterSmallRegistry(new RegistryService.RegistryServiceClient(channel));
            await new DemandService.DemandServiceClient(channel).SubmitDemandsAsync(Fixtures.Batch(Fixtures.Line("D1")));
            using (var call = new PlanningService.PlanningServiceClient(channel).CreatePlan(new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = 5 }))
                await PlanStreams.ReadAll(call);
            var after = await audit.VerifyLedgerAsync(new VerifyLedgerRequest());
            List<(string, long)> formats;
            using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
            {
                connection.Open();
                formats = [.. Dapper.SqlMapper.Query<(string, long)>(connection, "SELECT kind, format FROM ledger WHERE kind = 'plan' ORDER BY seq")];
                // Whoever tells the verifier that the old entry is in format 2 changes the bytes it is checked against.
                Run(connection, "DROP TRIGGER ledger_is_immutable; UPDATE ledger SET format = 2 WHERE kind = 'plan' AND ref_id = 1;");
            }
            var relabelled = await audit.VerifyLedgerAsync(new VerifyLedgerRequest());

            Assert.True(before.Ok, before.Problem);
            Assert.True(after.Ok, after.Problem);
            Assert.Equal([("plan", 1L), ("plan", (long)EmergencyDispatch.Server.Persistence.Ledger.PlanFormat)], formats);
            Assert.Equal(4, EmergencyDispatch.Server.Persistence.Ledger.PlanFormat);
            Assert.False(relabelled.Ok);
            Assert.Equal(("plan", 1L), (relabelled.FirstBadKind, relabelled.FirstBadId));
        }
        finally
        {
            DispatchFactory.DeleteDatabase(path);
        }
    }

    private static void Run(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
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
