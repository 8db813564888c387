using System.Net;
using Microsoft.AspNetCore.Connections;

namespace EmergencyDispatch.Server.Security;

/// <summary>
/// Kestrel connection middleware: at most <see cref="SecurityOptions.ConnectionsPerAddress"/> TCP connections open per
/// peer address (an IPv6 peer's /64). A connection past it is closed before a byte is read, so one client holding
/// its share cannot take the connections that others (a health probe, a factory) need.
/// </summary>
public sealed class ConnectionCap(int perAddress, ILogger<ConnectionCap> logger)
{
    private readonly Dictionary<string, int> _open = new(StringComparer.Ordinal);

    public ConnectionDelegate Wrap(ConnectionDelegate next) => async connection =>
    {
        var address = CallLimits.AddressPartition((connection.RemoteEndPoint as IPEndPoint)?.Address);
        if (!TryEnter(address))
        {
            logger.LogDebug("Connection {ConnectionId} from {Address} closed: {Count} are open from there, the most allowed",
                connection.ConnectionId, address, perAddress);
            await connection.Transport.Output.CompleteAsync();
            return;
        }
        try
        {
            await next(connection);
        }
        finally
        {
            Leave(address);
        }
    };

    /// <summary>Connections open from an address now.</summary>
    public int OpenFrom(string address)
    {
        lock (_open)
            return _open.GetValueOrDefault(address);
    }

    private bool TryEnter(string address)
    {
        lock (_open)
        {
            var open = _open.GetValueOrDefault(address);
            if (open >= perAddress)
                return false;
            _open[address] = open + 1;
            return true;
        }
    }

    private void Leave(string address)
    {
        lock (_open)
        {
            if (_open[address] == 1)
                _open.Remove(address);
            else
                _open[address]--;
        }
    }
}
