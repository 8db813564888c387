using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Cli.Infrastructure;
using EmergencyDispatch.Planning.Scenarios;
using Grpc.Core;
using Rules = EmergencyDispatch.Planning.Model.Rules;

namespace EmergencyDispatch.Cli.Import;

/// <summary>
/// Sends a checked scenario to the server in dependency order (products, factories, capabilities, availability, lanes,
/// stock lots, materials, bills of materials, material supply, demands),
/// each file in batches. Every write is idempotent, so an import that stopped half way can simply be run again.
/// </summary>
public sealed class ScenarioImporter(RegistryService.RegistryServiceClient registry, DemandService.DemandServiceClient demands)
{
    private const int LookupPageSize = Rules.MaxPageSize;

    public ScenarioImporter(ChannelBase channel)
        : this(new RegistryService.RegistryServiceClient(channel), new DemandService.DemandServiceClient(channel))
    {
    }

    public ScenarioImporter(CallInvoker invoker)
        : this(new RegistryService.RegistryServiceClient(invoker), new DemandService.DemandServiceClient(invoker))
    {
    }

    /// <summary>The files in the order they are sent.</summary>
    public static readonly IReadOnlyList<string> FileOrder =
    [
        ScenarioReader.ProductsFile,
        ScenarioReader.FactoriesFile,
        ScenarioReader.CapabilitiesFile,
        ScenarioReader.AvailabilityFile,
        ScenarioReader.LanesFile,
        ScenarioReader.StockFile,
        ScenarioReader.MaterialsFile,
        ScenarioReader.BomFile,
        ScenarioReader.MaterialSupplyFile,
        ScenarioReader.DemandsFile,
    ];

    /// <summary>
    /// Imports every file; stops at the first rejected batch and returns it as the failure (earlier batches stay stored).
    /// Before anything is sent it looks up whether other submitters already stored the file's request_ids: intake is
    /// idempotent per submitter, so those lines would be stored again under the caller's name. Then it refuses, unless
    /// <see cref="ImportOptions.AllowOtherSubmitters"/> (it goes on, and the result names them). With <see cref="ImportOptions.SubmitterIndependent"/>, demand lines whose request_id any submitter already stored with
    /// the same values are skipped, and one stored with other values fails the import before anything is sent.
    /// </summary>
    public async Task<ImportResult> ImportAsync(
        ScenarioRows scenario, ImportOptions options, IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.BatchSize, Rules.MaxBatch);
        var ct = cancellationToken;

        var (demandItems, skipped, others, refused) = await PrepareDemandsAsync(scenario.Demands, ScenarioReader.DemandsFile, options, ct);
        if (refused is not null)
            return refused;

        var ranges = AvailabilityRanges.Merge(scenario.Availability);
        var files = new List<FileImportResult>();
        var batchSize = options.BatchSize;

