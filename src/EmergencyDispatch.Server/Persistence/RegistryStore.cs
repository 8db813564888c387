using Dapper;
using EmergencyDispatch.Planning.Model;
using Microsoft.Data.Sqlite;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>Stores and reads the registry: products, factories, capabilities, availability, lanes, stock lots and materials.</summary>
public sealed class RegistryStore(Database database, Writer writer, TimeProvider clock)
{
    public Task<UpsertCounts> UpsertProductsAsync(IReadOnlyList<ProductRow> rows, CallInfo call, CancellationToken ct) =>
        writer.WriteAsync(call, (c, t) => Upsert(c, t, rows,
            "SELECT sku, name, unit FROM product WHERE sku = @Sku",
            """
            INSERT INTO product (sku, name, unit, updated_at) VALUES (@Sku, @Name, @Unit, @At)
            ON CONFLICT (sku) DO UPDATE SET name = excluded.name, unit = excluded.unit, updated_at = excluded.updated_at
            """), ct, _ => Ledger.Describe("product", [.. rows.Select(r => r.Sku)]), weight: rows.Count);

    public Task<UpsertCounts> UpsertFactoriesAsync(IReadOnlyList<FactoryRow> rows, CallInfo call, CancellationToken ct) =>
        writer.WriteAsync(call, (c, t) => Upsert(c, t, rows,
            "SELECT factory_id AS FactoryId, name, region FROM factory WHERE factory_id = @FactoryId",
            """
            INSERT INTO factory (factory_id, name, region, updated_at) VALUES (@FactoryId, @Name, @Region, @At)
            ON CONFLICT (factory_id) DO UPDATE SET name = excluded.name, region = excluded.region, updated_at = excluded.updated_at
            """), ct, _ => Ledger.Describe("factory", [.. rows.Select(r => r.FactoryId)]), weight: rows.Count);

    /// <summary>Upserts capabilities of existing factories and skus; unknown ones are refused and nothing is stored.</summary>
    public Task<WriteResult<UpsertCounts>> UpsertCapabilitiesAsync(IReadOnlyList<CapabilityRow> rows, CallInfo call, CancellationToken ct) =>
        writer.WriteAsync(call, (c, t) =>
        {
            var violations = Unknown(c, t, "factory", "factory_id", rows.Select(r => r.FactoryId).ToList(), "capabilities", "factory_id", "factory");
            violations.AddRange(Unknown(c, t, "product", "sku", rows.Select(r => r.Sku).ToList(), "capabilities", "sku", "sku"));
            if (violations.Count > 0)
                return WriteResult<UpsertCounts>.Invalid(violations);
            return new WriteResult<UpsertCounts>(Upsert(c, t, rows,
                "SELECT factory_id AS FactoryId, sku, units_per_day AS UnitsPerDay, unit_cost AS UnitCost FROM capability WHERE factory_id = @FactoryId AND sku = @Sku",
                """
                INSERT INTO capability (factory_id, sku, units_per_day, unit_cost, updated_at) VALUES (@FactoryId, @Sku, @UnitsPerDay, @UnitCost, @At)
                ON CONFLICT (factory_id, sku) DO UPDATE SET units_per_day = excluded.units_per_day, unit_cost = excluded.unit_cost, updated_at = excluded.updated_at
                """), []);
        }, ct, r => r.Violations.Count > 0 ? null : Ledger.Describe("capability", [.. rows.Select(x => $"{x.FactoryId}/{x.Sku}")]), weight: rows.Count);

