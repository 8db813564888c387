using EmergencyDispatch.Planning.Model;
using Grpc.Core;

namespace EmergencyDispatch.Cli.Import;

/// <summary>How an import is batched.</summary>
public sealed record ImportOptions
{
    public const int DefaultBatchSize = 1000;
    /// <summary>Items per request, 1 to <see cref="Rules.MaxBatch"/>.</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>Skip demand lines whose request_id any submitter already stored with the same values (see <see cref="ScenarioImporter"/>).</summary>
    public bool SubmitterIndependent { get; init; }

    /// <summary>Store demand lines under the caller's name even when another submitter already stored their request_ids (otherwise the import refuses).</summary>
    public bool AllowOtherSubmitters { get; init; }
}

/// <summary>Demand lines of a file whose request_ids other submitters already stored: how many, a few of them, and whose.</summary>
public sealed record OtherSubmitterDemands(int Lines, IReadOnlyList<string> Examples, IReadOnlyList<(string Submitter, int RequestIds)> Submitters)
{
    /// <summary>Request ids named as examples.</summary>
    public const int MaxExamples = 5;

    public override string ToString() =>
        $"{Lines} demand line(s) use request_ids that another submitter already stored "
        + $"({string.Join(", ", Submitters.Select(s => $"'{s.Submitter}': {s.RequestIds}"))}), "
        + $"e.g. {string.Join(", ", Examples)}{(Lines > Examples.Count ? ", …" : "")}";
}

/// <summary>What a file's rows are written with: a registry upsert or SubmitDemands.</summary>
public enum ImportKind
{
    Registry,
    Demands,
}

/// <summary>Rows of one file sent so far.</summary>
public sealed record ImportProgress(string File, int RowsDone, int Rows);

/// <summary>What the server did with one file's rows.</summary>
public sealed class FileImportResult(string file, ImportKind kind, int rows, int items)
{
    public string File { get; } = file;
    public ImportKind Kind { get; } = kind;
    /// <summary>CSV rows in the file.</summary>
    public int Rows { get; } = rows;
    /// <summary>Items to send: rows, except availability days merged into ranges and demand lines skipped.</summary>
    public int Items { get; } = items;
    /// <summary>CSV rows the server accepted (an availability range counts the days it merged).</summary>
    public int Sent { get; internal set; }
    public int Created { get; internal set; }
    public int Updated { get; internal set; }
    public int Unchanged { get; internal set; }
    /// <summary>Demand lines identical to ones the caller stored before.</summary>
    public int Replayed { get; internal set; }
    /// <summary>Demand lines not sent because another submitter stored them (--submitter-independent).</summary>
    public int Skipped { get; internal set; }
}

/// <summary>Why an import stopped: the rejected batch, the error, and the violations placed at CSV lines.</summary>
public sealed record ImportFailure(
    string File,
    int Batch,
    int Batches,
    RpcException? Error,
    string? Message,
    IReadOnlyList<LocatedViolation> Violations);

/// <summary>The outcome of an import: one result per file in the order sent, and the failure that stopped it, if any.</summary>
public sealed record ImportResult(IReadOnlyList<FileImportResult> Files, ImportFailure? Failure)
{
    public bool Succeeded => Failure is null;

    /// <summary>Demand lines whose request_ids other submitters stored, found before anything was sent; null when there are none (or with --submitter-independent).</summary>
    public OtherSubmitterDemands? OtherSubmitters { get; init; }
}
