using Dapper;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Scenarios;
using EmergencyDispatch.Server.Persistence;
using EmergencyDispatch.Server.Security;
using Microsoft.Extensions.Options;

namespace EmergencyDispatch.Server.Seeding;

/// <summary>At start-up, before the server takes calls: migrate the database, then seed it if it is empty.</summary>
public sealed class DatabaseStartup(
    Database database, RegistryStore registry, DemandStore demand, AdminKeyBootstrap adminKey, IOptions<SeedOptions> seed,
    ILogger<DatabaseStartup> logger) : IHostedService
{
    public const string SeedSubmitter = Rules.SeedActor;
    private const int BatchSize = 5_000;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var applied = database.Initialise();
        logger.LogInformation("Database {Path} ready; {Count} migrations applied now", database.FilePath, applied.Count);
        await adminKey.EnsureAsync(cancellationToken);
        if (!seed.Value.Enabled)
            return;
        using (var connection = database.Open())
        {
            if (connection.ExecuteScalar<long>("SELECT EXISTS (SELECT 1 FROM product) OR EXISTS (SELECT 1 FROM demand)") != 0)
                return;
        }
        var directory = Path.GetFullPath(seed.Value.Directory);
        if (!Directory.Exists(directory))
        {
            logger.LogWarning("Seed folder {Directory} does not exist; starting with an empty database", directory);
            return;
        }
        var (scenario, errors) = ScenarioReader.Read(directory);
        if (scenario is null)
            throw new InvalidOperationException($"The seed scenario {directory} is invalid: {string.Join("; ", errors.Take(10))}");
        await LoadAsync(scenario, cancellationToken);
        logger.LogInformation(
            "Seeded {Products} products, {Factories} factories, {Capabilities} capabilities, {Lanes} lanes, {Lots} stock lots, {Options} options, {Materials} materials and {Demands} demands from {Directory}",
            scenario.Products.Count, scenario.Factories.Count, scenario.Capabilities.Count, scenario.Lanes.Count, scenario.StockLots.Count, scenario.Options.Count,
            scenario.Materials.Count, scenario.Demands.Count, directory);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task LoadAsync(Scenario s, CancellationToken ct)
    {
        // Seeding is a write like any other: the event log names it.
        var call = new CallInfo("Startup/Seed", SeedSubmitter);
        await registry.UpsertProductsAsync(s.Products.Select(p => new ProductRow(p.Sku, p.Name, p.Unit)).ToList(), call, ct);
        await registry.UpsertFactoriesAsync(s.Factories.Select(f => new FactoryRow(f.FactoryId, f.Name, f.Region)).ToList(), call, ct);
        Check(await registry.UpsertCapabilitiesAsync(s.Capabilities.Select(c => new CapabilityRow(c.FactoryId, c.Sku, c.UnitsPerDay, c.UnitCost)).ToList(), call, ct).ConfigureAwait(false));
        var days = s.Availability.Select(a => new AvailabilityRow(a.FactoryId, IsoDate.Text(a.Date), a.Factor)).ToList();
        Check(await registry.UpsertAvailabilityAsync(days, Enumerable.Range(0, days.Count).ToList(), call, ct));
        await registry.UpsertLanesAsync(s.Lanes.Select(l => new LaneRow(l.FromRegion, l.ToRegion, l.LeadDays, l.UnitCost)).ToList(), call, ct);
        if (s.StockLots.Count > 0)
        {
            Check(await registry.UpsertStockLotsAsync(
                s.StockLots.Select(l => new StockLotRow(l.StockId, l.FactoryId, l.Sku, l.Quantity, IsoDate.Text(l.AvailableDate), l.UnitCost)).ToList(), call, ct));
        }
        if (s.Options.Count > 0)
        {
            Check(await registry.UpsertOptionsAsync(
                s.Options.Select(o => new OptionRow(o.OptionId, o.FactoryId, o.Sku, o.UnitsPerDay, o.UnitCost, IsoDate.Text(o.ReadyDate), o.RampDays, o.FixedCost)).ToList(), call, ct));
        }
        if (s.Materials.Count > 0)
            await registry.UpsertMaterialsAsync(s.Materials.Select(m => new MaterialRow(m.MaterialId, m.Name, m.Unit)).ToList(), call, ct);
        if (s.Bom.Count > 0)
            Check(await registry.UpsertBomAsync(s.Bom.Select(b => new BomRow(b.Sku, b.MaterialId, b.PerUnit)).ToList(), call, ct));
        if (s.MaterialSupply.Count > 0)
        {
            Check(await registry.UpsertMaterialSupplyAsync(
                s.MaterialSupply.Select(m => new MaterialSupplyRow(m.MaterialId, m.Region, IsoDate.Text(m.Date), m.Quantity)).ToList(), call, ct));
        }
        foreach (var chunk in s.Demands.Chunk(BatchSize))
        {
            var result = await demand.SubmitAsync(call, chunk, ct);
            if (result.Violations.Count > 0 || result.ConflictLine is not null)
                throw new InvalidOperationException($"The seed demand was refused: {string.Join("; ", result.Violations.Take(10))}");
        }
    }

    private static void Check(WriteResult<UpsertCounts> result)
    {
        if (result.Violations.Count > 0)
            throw new InvalidOperationException($"The seed registry was refused: {string.Join("; ", result.Violations.Take(10))}");
    }
}