    /// <summary>Upserts availability days of existing factories; <paramref name="rangeOfRow"/> gives the request item each day came from.</summary>
    public Task<WriteResult<UpsertCounts>> UpsertAvailabilityAsync(IReadOnlyList<AvailabilityRow> rows, IReadOnlyList<int> rangeOfRow, CallInfo call, CancellationToken ct) =>
        writer.WriteAsync(call, (c, t) =>
        {
            var missing = MissingKeys(c, t, "factory", "factory_id", rows.Select(r => r.FactoryId).ToList());
            if (missing.Count > 0)
            {
                return WriteResult<UpsertCounts>.Invalid(missing.Select(i => rangeOfRow[i]).Distinct()
                    .Select(i => new Violation($"ranges[{i}].factory_id", $"unknown factory '{rows[missing.First(m => rangeOfRow[m] == i)].FactoryId}'")).ToList());
            }
            return new WriteResult<UpsertCounts>(UpsertAvailabilityDays(c, t, rows), []);
        }, ct, r => r.Violations.Count > 0 ? null : Ledger.Describe("availability", [.. rows.Select(x => $"{x.FactoryId}/{x.Date}")]), weight: rows.Count);

    /// <summary>
    /// <see cref="Upsert"/> for availability days, the registry's largest writes (up to
    /// <see cref="Rules.MaxAvailabilityDaysPerCall"/> rows a call): two statements prepared once and re-bound per row.
    /// </summary>
    private UpsertCounts UpsertAvailabilityDays(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<AvailabilityRow> rows)
    {
        var at = clock.GetUtcNow().ToUnixTimeMilliseconds();
        using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = "SELECT factor FROM availability WHERE factory_id = $factory AND date = $date";
        var selectFactory = select.Parameters.Add("$factory", SqliteType.Text);
        var selectDate = select.Parameters.Add("$date", SqliteType.Text);
        select.Prepare();
        using var upsert = connection.CreateCommand();
        upsert.Transaction = transaction;
        upsert.CommandText = """
            INSERT INTO availability (factory_id, date, factor, updated_at) VALUES ($factory, $date, $factor, $at)
            ON CONFLICT (factory_id, date) DO UPDATE SET factor = excluded.factor, updated_at = excluded.updated_at
            """;
        var upsertFactory = upsert.Parameters.Add("$factory", SqliteType.Text);
        var upsertDate = upsert.Parameters.Add("$date", SqliteType.Text);
        var upsertFactor = upsert.Parameters.Add("$factor", SqliteType.Real);
        upsert.Parameters.AddWithValue("$at", at);
        upsert.Prepare();
        int created = 0, updated = 0, unchanged = 0;
        foreach (var row in rows)
        {
            selectFactory.Value = row.FactoryId;
            selectDate.Value = row.Date;
            if (select.ExecuteScalar() is double existing)
            {
                if (existing.Equals(row.Factor))
                {
                    unchanged++;
                    continue;
                }
                updated++;
            }
            else
            {
                created++;
            }
            upsertFactory.Value = row.FactoryId;
            upsertDate.Value = row.Date;
            upsertFactor.Value = row.Factor;
            upsert.ExecuteNonQuery();
        }
        return new UpsertCounts(created, updated, unchanged);
    }

    /// <summary>A violation per item whose key is not in the table, named <c>items[i].field</c>.</summary>
    private static List<Violation> Unknown(SqliteConnection c, SqliteTransaction t, string table, string column, List<string> keys, string items, string field, string what) =>
        MissingKeys(c, t, table, column, keys).Select(i => new Violation($"{items}[{i}].{field}", $"unknown {what} '{keys[i]}'")).ToList();

    public Task<UpsertCounts> UpsertLanesAsync(IReadOnlyList<LaneRow> rows, CallInfo call, CancellationToken ct) =>
        writer.WriteAsync(call, (c, t) => Upsert(c, t, rows,
            "SELECT from_region AS FromRegion, to_region AS ToRegion, lead_days AS LeadDays, unit_cost AS UnitCost FROM lane WHERE from_region = @FromRegion AND to_region = @ToRegion",
            """
            INSERT INTO lane (from_region, to_region, lead_days, unit_cost, updated_at) VALUES (@FromRegion, @ToRegion, @LeadDays, @UnitCost, @At)
            ON CONFLICT (from_region, to_region) DO UPDATE SET lead_days = excluded.lead_days, unit_cost = excluded.unit_cost, updated_at = excluded.updated_at
            """), ct, _ => Ledger.Describe("lane", [.. rows.Select(r => $"{r.FromRegion}>{r.ToRegion}")]), weight: rows.Count);

