namespace EmergencyDispatch.Cli.Infrastructure;

/// <summary>The process exit codes of dispatchctl.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The server refused or failed a call, or could not be reached.</summary>
    public const int Failed = 1;
    /// <summary>The input (a scenario folder) is invalid; nothing was sent.</summary>
    public const int InvalidInput = 2;
    /// <summary>Interrupted by Ctrl+C.</summary>
    public const int Cancelled = 130;
}
