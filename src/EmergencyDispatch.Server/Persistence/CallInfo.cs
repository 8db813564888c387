namespace EmergencyDispatch.Server.Persistence;

/// <summary>
/// Who writes, through which RPC (<c>Service/Method</c>, or <c>Startup/…</c> for the service's own writes): the event
/// log's actor. Every write is given one explicitly by the code that asks for it; the writer records it with the write.
/// </summary>
public sealed record CallInfo(string Rpc, string Actor);
