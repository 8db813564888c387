using System.Globalization;

namespace EmergencyDispatch.Planning.Model;

/// <summary>The one date format of the project (files, the API, the database): ISO 8601 <c>yyyy-MM-dd</c>, invariant culture.</summary>
public static class IsoDate
{
    public const string Format = "yyyy-MM-dd";

    /// <summary>A date as <c>yyyy-MM-dd</c>.</summary>
    public static string Text(DateOnly date) => date.ToString(Format, CultureInfo.InvariantCulture);

    /// <summary>Reads <c>yyyy-MM-dd</c> exactly; false for anything else.</summary>
    public static bool TryParse(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text, Format, CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    /// <summary>Reads a date this project wrote; anything else throws <see cref="FormatException"/>.</summary>
    public static DateOnly Parse(string text) =>
        TryParse(text, out var date) ? date : throw new FormatException($"'{text}' is not a date {Format}");
}
