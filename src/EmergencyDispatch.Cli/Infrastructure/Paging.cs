using System.CommandLine;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Scenarios;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace EmergencyDispatch.Cli.Infrastructure;

/// <summary>The paging options of a list command: --page-size, --page-token, --all.</summary>
public sealed class PagingOptions
{
    public PagingOptions()
    {
        PageSize.Validators.Add(result =>
        {
            var size = result.GetValueOrDefault<int>();
            if (Rules.CheckPageSize(size) is { } problem)
                result.AddError($"--page-size {problem}.");
        });
    }

    public Option<int> PageSize { get; } = new("--page-size")
    {
        Description = $"Items per page (server default {Rules.DefaultPageSize}, at most {Rules.MaxPageSize}).",
        HelpName = "N",
    };

    public Option<string> PageToken { get; } = new("--page-token")
    {
        Description = "Continue from the next_page_token a previous page printed.",
        HelpName = "TOKEN",
    };

    public Option<bool> All { get; } = new("--all")
    {
        Description = "Fetch every page, not only the first.",
    };

    public Option<FileInfo> Csv { get; } = new("--csv")
    {
        Description = "Write every page (as --all) to FILE as CSV, with the table's columns, for a spreadsheet.",
        HelpName = "FILE",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(PageSize);
        command.Options.Add(PageToken);
        command.Options.Add(All);
        command.Options.Add(Csv);
    }
}

/// <summary>Every page of a list, for commands that need all of it.</summary>
public static class Pages
{
    /// <summary>
    /// Calls <paramref name="fetch"/> with each next_page_token (the first with "") until one comes back empty; the
    /// items of every page in order. A token the server returns twice stops it with an error.
    /// </summary>
    public static async Task<List<TItem>> AllAsync<TItem>(Func<string, Task<(IEnumerable<TItem> Items, string NextPageToken)>> fetch)
    {
        var items = new List<TItem>();
        var token = "";
        do
        {
            var (page, next) = await fetch(token);
            items.AddRange(page);
            if (next.Length > 0 && next == token)
                throw new CliException($"the server returned the same next_page_token twice ({token}); stopping.");
            token = next;
        }
        while (token.Length > 0);
        return items;
    }

    /// <summary>A page of the largest size the server takes, continuing from <paramref name="token"/>.</summary>
    public static PageRequest Largest(string token) => new() { PageSize = Rules.MaxPageSize, PageToken = token };
}

/// <summary>How to fetch and show one kind of list: the call, where its items and next_page_token are, and the table columns.</summary>
public sealed class PagedList<TResponse, TItem>
    where TResponse : IMessage<TResponse>
{
    public required Func<PageRequest, CancellationToken, Task<TResponse>> Fetch { get; init; }
    public required Func<TResponse, RepeatedField<TItem>> Items { get; init; }
    public required Func<TResponse, string> NextPageToken { get; init; }
    public required Action<TResponse> ClearNextPageToken { get; init; }
    public required IReadOnlyList<string> Columns { get; init; }
    public required Func<TItem, IReadOnlyList<string>> Row { get; init; }

    /// <summary>The columns every table shows; those after them only when the table still fits the console (default: all).</summary>
    public int? RequiredColumns { get; init; }

    /// <summary>What the text output prints after the table, from the first page's response (optional).</summary>
    public Action<CommandContext, TResponse>? Footer { get; init; }

    /// <summary>Fetches the first page (or every page with --all) and prints a table or the response as JSON.</summary>
    public async Task<int> RunAsync(CommandContext context, PagingOptions paging, CancellationToken cancellationToken)
    {
        var page = new PageRequest
        {
            PageSize = context.Get(paging.PageSize),
            PageToken = context.Get(paging.PageToken) ?? "",
        };
        var response = await Fetch(page, cancellationToken);
        var csv = context.Get(paging.Csv);
        if (context.Get(paging.All) || csv is not null)
        {
            var token = NextPageToken(response);
            while (token.Length > 0)
            {
                var next = await Fetch(new PageRequest { PageSize = page.PageSize, PageToken = token }, cancellationToken);
                Items(response).AddRange(Items(next));
                var nextToken = NextPageToken(next);
                if (nextToken == token)
                    throw new CliException($"the server returned the same next_page_token twice ({token}); stopping.");
                token = nextToken;
            }
            ClearNextPageToken(response);
        }

        var items = Items(response);
        if (csv is not null)
        {
            WriteCsv(csv, items);
            context.Console.WriteLine($"{items.Count} rows written to {csv.FullName}.");
            return ExitCodes.Ok;
        }
        if (context.Json)
        {
            Output.WriteJson(context.Console, response);
            return ExitCodes.Ok;
        }
        if (items.Count == 0)
            context.Console.WriteLine("(none)");
        else
            context.Console.Out.Write(Output.Table(context.Console.Out, Columns, [.. items.Select(Row)], RequiredColumns ?? Columns.Count));
        var more = NextPageToken(response);
        if (more.Length > 0)
            context.Console.WriteLine($"{items.Count} shown; more with --page-token {more} (or --all).");
        Footer?.Invoke(context, response);
        return ExitCodes.Ok;
    }

    /// <summary>The items as CSV (RFC 4180, UTF-8, <c>\n</c>): a header of the table's columns, then a row each.</summary>
    private void WriteCsv(FileInfo file, IEnumerable<TItem> items)
    {
        try
        {
            using var writer = new StreamWriter(file.FullName, append: false, new System.Text.UTF8Encoding(false)) { NewLine = "\n" };
            ScenarioWriter.WriteRow(writer, [.. Columns]);
            foreach (var item in items)
                ScenarioWriter.WriteRow(writer, [.. Row(item)]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot write {file.FullName}: {e.Message}");
        }
    }
}
