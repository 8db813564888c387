using Spectre.Console;

namespace EmergencyDispatch.Cli.Infrastructure;

/// <summary>Where the CLI writes: tables and progress to <see cref="Out"/>, raw text such as JSON to <see cref="Text"/>, errors to <see cref="Error"/>.</summary>
public sealed class CliConsole(IAnsiConsole output, TextWriter error)
{
    // Wide enough for a demand table in a file or a pipe, where Spectre would otherwise assume 80 columns.
    private const int RedirectedWidth = 240;

    /// <summary>Rich output: tables and progress bars.</summary>
    public IAnsiConsole Out { get; } = output;

    /// <summary>Plain output that must not be wrapped or styled, such as JSON.</summary>
    public TextWriter Text => Out.Profile.Out.Writer;

    /// <summary>Errors and hints that are not the command's result.</summary>
    public TextWriter Error { get; } = error;

    /// <summary>Writes one plain line (a hint or a note) to the output, unwrapped.</summary>
    public void WriteLine(string line) => Text.WriteLine(line);

    /// <summary>The process's stdout and stderr; tables are not squeezed to 80 columns when stdout is redirected.</summary>
    public static CliConsole FromSystemConsole()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
            console.Profile.Width = RedirectedWidth;
        return new CliConsole(console, Console.Error);
    }

    /// <summary>Plain, non-interactive output into writers (for tests and scripts).</summary>
    public static CliConsole FromWriters(TextWriter output, TextWriter error, int width = RedirectedWidth)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = width;
        return new CliConsole(console, error);
    }
}
