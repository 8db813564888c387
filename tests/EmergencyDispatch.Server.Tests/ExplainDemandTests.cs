using EmergencyDispatch.Api.V1;
using Grpc.Net.Client;
using Microsoft.Data.Sqlite;

namespace EmergencyDispatch.Tests.Server;

/// <summary>
/// ExplainDemand's competitors, read from the per-factory rows stored with each plan (plan_factory_units), against
/// the same sums taken straight from the plan's assignments and the demands' priorities; and plans stored before those
/// rows existed.
/// </summary>
public sealed class ExplainDemandTests
{
    /// <summary>
    /// Every competitor of a demand in a plan, by the definition: its units summed over the plan's assignments from the
    /// demand's binding factories on production days up to its due date, of demands of its priority or higher (the
    /// demand table's), the largest first, ties by demand id.
    /// </summary>
    private static List<(long DemandId, string RequestKey, long Priority, long Units, string Factories)> Summed(
        SqliteConnection connection, long planId, long demandId, string dueDate, long priority, IReadOnlyList<string> factories)
    {
        using var command = connection.CreateCommand();
        var names = factories.Select((_, i) => "$f" + i).ToList();
        command.CommandText = $"""
            SELECT a.demand_id, a.request_key, d.priority, SUM(a.quantity) AS units, group_concat(DISTINCT a.factory_id)
            FROM plan_assignment a JOIN demand d ON d.demand_id = a.demand_id
            WHERE a.plan_id = $plan AND a.factory_id IN ({string.Join(", ", names)}) AND a.production_date <= $due
              AND a.demand_id <> $demand AND d.priority <= $priority
            GROUP BY a.demand_id, a.request_key, d.priority
            ORDER BY units DESC, a.demand_id
            """;
        command.Parameters.AddWithValue("$plan", planId);
        command.Parameters.AddWithValue("$due", dueDate);
        command.Parameters.AddWithValue("$demand", demandId);
        command.Parameters.AddWithValue("$priority", priority);
        for (var i = 0; i < names.Count; i++)
            command.Parameters.AddWithValue(names[i], factories[i]);
        using var reader = command.ExecuteReader();
        var rows = new List<(long, string, long, long, string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3),
                string.Join(",", reader.GetString(4).Split(',').Order(StringComparer.Ordinal))));
        }
        return rows;
    }

    /// <summary>
    /// Every competitor of a demand for materials that ran out, by the definition: the units the plan's production
    /// (capacity, not stock) made on days up to its due date for demands of its priority or higher whose sku consumes
    /// one of the materials (the bom table's), the largest first, ties by demand id.
    /// </summary>
    private static List<(long DemandId, string RequestKey, long Priority, long Units, string Materials)> SummedMaterials(
        SqliteConnection connection, long planId, long demandId, string dueDate, long priority, IReadOnlyList<string> materials)
    {
        using var command = connection.CreateCommand();
        var names = materials.Select((_, i) => "$m" + i).ToList();
        command.CommandText = $"""
            SELECT a.demand_id, a.request_key, d.priority, SUM(a.quantity) AS units,
                   (SELECT group_concat(b.material_id) FROM bom b WHERE b.sku = a.sku AND b.material_id IN ({string.Join(", ", names)}))
            FROM plan_assignment a JOIN demand d ON d.demand_id = a.demand_id
            WHERE a.plan_id = $plan AND a.source = 'capacity' AND a.production_date <= $due AND a.demand_id <> $demand AND d.priority <= $priority
              AND a.sku IN (SELECT sku FROM bom WHERE material_id IN ({string.Join(", ", names)}))
            GROUP BY a.demand_id, a.request_key, d.priority, a.sku
            ORDER BY units DESC, a.demand_id
            """;
        command.Parameters.AddWithValue("$plan", planId);
        command.Parameters.AddWithValue("$due", dueDate);
        command.Parameters.AddWithValue("$demand", demandId);
        command.Parameters.AddWithValue("$priority", priority);
        for (var i = 0; i < names.Count; i++)
            command.Parameters.AddWithValue(names[i], materials[i]);
        using var reader = command.ExecuteReader();
        var rows = new List<(long, string, long, long, string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3),
                string.Join(",", reader.GetString(4).Split(',').Order(StringComparer.Ordinal))));
        }
        return rows;
    }

    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        return connection;
    }

    private static async Task<PlanSummary> Plan(GrpcChannel channel, Planner planner, int horizonDays)
    {
        using var call = new PlanningService.PlanningServiceClient(channel).CreatePlan(
            new CreatePlanRequest { StartDate = "2020-02-03", HorizonDays = horizonDays, Planner = planner });
        return (await PlanStreams.ReadAll(call))[^1].Plan;
    }

    /// <summary>Checks ExplainDemand for every demand of the database against <see cref="Summed"/>; returns the competitors it named.</summary>
    private static async Task<int> AssertEveryDemandExplainedAsSummed(GrpcChannel channel, string path)
    {
        var audit = new AuditService.AuditServiceClient(channel);
        using var connection = Open(path);
        var demands = new List<long>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT demand_id FROM demand ORDER BY demand_id";
            using var reader = command.ExecuteReader();
            while (reader.Read())
                demands.Add(reader.GetInt64(0));
        }
        var named = 0;
        foreach (var demandId in demands)
        {
            var explained = await audit.ExplainDemandAsync(new ExplainDemandRequest { DemandId = demandId, Page = new PageRequest { PageSize = 1000 } });
            foreach (var inPlan in explained.Plans)
            {
                var expected = inPlan.Outcome.BindingMaterials.Count > 0
                    ? SummedMaterials(connection, inPlan.PlanId, demandId, explained.DueDate, (long)inPlan.Outcome.Priority, inPlan.Outcome.BindingMaterials)
                    : inPlan.Outcome.BindingFactories.Count == 0 ? []
                    : Summed(connection, inPlan.PlanId, demandId, explained.DueDate, (long)inPlan.Outcome.Priority, inPlan.Outcome.BindingFactories);
                var shown = expected.Take(EmergencyDispatch.Server.Grpc.AuditGrpcService.MaxCompetitors).ToList();
                Assert.Equal(shown, inPlan.Competitors.Select(c => (c.DemandId, c.RequestId, (long)c.Priority, c.Units,
                    string.Join(",", inPlan.Outcome.BindingMaterials.Count > 0 ? c.Materials : c.Factories))));
                Assert.Equal(expected.Count - shown.Count, inPlan.MoreCompetitors);
                Assert.Equal(expected.Sum(c => c.Units) - shown.Sum(c => c.Units), inPlan.MoreUnits);
                named += shown.Count;
            }
        }
        return named;
    }

    [Fact]
    public async Task CompetitorsOfEverySeedDemandAreTheSumsOfThePlansAssignments()
    {
        using var factory = new DispatchFactory(seed: true);
        using var channel = factory.CreateChannel();
        // Several plans: ExplainDemand reads them in runs of successive plans, a run per core.
        await Plan(channel, Planner.Greedy, 14);
        await Plan(channel, Planner.Lp, 7);
        await Plan(channel, Planner.Greedy, 5);
        await Plan(channel, Planner.Greedy, 10);

        var named = await AssertEveryDemandExplainedAsSummed(channel, factory.DatabasePath);

        Assert.True(named > 100, $"only {named} competitors named: the seed scenario should have many");
    }

    [Fact]
    public async Task PlansStoredBeforeTheirFactoryRowsExistedGetTheSameRowsWhenTheMigrationRuns()
    {
        var path = Path.Combine(Path.GetTempPath(), $"dispatch-explain-{Guid.NewGuid():N}.db");
        try
        {
            Dictionary<(long, string), byte[]> written;
            using (var first = new DispatchFactory(path, seed: true))
            {
                using var channel = first.CreateChannel();
                await Plan(channel, Planner.Greedy, 14);
                await Plan(channel, Planner.Greedy, 5);
            }
            using (var connection = Open(path))
            {
                written = FactoryRows(connection);
                // As the database was before the migration: no table, the migration not recorded.
                using var command = connection.CreateCommand();
                command.CommandText = """
                    DROP TABLE plan_factory_units;
                    DELETE FROM schema_migrations WHERE name LIKE '%_explain_factory_units.sql';
                    """;
                command.ExecuteNonQuery();
            }

            // Starting again applies the migration, which fills the table from the stored plans.
            using var second = new DispatchFactory(path);
            using var restarted = second.CreateChannel();
            var named = await AssertEveryDemandExplainedAsSummed(restarted, path);

            using var migrated = Open(path);
            var backfilled = FactoryRows(migrated);
            Assert.True(named > 0);
            Assert.NotEmpty(written);
            Assert.Equal(written.Keys.Order(), backfilled.Keys.Order());
            Assert.All(written, w => Assert.Equal(w.Value, backfilled[w.Key]));
        }
        finally
        {
            DispatchFactory.DeleteDatabase(path);
        }
    }

    private static Dictionary<(long, string), byte[]> FactoryRows(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT plan_id, factory_id, entries FROM plan_factory_units";
        using var reader = command.ExecuteReader();
        var rows = new Dictionary<(long, string), byte[]>();
        while (reader.Read())
            rows[(reader.GetInt64(0), reader.GetString(1))] = (byte[])reader.GetValue(2);
        return rows;
    }
}
