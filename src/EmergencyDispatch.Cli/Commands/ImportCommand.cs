using System.CommandLine;
using EmergencyDispatch.Cli.Import;
using EmergencyDispatch.Cli.Infrastructure;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Scenarios;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EmergencyDispatch.Cli.Commands;

/// <summary><c>dispatchctl import</c>: checks a scenario folder and sends it to the server with a progress bar per file.</summary>
public static class ImportCommand
{
    public static Command Create(CliHost host)
    {
        var directory = new Argument<string>("scenario-dir")
        {
            Description = "A scenario folder: products.csv, factories.csv, capabilities.csv, [availability.csv], lanes.csv, demands.csv.",
        };
        var options = new ImportOptionSet();
        var command = new Command("import", "Check a scenario folder and, when it is clean, send it to the server (safe to re-run: every write is idempotent).")
        {
            directory,
        };
        options.AddTo(command);
        host.SetAction(command, (context, ct) => RunAsync(context, context.Get(directory)!, options.Get(context), ct));
        return command;
    }

    /// <summary>
    /// <c>demands import FILE.csv</c>: a demands file alone, checked line by line first (nothing is sent if any line is
    /// bad), then sent in batches; the registry's checks (skus, regions) come back as <c>file:line: field: problem</c>.
    /// </summary>
    public static Command CreateDemandsImport(CliHost host)
    {
        var file = new Argument<string>("file") { Description = "A CSV file with demands.csv's columns: request_id,sku,quantity,region,due_date,priority." };
        var options = new ImportOptionSet();
        var command = new Command("import", "Check a demands file and, when it is clean, submit its lines (safe to re-run: intake is idempotent per request_id).") { file };
        options.AddTo(command);
        host.SetAction(command, async (context, ct) =>
        {
            var console = context.Console;
            var path = context.Get(file)!;
            var (rows, errors) = ScenarioReader.ReadDemands(path);
            if (rows is null)
                return Refused(console, errors, path);
            var name = Path.GetFileName(path);
            var importer = new ScenarioImporter(context.Invoker);
            var settings = options.Get(context);
            var result = await WithProgressAsync(console.Out, new Dictionary<string, int> { [name] = rows.Count },
                progress => importer.ImportDemandsAsync(rows, name, settings, progress, ct));
            return Finish(context, settings, result);
        });
        return command;
    }

    /// <summary>The options both imports take: batch size, and what to do with request_ids other submitters stored.</summary>
    private sealed class ImportOptionSet
    {
        private readonly Option<int> _batchSize = new("--batch-size")
        {
            Description = $"Items per request, 1 to {Rules.MaxBatch}.",
            HelpName = "N",
            DefaultValueFactory = _ => ImportOptions.DefaultBatchSize,
        };

        private readonly Option<bool> _submitterIndependent = new("--submitter-independent")
        {
            Description = "Skip demand lines whose request_id any submitter already stored with the same values, so importing the same "
                + "scenario under another identity does not store its demand twice; a request_id stored with other values stops the import before anything is sent.",
        };

        private readonly Option<bool> _allowOtherSubmitters = new("--allow-other-submitters")
        {
            Description = "Store demand lines under this key's name even when another submitter already stored their request_ids. "
                + "Without it (or --submitter-independent) the import refuses such a file before anything is sent, as that demand would be stored twice.",
        };

        public ImportOptionSet() =>
            _batchSize.Validators.Add(result =>
            {
                var size = result.GetValueOrDefault<int>();
                if (Rules.CheckBatchSize(size) is not null)
                    result.AddError($"--batch-size must be from 1 to {Rules.MaxBatch}, got {size}.");
            });

        public void AddTo(Command command)
        {
            command.Options.Add(_batchSize);
            command.Options.Add(_submitterIndependent);
            command.Options.Add(_allowOtherSubmitters);
        }

        public ImportOptions Get(CommandContext context) => new()
        {
            BatchSize = context.Get(_batchSize),
            SubmitterIndependent = context.Get(_submitterIndependent),
            AllowOtherSubmitters = context.Get(_allowOtherSubmitters),
        };
    }

    private static async Task<int> RunAsync(CommandContext context, string directory, ImportOptions options, CancellationToken ct)
    {
        var console = context.Console;
        var (rows, errors) = ScenarioReader.ReadRows(directory);
        if (rows is null)
            return Refused(console, errors, directory);

        var importer = new ScenarioImporter(context.Invoker);
        var result = await WithProgressAsync(console.Out, RowCounts(rows), progress => importer.ImportAsync(rows, options, progress, ct));
        return Finish(context, options, result);
    }

    /// <summary>Prints every problem the files have (<c>file:line: field: problem</c>); nothing was sent.</summary>
    private static int Refused(CliConsole console, IReadOnlyList<ScenarioError> errors, string path)
    {
        foreach (var error in errors)
            console.Error.WriteLine(error.ToString());
        console.Error.WriteLine($"{errors.Count} error(s) in {path}; nothing was sent.");
        return ExitCodes.InvalidInput;
    }