        var failed =
            await SendAsync(files, ScenarioReader.ProductsFile, ImportKind.Registry, scenario.Products.Count,
                Items(scenario.Products, ProtoMapping.ToProto), batchSize, progress,
                async batch => Counts(await registry.UpsertProductsAsync(new UpsertProductsRequest { Products = { batch } }, cancellationToken: ct)), ct)
            ?? await SendAsync(files, ScenarioReader.FactoriesFile, ImportKind.Registry, scenario.Factories.Count,
                Items(scenario.Factories, ProtoMapping.ToProto), batchSize, progress,
                async batch => Counts(await registry.UpsertFactoriesAsync(new UpsertFactoriesRequest { Factories = { batch } }, cancellationToken: ct)), ct)
            ?? await SendAsync(files, ScenarioReader.CapabilitiesFile, ImportKind.Registry, scenario.Capabilities.Count,
                Items(scenario.Capabilities, ProtoMapping.ToProto), batchSize, progress,
                async batch => Counts(await registry.UpsertCapabilitiesAsync(new UpsertCapabilitiesRequest { Capabilities = { batch } }, cancellationToken: ct)), ct)
            ?? await SendAsync(files, ScenarioReader.AvailabilityFile, ImportKind.Registry, scenario.Availability.Count,
                ranges.Select(r => new Outgoing<AvailabilityRange>(ProtoMapping.ToProto(r), r.Lines)).ToList(), batchSize, progress,
                async batch => Counts(await registry.UpsertAvailabilityAsync(new UpsertAvailabilityRequest { Ranges = { batch } }, cancellationToken: ct)), ct,
                maxLines: Rules.MaxAvailabilityDaysPerCall)
            ?? await SendAsync(files, ScenarioReader.LanesFile, ImportKind.Registry, scenario.Lanes.Count,
                Items(scenario.Lanes, ProtoMapping.ToProto), batchSize, progress,
                async batch => Counts(await registry.UpsertLanesAsync(new UpsertLanesRequest { Lanes = { batch } }, cancellationToken: ct)), ct)
            ?? await SendOptionalAsync(files, ScenarioReader.StockFile, scenario.StockLots, ProtoMapping.ToProto, batchSize, progress,
                async batch => Counts(await registry.UpsertStockLotsAsync(new UpsertStockLotsRequest { Lots = { batch } }, cancellationToken: ct)), ct)
            ?? await SendOptionalAsync(files, ScenarioReader.OptionsFile, scenario.Options, ProtoMapping.ToProto, batchSize, progress,
                async batch => Counts(await registry.UpsertOptionsAsync(new UpsertOptionsRequest { Options = { batch } }, cancellationToken: ct)), ct)
            ?? await SendOptionalAsync(files, ScenarioReader.MaterialsFile, scenario.Materials, ProtoMapping.ToProto, batchSize, progress,
                async batch => Counts(await registry.UpsertMaterialsAsync(new UpsertMaterialsRequest { Materials = { batch } }, cancellationToken: ct)), ct)
            ?? await SendOptionalAsync(files, ScenarioReader.BomFile, scenario.Bom, ProtoMapping.ToProto, batchSize, progress,
                async batch => Counts(await registry.UpsertBomAsync(new UpsertBomRequest { Lines = { batch } }, cancellationToken: ct)), ct)
            ?? await SendOptionalAsync(files, ScenarioReader.MaterialSupplyFile, scenario.MaterialSupply, ProtoMapping.ToProto, batchSize, progress,
                async batch => Counts(await registry.UpsertMaterialSupplyAsync(new UpsertMaterialSupplyRequest { Supply = { batch } }, cancellationToken: ct)), ct)
            ?? await SendAsync(files, ScenarioReader.DemandsFile, ImportKind.Demands, scenario.Demands.Count,
                demandItems, batchSize, progress,
                async batch => Counts(await demands.SubmitDemandsAsync(new SubmitDemandsRequest { Lines = { batch } }, cancellationToken: ct)), ct,
                skipped);
        return new ImportResult(files, failed) { OtherSubmitters = others };
    }

    /// <summary>
    /// Imports one demands file alone (its rows as <see cref="ScenarioReader.ReadDemands"/> reads them): the same checks
    /// of other submitters' request_ids as a folder's import, then batches of SubmitDemands; the server checks skus and
    /// regions against the registry, and a refusal names <paramref name="file"/> and the line.
    /// </summary>
    public async Task<ImportResult> ImportDemandsAsync(
        IReadOnlyList<(int Line, EmergencyDispatch.Planning.Model.DemandLine Value)> rows, string file, ImportOptions options, IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.BatchSize, Rules.MaxBatch);
        var ct = cancellationToken;
        var (items, skipped, others, refused) = await PrepareDemandsAsync(rows, file, options, ct);
        if (refused is not null)
            return refused;
        var files = new List<FileImportResult>();
        var failed = await SendAsync(files, file, ImportKind.Demands, rows.Count, items, options.BatchSize, progress,
            async batch => Counts(await demands.SubmitDemandsAsync(new SubmitDemandsRequest { Lines = { batch } }, cancellationToken: ct)), ct, skipped);
        return new ImportResult(files, failed) { OtherSubmitters = others };
    }

    /// <summary>
    /// The demand lines to send, after the look-up of what other submitters stored under their request_ids: with
    /// <see cref="ImportOptions.SubmitterIndependent"/> those stored identically are skipped (and counted); else lines
    /// another submitter stored refuse the import unless <see cref="ImportOptions.AllowOtherSubmitters"/>. A refusal is
    /// the import's whole result.
    /// </summary>
    private async Task<(List<Outgoing<DemandLine>> Items, int Skipped, OtherSubmitterDemands? Others, ImportResult? Refused)> PrepareDemandsAsync(
        IReadOnlyList<(int Line, EmergencyDispatch.Planning.Model.DemandLine Value)> rows, string file, ImportOptions options, CancellationToken ct)
    {
        var demandItems = rows.Select(r => new Outgoing<DemandLine>(ProtoMapping.ToProto(r.Value), [r.Line])).ToList();
        var skipped = 0;
        OtherSubmitterDemands? others = null;
        if (options.SubmitterIndependent)
        {
            var (kept, failure) = await SkipStoredDemandsAsync(demandItems, file, ct);
            if (failure is not null)
                return (demandItems, 0, null, new ImportResult([], failure));
            skipped = demandItems.Count - kept.Count;
            demandItems = kept;
        }
        else
        {
            // Intake is idempotent per submitter only: the same file under another key would be stored a second time.
            List<Demand> stored;
            try
            {
                stored = await FindStoredAsync(demandItems.Select(i => i.Message.RequestId).ToList(), excludeCaller: true, ct);
            }
            catch (RpcException e) when (!(ct.IsCancellationRequested && e.StatusCode == StatusCode.Cancelled))
            {
                return (demandItems, 0, null, new ImportResult([], new ImportFailure(file, 0, 0, e,
                    "looking up whether other submitters stored these request_ids failed; nothing was sent.", [])));
            }
            others = OtherSubmitters(demandItems, stored);
            if (others is not null && !options.AllowOtherSubmitters)
            {
                return (demandItems, 0, others, new ImportResult([], new ImportFailure(file, 0, 0, null,
                    $"{others}. Importing them under this key would store that demand a second time; nothing was sent. "
                    + "Use --submitter-independent to skip the lines stored with the same values, or --allow-other-submitters to store them under this key anyway.",
                    [])) { OtherSubmitters = others });
            }
        }
        return (demandItems, skipped, others, null);
    }

    /// <summary>An optional file (stock, materials): sent like the others when it has rows, left out of the result when it has none.</summary>
    private Task<ImportFailure?> SendOptionalAsync<TRow, TMessage>(
        List<FileImportResult> files, string file, IReadOnlyList<(int Line, TRow Value)> rows, Func<TRow, TMessage> map, int batchSize,
        IProgress<ImportProgress>? progress, Func<IReadOnlyList<TMessage>, Task<BatchCounts>> send, CancellationToken ct) =>
        rows.Count == 0
            ? Task.FromResult<ImportFailure?>(null)
            : SendAsync(files, file, ImportKind.Registry, rows.Count, Items(rows, map), batchSize, progress, send, ct);

    /// <summary>One message to send and the CSV lines it came from (several for a merged availability range).</summary>
    private sealed record Outgoing<T>(T Message, IReadOnlyList<int> Lines);

    /// <summary>
    /// Items in order, in batches of at most <paramref name="size"/> items whose weights sum to at most
    /// <paramref name="maxWeight"/> (an item heavier than that goes alone).
    /// </summary>
    public static List<T[]> Batches<T>(IReadOnlyList<T> items, int size, Func<T, int> weight, int maxWeight)
    {
        var batches = new List<T[]>();
        var current = new List<T>();
        var sum = 0;
        foreach (var item in items)
        {
            var w = weight(item);
            if (current.Count > 0 && (current.Count == size || sum + w > maxWeight))
            {
                batches.Add([.. current]);
                current.Clear();
                sum = 0;
            }
            current.Add(item);
            sum += w;
        }
        if (current.Count > 0)
            batches.Add([.. current]);
        return batches;
    }

    private sealed record BatchCounts(int Created, int Updated, int Unchanged, int Replayed);

    private static List<Outgoing<TMessage>> Items<TRow, TMessage>(IReadOnlyList<(int Line, TRow Value)> rows, Func<TRow, TMessage> map) =>
        rows.Select(r => new Outgoing<TMessage>(map(r.Value), [r.Line])).ToList();

    private static BatchCounts Counts(UpsertResponse r) => new(r.Created, r.Updated, r.Unchanged, 0);

    private static BatchCounts Counts(SubmitDemandsResponse r) => new(r.Created, 0, 0, r.Replayed);

    private static async Task<ImportFailure?> SendAsync<T>(
        List<FileImportResult> files, string file, ImportKind kind, int rows, IReadOnlyList<Outgoing<T>> items, int batchSize,
        IProgress<ImportProgress>? progress, Func<IReadOnlyList<T>, Task<BatchCounts>> send, CancellationToken ct, int skipped = 0,
        int maxLines = int.MaxValue)
    {
        var result = new FileImportResult(file, kind, rows, items.Count) { Skipped = skipped };
        files.Add(result);
        var rowsDone = rows - items.Sum(i => i.Lines.Count);
        progress?.Report(new ImportProgress(file, rowsDone, rows));

        var batches = Batches(items, batchSize, i => i.Lines.Count, maxLines);
        for (var b = 0; b < batches.Count; b++)
        {
            var batch = batches[b];
            BatchCounts counts;
            try
            {
                counts = await send(batch.Select(i => i.Message).ToList());
            }
            catch (RpcException e) when (!(ct.IsCancellationRequested && e.StatusCode == StatusCode.Cancelled))
            {
                var lines = batch.Select(i => i.Lines).ToList();
                var violations = RpcErrors.FieldViolations(e)
                    .Select(v => ViolationLocator.Locate(file, v.Field, v.Description, lines))
                    .ToList();
                return new ImportFailure(file, b + 1, batches.Count, e, null, violations);
            }
            var batchRows = batch.Sum(i => i.Lines.Count);
            result.Sent += batchRows;
            result.Created += counts.Created;
            result.Updated += counts.Updated;
            result.Unchanged += counts.Unchanged;
            result.Replayed += counts.Replayed;
            rowsDone += batchRows;
            progress?.Report(new ImportProgress(file, rowsDone, rows));
        }
        return null;
    }

    /// <summary>Drops the lines any submitter already stored identically; a request_id stored with other values is a failure.</summary>
    private async Task<(List<Outgoing<DemandLine>> Kept, ImportFailure? Failure)> SkipStoredDemandsAsync(
        List<Outgoing<DemandLine>> items, string file, CancellationToken ct)
    {
        var stored = new Dictionary<string, List<Demand>>(StringComparer.Ordinal);
        try
        {
            foreach (var demand in await FindStoredAsync(items.Select(i => i.Message.RequestId).ToList(), excludeCaller: false, ct))
            {
                if (!stored.TryGetValue(demand.Line.RequestId, out var list))
                    stored[demand.Line.RequestId] = list = [];
                list.Add(demand);
            }
        }
        catch (RpcException e) when (!(ct.IsCancellationRequested && e.StatusCode == StatusCode.Cancelled))
        {
            return ([], new ImportFailure(file, 0, 0, e, "looking up stored demands (--submitter-independent) failed; nothing was sent.", []));
        }

        var kept = new List<Outgoing<DemandLine>>();
        var conflicts = new List<LocatedViolation>();
        foreach (var item in items)
        {
            if (!stored.TryGetValue(item.Message.RequestId, out var same))
                kept.Add(item);
            else if (!same.Any(d => item.Message.Equals(d.Line)))
                conflicts.Add(new LocatedViolation(file, item.Lines, "request_id",
                    $"'{item.Message.RequestId}' is already stored with other values by {string.Join(", ", same.Select(d => $"'{d.Submitter}' (demand {d.DemandId})"))}"));
        }
        if (conflicts.Count > 0)
            return (kept, new ImportFailure(file, 0, 0, null,
                $"{conflicts.Count} demand line(s) reuse a request_id stored with other values; nothing was sent.", conflicts));
        return (kept, null);
    }

    /// <summary>The demand stored under these request_ids, by any submitter or (<paramref name="excludeCaller"/>) by others than the caller, a thousand ids per lookup.</summary>
    private async Task<List<Demand>> FindStoredAsync(IReadOnlyList<string> requestIds, bool excludeCaller, CancellationToken ct)
    {
        var found = new List<Demand>();
        foreach (var chunk in requestIds.Chunk(Rules.MaxRequestIdFilter))
        {
            var token = "";
            do
            {
                var page = await demands.ListDemandsAsync(
                    new ListDemandsRequest
                    {
                        Page = new PageRequest { PageSize = LookupPageSize, PageToken = token },
                        RequestIds = { chunk },
                        ExcludeCaller = excludeCaller,
                    },
                    cancellationToken: ct);
                found.AddRange(page.Demands);
                if (page.NextPageToken == token && token.Length > 0)
                    break;
                token = page.NextPageToken;
            }
            while (token.Length > 0);
        }
        return found;
    }

    /// <summary>Which lines' request_ids other submitters stored, with a few examples in file order and the submitters by count; null when none.</summary>
    private static OtherSubmitterDemands? OtherSubmitters(List<Outgoing<DemandLine>> items, List<Demand> stored)
    {
        if (stored.Count == 0)
            return null;
        var taken = stored.Select(d => d.Line.RequestId).ToHashSet(StringComparer.Ordinal);
        var lines = items.Where(i => taken.Contains(i.Message.RequestId)).ToList();
        var submitters = stored
            .GroupBy(d => d.Submitter, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Select(d => d.Line.RequestId).Distinct(StringComparer.Ordinal).Count()))
            .OrderByDescending(s => s.Item2).ThenBy(s => s.Key, StringComparer.Ordinal)
            .ToList();
        return new OtherSubmitterDemands(
            lines.Count,
            lines.Take(OtherSubmitterDemands.MaxExamples).Select(i => i.Message.RequestId).ToList(),
            submitters);
    }
}