    /// <summary>Upserts stock lots at existing sites of existing skus; unknown ones are refused and nothing is stored.</summary>
    public Task<WriteResult<UpsertCounts>> UpsertStockLotsAsync(IReadOnlyList<StockLotRow> rows, CallInfo call, CancellationToken ct) =>
        writer.WriteAsync(call, (c, t) =>
        {
            var violations = Unknown(c, t, "factory", "factory_id", rows.Select(r => r.FactoryId).ToList(), "lots", "factory_id", "site");
            violations.AddRange(Unknown(c, t, "product", "sku", rows.Select(r => r.Sku).ToList(), "lots", "sku", "sku"));
            if (violations.Count > 0)
                return WriteResult<UpsertCounts>.Invalid(violations);
            return new WriteResult<UpsertCounts>(Upsert(c, t, rows,
                $"SELECT {StockLotColumns} FROM stock_lot WHERE stock_id = @StockId",
                """
                INSERT INTO stock_lot (stock_id, factory_id, sku, quantity, available_date, unit_cost, updated_at)
                VALUES (@StockId, @FactoryId, @Sku, @Quantity, @AvailableDate, @UnitCost, @At)
                ON CONFLICT (stock_id) DO UPDATE SET factory_id = excluded.factory_id, sku = excluded.sku, quantity = excluded.quantity,
                    available_date = excluded.available_date, unit_cost = excluded.unit_cost, updated_at = excluded.updated_at
                """), []);
        }, ct, r => r.Violations.Count > 0 ? null : Ledger.Describe("stock_lot", [.. rows.Select(x => x.StockId)]), weight: rows.Count);

    /// <summary>Upserts options of existing factories and skus; unknown ones are refused and nothing is stored.</summary>
    public Task<WriteResult<UpsertCounts>> UpsertOptionsAsync(IReadOnlyList<OptionRow> rows, CallInfo call, CancellationToken ct) =>
        writer.WriteAsync(call, (c, t) =>
        {
            var violations = Unknown(c, t, "factory", "factory_id", rows.Select(r => r.FactoryId).ToList(), "options", "factory_id", "factory");
            violations.AddRange(Unknown(c, t, "product", "sku", rows.Select(r => r.Sku).ToList(), "options", "sku", "sku"));
            if (violations.Count > 0)
                return WriteResult<UpsertCounts>.Invalid(violations);
            return new WriteResult<UpsertCounts>(Upsert(c, t, rows,
                $"SELECT {OptionColumns} FROM production_option WHERE option_id = @OptionId",
                """
                INSERT INTO production_option (option_id, factory_id, sku, units_per_day, unit_cost, ready_date, ramp_days, fixed_cost, updated_at)
                VALUES (@OptionId, @FactoryId, @Sku, @UnitsPerDay, @UnitCost, @ReadyDate, @RampDays, @FixedCost, @At)
                ON CONFLICT (option_id) DO UPDATE SET factory_id = excluded.factory_id, sku = excluded.sku, units_per_day = excluded.units_per_day,
                    unit_cost = excluded.unit_cost, ready_date = excluded.ready_date, ramp_days = excluded.ramp_days,
                    fixed_cost = excluded.fixed_cost, updated_at = excluded.updated_at
                """), []);
        }, ct, r => r.Violations.Count > 0 ? null : Ledger.Describe("production_option", [.. rows.Select(x => x.OptionId)]), weight: rows.Count);

    internal const string OptionColumns =
        "option_id AS OptionId, factory_id AS FactoryId, sku, units_per_day AS UnitsPerDay, unit_cost AS UnitCost, ready_date AS ReadyDate, ramp_days AS RampDays, fixed_cost AS FixedCost";