    /// <summary>Prints what an import did (and, when it stopped, why and where); its exit code.</summary>
    private static int Finish(CommandContext context, ImportOptions options, ImportResult result)
    {
        var console = context.Console;
        if (options.AllowOtherSubmitters && result.OtherSubmitters is { } others)
            console.Error.WriteLine($"warning: {others}; --allow-other-submitters: they are stored again under this key's name.");
        var anythingStored = result.Files.Any(f => f.Sent > 0);
        if (result.Failure is null || anythingStored)
            WriteSummary(console.Out, result);
        if (result.Failure is { } failure)
        {
            WriteFailure(console.Error, failure, anythingStored, context.ServerUrl);
            return ExitCodes.Failed;
        }
        return ExitCodes.Ok;
    }

    private static Dictionary<string, int> RowCounts(ScenarioRows rows) => new()
    {
        [ScenarioReader.ProductsFile] = rows.Products.Count,
        [ScenarioReader.FactoriesFile] = rows.Factories.Count,
        [ScenarioReader.CapabilitiesFile] = rows.Capabilities.Count,
        [ScenarioReader.AvailabilityFile] = rows.Availability.Count,
        [ScenarioReader.LanesFile] = rows.Lanes.Count,
        [ScenarioReader.DemandsFile] = rows.Demands.Count,
    };

    /// <summary>Runs the import under a progress bar per file; without a terminal (a pipe, a file, CI) it prints one line per finished file instead.</summary>
    private static async Task<ImportResult> WithProgressAsync(
        IAnsiConsole console, IReadOnlyDictionary<string, int> rowCounts, Func<IProgress<ImportProgress>, Task<ImportResult>> import)
    {
        if (!console.Profile.Capabilities.Interactive)
            return await import(new ProgressLines(console.Profile.Out.Writer));

        ImportResult? result = null;
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RowsColumn(), new ElapsedTimeColumn())
            .StartAsync(async progressContext =>
            {
                var tasks = ScenarioImporter.FileOrder.ToDictionary(
                    file => file,
                    file => progressContext.AddTask(file, autoStart: false, maxValue: Math.Max(1, rowCounts[file])));
                result = await import(new ProgressBars(tasks));
            });
        return result!;
    }

    /// <summary>Moves the bar of a file; reports arrive on the importer's thread, and Spectre tasks are thread-safe.</summary>
    private sealed class ProgressBars(IReadOnlyDictionary<string, ProgressTask> tasks) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value)
        {
            var task = tasks[value.File];
            if (!task.IsStarted)
                task.StartTask();
            task.Value = value.Rows == 0 ? task.MaxValue : value.RowsDone;
            if (task.Value >= task.MaxValue)
                task.StopTask();
        }
    }

    /// <summary>Progress as plain lines: one per file once all its rows are sent.</summary>
    private sealed class ProgressLines(TextWriter writer) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value)
        {
            if (value.RowsDone == value.Rows)
                writer.WriteLine($"{value.File}: {value.Rows} rows sent");
        }
    }

    /// <summary>Shows <c>done/total</c> rows.</summary>
    private sealed class RowsColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text($"{task.Value:0}/{task.MaxValue:0} rows");
    }

    private static void WriteSummary(IAnsiConsole console, ImportResult result)
    {
        var registry = result.Files.Where(f => f.Kind == ImportKind.Registry).ToList();
        if (registry.Count > 0)
        {
            console.Write(Output.Table(
                ["file", "rows", "sent", "created", "updated", "unchanged"],
                registry.Select(f => Cells(f.File, f.Rows, f.Sent, f.Created, f.Updated, f.Unchanged))));
        }
        var demands = result.Files.Where(f => f.Kind == ImportKind.Demands).ToList();
        if (demands.Count > 0)
        {
            var skipped = demands.Any(f => f.Skipped > 0);
            console.Write(Output.Table(
                skipped ? ["file", "rows", "sent", "created", "replayed", "skipped"] : ["file", "rows", "sent", "created", "replayed"],
                demands.Select(f => skipped
                    ? Cells(f.File, f.Rows, f.Sent, f.Created, f.Replayed, f.Skipped)
                    : Cells(f.File, f.Rows, f.Sent, f.Created, f.Replayed))));
        }
    }

    private static string[] Cells(string file, params int[] numbers) => [file, .. numbers.Select(n => ProtoText.Number(n))];

    private static void WriteFailure(TextWriter error, ImportFailure failure, bool anythingStored, string serverUrl)
    {
        var lines = failure.Error is { } rpc ? RpcErrors.Format(rpc, serverUrl) : [];
        error.WriteLine(lines.Count > 0 ? lines[0] : $"error: {failure.Message}");
        if (lines.Count > 0 && failure.Message is not null)
            error.WriteLine(failure.Message);
        // The violations placed at their CSV lines stand in for the raw ones.
        if (failure.Violations.Count > 0)
        {
            foreach (var violation in failure.Violations)
                error.WriteLine($"  {violation}");
        }
        else
        {
            foreach (var line in lines.Skip(1))
                error.WriteLine(line);
        }
        if (failure.Batch > 0)
        {
            error.WriteLine($"The import stopped at {failure.File}, batch {failure.Batch} of {failure.Batches}: that batch was not stored (each batch is all or nothing); "
                + (anythingStored ? "the batches and files before it were." : "nothing was stored."));
        }
        error.WriteLine("Re-running the import is safe: every write is idempotent.");
    }
}
