using AirQuality.Domain.Aqi;
using AirQuality.Domain.Data;

namespace AirQuality.Domain.Health;

/// <summary>The health statement of an AQI category in one language, and where it comes from.</summary>
/// <param name="Language">The language of <paramref name="Text"/> (`en`, `hi`); English when the asked one has no text.</param>
public sealed record HealthAdvice(
    string Standard,
    string Category,
    string Language,
    string Text,
    string Source);

/// <summary>
/// The official health statements per category: CPCB's for the India NAQI and EPA's for the US AQI, read from
/// Data/health_advice.csv (each row names its source). More languages are more rows, not code.
/// </summary>
public static class HealthAdviceBook
{
    /// <summary>The language every category has a statement in.</summary>
    public const string DefaultLanguage = "en";

    private static readonly Lazy<IReadOnlyList<HealthAdvice>> Rows = new(() =>
        EmbeddedTables.Read("health_advice.csv")
            .Select(r => new HealthAdvice(r["standard"], r["category"], r["lang"], r["advice"], r["source"]))
            .ToList());

    /// <summary>The languages the table has statements in.</summary>
    public static IReadOnlyList<string> Languages => Rows.Value.Select(r => r.Language).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>Every statement (the table as shipped).</summary>
    public static IReadOnlyList<HealthAdvice> All => Rows.Value;

    /// <summary>Reads a `lang` value (`en`, `hi`, `HI`, `hi-IN`); false for a language the table does not have.</summary>
    public static bool TryLanguage(string? text, out string language)
    {
        language = DefaultLanguage;
        if (string.IsNullOrWhiteSpace(text)) return true;
        var code = text.Trim().ToLowerInvariant().Split('-', '_')[0];
        if (!Languages.Contains(code)) return false;
        language = code;
        return true;
    }

    /// <summary>The statement of a category in a language (English when that language has none); null for an unknown category.</summary>
    public static HealthAdvice? For(AqiStandard standard, string? category, string language = DefaultLanguage)
    {
        if (category is null) return null;
        var code = standard.Code();
        HealthAdvice? english = null;
        foreach (var r in Rows.Value)
        {
            if (r.Standard != code || !string.Equals(r.Category, category, StringComparison.OrdinalIgnoreCase)) continue;
            if (r.Language == language) return r;
            if (r.Language == DefaultLanguage) english = r;
        }
        return english;
    }
}
