using System.CommandLine;

namespace EmergencyDispatch.Cli.Infrastructure;

/// <summary>The global <c>--json</c> option: list and get commands print protobuf JSON instead of tables.</summary>
public sealed class OutputOptions
{
    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print the server's replies as JSON (protobuf JSON mapping) instead of tables.",
        Recursive = true,
    };

    public bool IsJson(ParseResult parseResult) => parseResult.GetValue(Json);
}
