using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>One option order, or one entry of its change log (the order as that change left it).</summary>
public sealed record OptionOrderRow(
    long OrderId,
    long PlanId,
    string FactoryId,
    string OptionId,
    string Sku,
    long Units,
    string FirstDate,
    double FixedCost,
    string Status,
    string Reason,
    long Version,
    long UpdatedAt);

/// <summary>An option rejection in force.</summary>
public sealed record OptionRejectionRow(string OptionId, string FactoryId, long OrderId, string Reason, long RejectedAt, string? RejectedBy);

/// <summary>One entry of a factory's work as the watch stream sends it: an assignment or an option order, at its version.</summary>
public sealed record WorkChange(AssignmentRow? Assignment, OptionOrderRow? Order)
{
    public long Version => Assignment?.Version ?? Order!.Version;

    public string FactoryId => Assignment?.FactoryId ?? Order!.FactoryId;
}

/// <summary>
/// Option orders in SQLite (<c>0016_option_plans.sql</c>): what publishing a plan that takes options writes, and the
/// one version sequence the assignment and option order change logs share.
/// </summary>
public static class OptionOrders
{
    /// <summary>The latest version of any change of either log.</summary>
    public const string LatestVersionSql =
        "SELECT MAX((SELECT COALESCE(MAX(version), 0) FROM assignment_change), (SELECT COALESCE(MAX(version), 0) FROM option_order_change))";

    public const string Columns = """
        order_id AS OrderId, plan_id AS PlanId, factory_id AS FactoryId, option_id AS OptionId, sku, units, first_date AS FirstDate,
        fixed_cost AS FixedCost, status, reason, version, updated_at AS UpdatedAt
        """;

    public const string ChangeColumns = """
        order_id AS OrderId, plan_id AS PlanId, factory_id AS FactoryId, option_id AS OptionId, sku, units, first_date AS FirstDate,
        fixed_cost AS FixedCost, status, reason, version, changed_at AS UpdatedAt
        """;

    public static long LatestVersion(SqliteConnection connection, SqliteTransaction? transaction) =>
        connection.ExecuteScalar<long>(LatestVersionSql, transaction: transaction);

    /// <summary>
    /// Brings the option orders in line with a plan being published, in the caller's transaction: an option the plan
    /// takes (and its factory has not accepted) gets a PENDING order, or keeps its pending one (updated to this plan
    /// when its units or first day changed); a pending order of an option the plan does not take is WITHDRAWN.
    /// Accepted and rejected orders stay as they are. Adds the factories whose orders changed.
    /// </summary>
    public static void Publish(SqliteConnection connection, SqliteTransaction transaction, long planId, ref long version, long at, ISet<string> factories)
    {
        var taken = connection.Query<(string OptionId, string FactoryId, string Sku, double FixedCost, long Units, string FirstDate)>(
            """
            SELECT option_id, factory_id, sku, fixed_cost, units, first_date FROM plan_option
            WHERE plan_id = @planId AND state = 'TAKEN' ORDER BY option_id
            """, new { planId }, transaction).AsList();
        var takenIds = taken.Select(t => t.OptionId).ToHashSet(StringComparer.Ordinal);
        var pendingOrders = connection.Query<OptionOrderRow>(
            $"SELECT {Columns} FROM option_order WHERE status = 'PENDING' ORDER BY order_id", transaction: transaction).AsList();
        var pending = pendingOrders.ToDictionary(o => o.OptionId, StringComparer.Ordinal);
        var accepted = connection.Query<string>("SELECT option_id FROM option_order WHERE status = 'ACCEPTED'", transaction: transaction)
            .ToHashSet(StringComparer.Ordinal);
        foreach (var order in pendingOrders.Where(o => !takenIds.Contains(o.OptionId)))
        {
            Write(connection, transaction, order with { Status = "WITHDRAWN", Version = ++version, UpdatedAt = at }, insert: false);
            factories.Add(order.FactoryId);
        }
        var nextId = connection.ExecuteScalar<long>("SELECT COALESCE(MAX(order_id), 0) FROM option_order", transaction: transaction);
        foreach (var t in taken.Where(t => !accepted.Contains(t.OptionId)))
        {
            if (pending.TryGetValue(t.OptionId, out var order))
            {
                if (order.Units == t.Units && order.FirstDate == t.FirstDate)
                    continue;
                Write(connection, transaction, order with { PlanId = planId, Units = t.Units, FirstDate = t.FirstDate, Version = ++version, UpdatedAt = at }, insert: false);
            }
            else
            {
                Write(connection, transaction,
                    new OptionOrderRow(++nextId, planId, t.FactoryId, t.OptionId, t.Sku, t.Units, t.FirstDate, t.FixedCost, "PENDING", "", ++version, at), insert: true);
            }
            factories.Add(t.FactoryId);
        }
    }

