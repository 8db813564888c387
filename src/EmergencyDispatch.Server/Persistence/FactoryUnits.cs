using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace EmergencyDispatch.Server.Persistence;

/// <summary>
/// The entries of <c>plan_factory_units</c> (migration 0009): what a plan gave from one factory, one big-endian record
/// per assignment, ordered by production date then demand. Derived from the plan's assignments and outcomes when the
/// plan is stored, for ExplainDemand; not part of the plan's ledger entry.
/// </summary>
/// <remarks>
/// A record is the production date as yyyymmdd (4 bytes), the demand's priority in the plan (4), demand_id (8),
/// quantity (8), then the demand's request key: its UTF-8 length (2) and bytes. The key rides along so that naming the
/// largest competitors reads nothing more (looking each up in plan_outcome cost a page read per name).
/// </remarks>
public static class FactoryUnits
{
    private const int HeaderSize = 26;

    /// <summary>One assignment as stored: production date as yyyymmdd, the demand's priority, its id, units and request key.</summary>
    public readonly record struct Assignment(int ProductionDate, int Priority, long DemandId, long Quantity, string RequestKey);

    /// <summary>One assignment as read: the request key is left where it is, at <c>KeyStart</c> for <c>KeyLength</c> bytes.</summary>
    public readonly record struct Entry(int ProductionDate, int Priority, long DemandId, long Quantity, int KeyStart, int KeyLength);

    /// <summary>A 'yyyy-MM-dd' date as yyyymmdd: the same order as the text.</summary>
    public static int DateKey(string date) =>
        int.Parse(string.Concat(date.AsSpan(0, 4), date.AsSpan(5, 2), date.AsSpan(8, 2)), NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>The entries of one plan and factory, in stored order.</summary>
    public static byte[] Encode(IEnumerable<Assignment> assignments)
    {
        var ordered = assignments.OrderBy(a => a.ProductionDate).ThenBy(a => a.DemandId).ToList();
        var bytes = new byte[ordered.Sum(a => HeaderSize + Encoding.UTF8.GetByteCount(a.RequestKey))];
        var at = 0;
        foreach (var (date, priority, demandId, quantity, key) in ordered)
        {
            var record = bytes.AsSpan(at);
            BinaryPrimitives.WriteInt32BigEndian(record, date);
            BinaryPrimitives.WriteInt32BigEndian(record[4..], priority);
            BinaryPrimitives.WriteInt64BigEndian(record[8..], demandId);
            BinaryPrimitives.WriteInt64BigEndian(record[16..], quantity);
            var length = Encoding.UTF8.GetBytes(key, record[HeaderSize..]);
            BinaryPrimitives.WriteUInt16BigEndian(record[24..], checked((ushort)length));
            at += HeaderSize + length;
        }
        return bytes;
    }

    /// <summary>Reads the entry at <paramref name="offset"/>; returns where the next one starts.</summary>
    public static int Read(ReadOnlySpan<byte> entries, int offset, out Entry entry)
    {
        var record = entries[offset..];
        var keyLength = BinaryPrimitives.ReadUInt16BigEndian(record[24..]);
        entry = new Entry(
            BinaryPrimitives.ReadInt32BigEndian(record),
            BinaryPrimitives.ReadInt32BigEndian(record[4..]),
            BinaryPrimitives.ReadInt64BigEndian(record[8..]),
            BinaryPrimitives.ReadInt64BigEndian(record[16..]),
            offset + HeaderSize,
            keyLength);
        return offset + HeaderSize + keyLength;
    }

    /// <summary>The request key of an entry read from <paramref name="entries"/>.</summary>
    public static string Key(ReadOnlySpan<byte> entries, Entry entry) => Encoding.UTF8.GetString(entries.Slice(entry.KeyStart, entry.KeyLength));
}
