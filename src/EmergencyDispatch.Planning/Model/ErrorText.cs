using System.Globalization;

namespace EmergencyDispatch.Planning.Model;

/// <summary>
/// How error messages quote what a caller sent: at most <see cref="MaxQuoted"/> characters, then "…(N chars)", so
/// that a message stays readable by every client (gRPC C-core refuses a status whose metadata passes 8 KB) whatever
/// the input was.
/// </summary>
public static class ErrorText
{
    /// <summary>Most characters of one input value an error message quotes.</summary>
    public const int MaxQuoted = 64;

    /// <summary>Most characters of one field violation's description (the service's own words plus its quotes).</summary>
    public const int MaxDescription = 300;

    /// <summary>
    /// The service's own words, composed elsewhere from no caller input (a rule's refusal), for a message that
    /// <see cref="Format"/> would otherwise quote like input.
    /// </summary>
    public static OwnText Own(string text) => new(text);

    /// <summary>The value as an error message quotes it.</summary>
    public static string Quote(string value) => Cut(value, MaxQuoted);

    /// <summary>
    /// The message with every string it interpolates quoted by <see cref="Quote"/>, numbers and dates in invariant
    /// culture: callers write <c>$"factory {id} does not exist"</c> and an id of any length stays short.
    /// </summary>
    public static string Format(FormattableString message) =>
        string.Format(CultureInfo.InvariantCulture, message.Format, [.. message.GetArguments().Select(a => a is string s ? Quote(s) : a)]);

    /// <summary>Text of the service's own that <see cref="Format"/> leaves whole.</summary>
    public readonly record struct OwnText(string Text)
    {
        public override string ToString() => Text;
    }

    /// <summary>The text cut to <paramref name="max"/> characters (a surrogate pair kept whole), then "…(N chars)".</summary>
    public static string Cut(string text, int max)
    {
        if (text.Length <= max)
            return text;
        var keep = char.IsHighSurrogate(text[max - 1]) ? max - 1 : max;
        return string.Concat(text.AsSpan(0, keep), $"…({text.Length.ToString(CultureInfo.InvariantCulture)} chars)");
    }
}
