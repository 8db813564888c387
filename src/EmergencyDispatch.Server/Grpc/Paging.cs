using System.Text;
using EmergencyDispatch.Api.V1;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Server.Persistence;

namespace EmergencyDispatch.Server.Grpc;

/// <summary>Page sizes and opaque page tokens (the keys of the last item of the previous page).</summary>
public static class Paging
{
    /// <summary>
    /// Longest token this service makes: a page's last keys are at most three values of at most 256 characters
    /// (a submitter), 4 bytes each in UTF-8, in base64.
    /// </summary>
    public const int MaxTokenChars = 4096;

    /// <summary>Reads the page request: its size, and the keys to continue after (null for the first page).</summary>
    public static (int Size, string[]? After) Read(PageRequest? page, int keyCount)
    {
        var size = page?.PageSize ?? 0;
        if (Rules.CheckPageSize(size) is { } problem)
            GrpcErrors.ThrowInvalid("page.page_size", problem);
        var token = page?.PageToken ?? "";
        if (token.Length == 0)
            return (size == 0 ? Rules.DefaultPageSize : size, null);
        // Its size first: no token this service makes is longer, and a huge one is not decoded to be refused.
        if (token.Length > MaxTokenChars)
            GrpcErrors.ThrowInvalid("page.page_token", "is not a token this list returned");
        string[] keys;
        try
        {
            var padded = token.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            keys = Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split('\u001f');
        }
        catch (FormatException)
        {
            keys = [];
        }
        if (keys.Length != keyCount)
            GrpcErrors.ThrowInvalid("page.page_token", "is not a token this list returned");
        return (size == 0 ? Rules.DefaultPageSize : size, keys);
    }

    /// <summary>Reads a page request whose token holds one number (a plan id, a row's sequence): its size, and that number (null for the first page).</summary>
    public static (int Size, long? After) ReadNumber(PageRequest? page)
    {
        var (size, after) = Read(page, 1);
        return (size, after is null ? null : Number(after[0]));
    }

    /// <summary>A key of a page token that holds a number (an id); a token this service did not make is INVALID_ARGUMENT.</summary>
    public static long Number(string key)
    {
        if (!long.TryParse(key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
            GrpcErrors.ThrowInvalid("page.page_token", "is not a token this list returned");
        return number;
    }

    /// <summary>The token for the page after one that ended with these keys; empty when there is no more.</summary>
    public static string Token<T>(Page<T> page) =>
        page.NextKeys is null
            ? ""
            : Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Join('\u001f', page.NextKeys))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