    /// <summary>Writes an order's new state (inserting a new order) and appends it to the change log.</summary>
    public static void Write(SqliteConnection connection, SqliteTransaction transaction, OptionOrderRow row, bool insert, string? decidedBy = null)
    {
        connection.Execute(insert
            ? """
              INSERT INTO option_order (order_id, plan_id, factory_id, option_id, sku, units, first_date, fixed_cost, status, reason, version, updated_at)
              VALUES (@OrderId, @PlanId, @FactoryId, @OptionId, @Sku, @Units, @FirstDate, @FixedCost, @Status, @Reason, @Version, @UpdatedAt)
              """
            : """
              UPDATE option_order SET plan_id = @PlanId, units = @Units, first_date = @FirstDate, status = @Status, reason = @Reason,
                  version = @Version, updated_at = @UpdatedAt, decided_by = COALESCE(@decidedBy, decided_by)
              WHERE order_id = @OrderId
              """,
            new
            {
                row.OrderId, row.PlanId, row.FactoryId, row.OptionId, row.Sku, row.Units, row.FirstDate, row.FixedCost, row.Status, row.Reason,
                row.Version, row.UpdatedAt, decidedBy,
            }, transaction);
        connection.Execute(
            """
            INSERT INTO option_order_change (version, factory_id, order_id, plan_id, option_id, sku, units, first_date, fixed_cost, status, reason, changed_at)
            VALUES (@Version, @FactoryId, @OrderId, @PlanId, @OptionId, @Sku, @Units, @FirstDate, @FixedCost, @Status, @Reason, @UpdatedAt)
            """, row, transaction);
    }

    /// <summary>A factory's option orders by id; withdrawn ones only when asked for.</summary>
    public static IReadOnlyList<OptionOrderRow> OfFactory(SqliteConnection connection, SqliteTransaction? transaction, string factoryId, bool includeWithdrawn) =>
        connection.Query<OptionOrderRow>(
            $"SELECT {Columns} FROM option_order WHERE factory_id = @factoryId AND (@includeWithdrawn OR status <> 'WITHDRAWN') ORDER BY order_id",
            new { factoryId, includeWithdrawn }, transaction).AsList();

    /// <summary>A factory's option order changes after a version, oldest first, at most <paramref name="limit"/>.</summary>
    public static IReadOnlyList<OptionOrderRow> ChangesSince(SqliteConnection connection, string factoryId, long afterVersion, int limit) =>
        connection.Query<OptionOrderRow>(
            $"SELECT {ChangeColumns} FROM option_order_change WHERE factory_id = @factoryId AND version > @afterVersion ORDER BY version LIMIT @limit",
            new { factoryId, afterVersion, limit }).AsList();

    public static OptionOrderRow? Find(SqliteConnection connection, SqliteTransaction transaction, string factoryId, long orderId) =>
        connection.QuerySingleOrDefault<OptionOrderRow>(
            $"SELECT {Columns} FROM option_order WHERE order_id = @orderId AND factory_id = @factoryId", new { orderId, factoryId }, transaction);

    /// <summary>Page key of an option rejection: its option and order.</summary>
    public static string[] Key(OptionRejectionRow r) => [r.OptionId, r.OrderId.ToString(CultureInfo.InvariantCulture)];
}