    public OptionRow? GetOption(string optionId)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<OptionRow>($"SELECT {OptionColumns} FROM production_option WHERE option_id = @optionId", new { optionId });
    }

    public Page<OptionRow> ListOptions(string? factoryId, string? sku, string[]? after, int size) =>
        ListByFactoryAndSku<OptionRow>($"SELECT {OptionColumns} FROM production_option", "option_id", factoryId, sku, after, size, r => r.OptionId);

    /// <summary>A page of rows keyed by one id column, optionally of one factory (or site) and one sku.</summary>
    private Page<T> ListByFactoryAndSku<T>(string select, string key, string? factoryId, string? sku, string[]? after, int size, Func<T, string> keyOf)
    {
        using var connection = database.Open();
        var filters = new List<string> { $"{key} > @after" };
        if (factoryId is not null)
            filters.Add("factory_id = @factoryId");
        if (sku is not null)
            filters.Add("sku = @sku");
        var rows = connection.Query<T>(
            $"{select} WHERE {string.Join(" AND ", filters)} ORDER BY {key} LIMIT @limit",
            new { factoryId, sku, after = after?[0] ?? "", limit = size + 1 }).AsList();
        return PageOf(rows, size, r => [keyOf(r)]);
    }

    public Task<UpsertCounts> UpsertMaterialsAsync(IReadOnlyList<MaterialRow> rows, CallInfo call, CancellationToken ct) =>
        writer.WriteAsync(call, (c, t) => Upsert(c, t, rows,
            "SELECT material_id AS MaterialId, name, unit FROM material WHERE material_id = @MaterialId",
            """
            INSERT INTO material (material_id, name, unit, updated_at) VALUES (@MaterialId, @Name, @Unit, @At)
            ON CONFLICT (material_id) DO UPDATE SET name = excluded.name, unit = excluded.unit, updated_at = excluded.updated_at
            """), ct, _ => Ledger.Describe("material", [.. rows.Select(r => r.MaterialId)]), weight: rows.Count);

    /// <summary>Upserts bill-of-materials lines of existing skus and materials; unknown ones are refused and nothing is stored.</summary>
    public Task<WriteResult<UpsertCounts>> UpsertBomAsync(IReadOnlyList<BomRow> rows, CallInfo call, CancellationToken ct) =>
        writer.WriteAsync(call, (c, t) =>
        {
            var violations = Unknown(c, t, "product", "sku", rows.Select(r => r.Sku).ToList(), "lines", "sku", "sku");
            violations.AddRange(Unknown(c, t, "material", "material_id", rows.Select(r => r.MaterialId).ToList(), "lines", "material_id", "material"));
            if (violations.Count > 0)
                return WriteResult<UpsertCounts>.Invalid(violations);
            return new WriteResult<UpsertCounts>(Upsert(c, t, rows,
                "SELECT sku, material_id AS MaterialId, per_unit AS PerUnit FROM bom WHERE sku = @Sku AND material_id = @MaterialId",
                """
                INSERT INTO bom (sku, material_id, per_unit, updated_at) VALUES (@Sku, @MaterialId, @PerUnit, @At)
                ON CONFLICT (sku, material_id) DO UPDATE SET per_unit = excluded.per_unit, updated_at = excluded.updated_at
                """), []);
        }, ct, r => r.Violations.Count > 0 ? null : Ledger.Describe("bom", [.. rows.Select(x => $"{x.Sku}/{x.MaterialId}")]), weight: rows.Count);

    /// <summary>Upserts supply of existing materials; unknown ones are refused and nothing is stored.</summary>
    public Task<WriteResult<UpsertCounts>> UpsertMaterialSupplyAsync(IReadOnlyList<MaterialSupplyRow> rows, CallInfo call, CancellationToken ct) =>
        writer.WriteAsync(call, (c, t) =>
        {
            var violations = Unknown(c, t, "material", "material_id", rows.Select(r => r.MaterialId).ToList(), "supply", "material_id", "material");
            if (violations.Count > 0)
                return WriteResult<UpsertCounts>.Invalid(violations);
            return new WriteResult<UpsertCounts>(Upsert(c, t, rows,
                "SELECT material_id AS MaterialId, region, date, quantity FROM material_supply WHERE material_id = @MaterialId AND region = @Region AND date = @Date",
                """
                INSERT INTO material_supply (material_id, region, date, quantity, updated_at) VALUES (@MaterialId, @Region, @Date, @Quantity, @At)
                ON CONFLICT (material_id, region, date) DO UPDATE SET quantity = excluded.quantity, updated_at = excluded.updated_at
                """), []);
        }, ct, r => r.Violations.Count > 0 ? null : Ledger.Describe("material_supply", [.. rows.Select(x => $"{x.MaterialId}/{x.Region}/{x.Date}")]), weight: rows.Count);

    private const string StockLotColumns =
        "stock_id AS StockId, factory_id AS FactoryId, sku, quantity, available_date AS AvailableDate, unit_cost AS UnitCost";

    /// <summary>A lot's columns and the units reported shipped from it (what its site reported produced on assignments from it).</summary>
    internal const string StockLotDetailSelect = $"""
        SELECT {StockLotColumns},
               CAST(COALESCE((SELECT SUM(a.produced) FROM assignment a WHERE a.source = 'stock:' || stock_lot.stock_id), 0) AS INTEGER) AS Shipped
        FROM stock_lot
        """;

    public StockLotDetailRow? GetStockLot(string stockId)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<StockLotDetailRow>($"{StockLotDetailSelect} WHERE stock_id = @stockId", new { stockId });
    }

    public Page<StockLotDetailRow> ListStockLots(string? factoryId, string? sku, string[]? after, int size) =>
        ListByFactoryAndSku<StockLotDetailRow>(StockLotDetailSelect, "stock_id", factoryId, sku, after, size, r => r.StockId);

    public MaterialRow? GetMaterial(string materialId)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<MaterialRow>(
            "SELECT material_id AS MaterialId, name, unit FROM material WHERE material_id = @materialId", new { materialId });
    }

    /// <summary>The number of supply rows of a material and their total.</summary>
    public (long Rows, double Total) MaterialSupplyTotal(string materialId)
    {
        using var connection = database.Open();
        return connection.QuerySingle<(long, double)>(
            "SELECT COUNT(*), COALESCE(SUM(quantity), 0.0) FROM material_supply WHERE material_id = @materialId", new { materialId });
    }

    public Page<MaterialRow> ListMaterials(string[]? after, int size)
    {
        using var connection = database.Open();
        var rows = connection.Query<MaterialRow>(
            "SELECT material_id AS MaterialId, name, unit FROM material WHERE material_id > @after ORDER BY material_id LIMIT @limit",
            new { after = after?[0] ?? "", limit = size + 1 }).AsList();
        return PageOf(rows, size, r => [r.MaterialId]);
    }

    public Page<BomRow> ListBom(string? sku, string? materialId, string[]? after, int size)
    {
        using var connection = database.Open();
        var filters = new List<string> { "(sku, material_id) > (@afterSku, @afterMaterial)" };
        if (sku is not null)
            filters.Add("sku = @sku");
        if (materialId is not null)
            filters.Add("material_id = @materialId");
        var rows = connection.Query<BomRow>(
            $"SELECT sku, material_id AS MaterialId, per_unit AS PerUnit FROM bom WHERE {string.Join(" AND ", filters)} ORDER BY sku, material_id LIMIT @limit",
            new { sku, materialId, afterSku = after?[0] ?? "", afterMaterial = after?[1] ?? "", limit = size + 1 }).AsList();
        return PageOf(rows, size, r => [r.Sku, r.MaterialId]);
    }

    public Page<MaterialSupplyRow> ListMaterialSupply(string? materialId, string? region, string? fromDate, string? toDate, string[]? after, int size)
    {
        using var connection = database.Open();
        var filters = new List<string> { "(material_id, region, date) > (@afterMaterial, @afterRegion, @afterDate)" };
        if (materialId is not null)
            filters.Add("material_id = @materialId");
        if (region is not null)
            filters.Add("region = @region");
        if (fromDate is not null)
            filters.Add("date >= @fromDate");
        if (toDate is not null)
            filters.Add("date <= @toDate");
        var rows = connection.Query<MaterialSupplyRow>(
            $"""
            SELECT material_id AS MaterialId, region, date, quantity FROM material_supply
            WHERE {string.Join(" AND ", filters)} ORDER BY material_id, region, date LIMIT @limit
            """,
            new
            {
                materialId, region, fromDate, toDate,
                afterMaterial = after?[0] ?? "", afterRegion = after?[1] ?? "", afterDate = after?[2] ?? "", limit = size + 1,
            }).AsList();
        return PageOf(rows, size, r => [r.MaterialId, r.Region, r.Date]);
    }

    /// <summary>The indexes of the keys that are not in <paramref name="table"/>.<paramref name="column"/>, looked up once each.</summary>
    public static List<int> MissingKeys(SqliteConnection connection, SqliteTransaction? transaction, string table, string column, IReadOnlyList<string> keys)
    {
        var known = new Dictionary<string, bool>(StringComparer.Ordinal);
        var missing = new List<int>();
        for (var i = 0; i < keys.Count; i++)
        {
            if (!known.TryGetValue(keys[i], out var exists))
            {
                exists = connection.ExecuteScalar<long>($"SELECT EXISTS (SELECT 1 FROM {table} WHERE {column} = @key)", new { key = keys[i] }, transaction) != 0;
                known[keys[i]] = exists;
            }
            if (!exists)
                missing.Add(i);
        }
        return missing;
    }

    /// <summary>Whether a demand may name this region: some factory is in it or some lane starts or ends in it.</summary>
    public static bool IsKnownRegion(SqliteConnection connection, SqliteTransaction? transaction, string region) =>
        connection.ExecuteScalar<long>("""
            SELECT EXISTS (SELECT 1 FROM factory WHERE region = @region)
                OR EXISTS (SELECT 1 FROM lane WHERE from_region = @region)
                OR EXISTS (SELECT 1 FROM lane WHERE to_region = @region)
            """, new { region }, transaction) != 0;

    public ProductRow? GetProduct(string sku)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<ProductRow>("SELECT sku, name, unit FROM product WHERE sku = @sku", new { sku });
    }

    public FactoryRow? GetFactory(string factoryId)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<FactoryRow>(
            "SELECT factory_id AS FactoryId, name, region FROM factory WHERE factory_id = @factoryId", new { factoryId });
    }

    public Page<ProductRow> ListProducts(string[]? after, int size)
    {
        using var connection = database.Open();
        var rows = connection.Query<ProductRow>(
            "SELECT sku, name, unit FROM product WHERE sku > @after ORDER BY sku LIMIT @limit",
            new { after = after?[0] ?? "", limit = size + 1 }).AsList();
        return PageOf(rows, size, r => [r.Sku]);
    }

    public Page<FactoryRow> ListFactories(string? region, string[]? after, int size)
    {
        using var connection = database.Open();
        var sql = region is null
            ? "SELECT factory_id AS FactoryId, name, region FROM factory WHERE factory_id > @after ORDER BY factory_id LIMIT @limit"
            : "SELECT factory_id AS FactoryId, name, region FROM factory WHERE region = @region AND factory_id > @after ORDER BY factory_id LIMIT @limit";
        var rows = connection.Query<FactoryRow>(sql, new { region, after = after?[0] ?? "", limit = size + 1 }).AsList();
        return PageOf(rows, size, r => [r.FactoryId]);
    }

    public Page<CapabilityRow> ListCapabilities(string? factoryId, string? sku, string[]? after, int size)
    {
        using var connection = database.Open();
        var filters = new List<string> { "(factory_id, sku) > (@afterFactory, @afterSku)" };
        if (factoryId is not null)
            filters.Add("factory_id = @factoryId");
        if (sku is not null)
            filters.Add("sku = @sku");
        var rows = connection.Query<CapabilityRow>(
            $"""
            SELECT factory_id AS FactoryId, sku, units_per_day AS UnitsPerDay, unit_cost AS UnitCost FROM capability
            WHERE {string.Join(" AND ", filters)} ORDER BY factory_id, sku LIMIT @limit
            """,
            new { factoryId, sku, afterFactory = after?[0] ?? "", afterSku = after?[1] ?? "", limit = size + 1 }).AsList();
        return PageOf(rows, size, r => [r.FactoryId, r.Sku]);
    }

    public Page<AvailabilityRow> ListAvailability(string? factoryId, string? fromDate, string? toDate, string[]? after, int size)
    {
        using var connection = database.Open();
        var filters = new List<string> { "(factory_id, date) > (@afterFactory, @afterDate)" };
        if (factoryId is not null)
            filters.Add("factory_id = @factoryId");
        if (fromDate is not null)
            filters.Add("date >= @fromDate");
        if (toDate is not null)
            filters.Add("date <= @toDate");
        var rows = connection.Query<AvailabilityRow>(
            $"""
            SELECT factory_id AS FactoryId, date, factor FROM availability
            WHERE {string.Join(" AND ", filters)} ORDER BY factory_id, date LIMIT @limit
            """,
            new { factoryId, fromDate, toDate, afterFactory = after?[0] ?? "", afterDate = after?[1] ?? "", limit = size + 1 }).AsList();
        return PageOf(rows, size, r => [r.FactoryId, r.Date]);
    }

    public Page<LaneRow> ListLanes(string? fromRegion, string? toRegion, string[]? after, int size)
    {
        using var connection = database.Open();
        var filters = new List<string> { "(from_region, to_region) > (@afterFrom, @afterTo)" };
        if (fromRegion is not null)
            filters.Add("from_region = @fromRegion");
        if (toRegion is not null)
            filters.Add("to_region = @toRegion");
        var rows = connection.Query<LaneRow>(
            $"""
            SELECT from_region AS FromRegion, to_region AS ToRegion, lead_days AS LeadDays, unit_cost AS UnitCost FROM lane
            WHERE {string.Join(" AND ", filters)} ORDER BY from_region, to_region LIMIT @limit
            """,
            new { fromRegion, toRegion, afterFrom = after?[0] ?? "", afterTo = after?[1] ?? "", limit = size + 1 }).AsList();
        return PageOf(rows, size, r => [r.FromRegion, r.ToRegion]);
    }

    /// <summary>Cuts a list fetched with one row too many into a page and the keys to continue after.</summary>
    public static Page<T> PageOf<T>(List<T> rows, int size, Func<T, string[]> keys)
    {
        if (rows.Count <= size)
            return new Page<T>(rows, null);
        rows.RemoveAt(rows.Count - 1);
        return new Page<T>(rows, keys(rows[^1]));
    }

    /// <summary>Inserts new rows, updates changed ones and counts what happened; runs inside the writer's transaction.</summary>
    private UpsertCounts Upsert<TRow>(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<TRow> rows, string selectSql, string upsertSql)
        where TRow : class
    {
        var at = clock.GetUtcNow().ToUnixTimeMilliseconds();
        int created = 0, updated = 0, unchanged = 0;
        foreach (var row in rows)
        {
            var existing = connection.QuerySingleOrDefault<TRow>(selectSql, row, transaction);
            if (existing is null)
                created++;
            else if (existing.Equals(row))
            {
                unchanged++;
                continue;
            }
            else
                updated++;
            var parameters = new DynamicParameters(row);
            parameters.Add("At", at);
            connection.Execute(upsertSql, parameters, transaction);
        }
        return new UpsertCounts(created, updated, unchanged);
    }
}
