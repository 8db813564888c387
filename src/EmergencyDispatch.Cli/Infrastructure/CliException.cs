namespace EmergencyDispatch.Cli.Infrastructure;

/// <summary>A failure the user can act on; printed as <c>error: message</c> without a stack trace.</summary>
public sealed class CliException(string message) : Exception(message);
