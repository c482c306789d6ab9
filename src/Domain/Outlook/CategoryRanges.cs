using AirQuality.Domain.Aqi;

namespace AirQuality.Domain.Outlook;

/// <summary>A category of an index and its whole-number range (the top category has no upper end).</summary>
public sealed record CategoryRange(string Category, int AqiLo, int? AqiHi, int Rank);

/// <summary>The categories of each standard, read off its breakpoint table (lowest first).</summary>
public static class CategoryRanges
{
    private static readonly Lazy<IReadOnlyList<CategoryRange>> India = new(() => From(BreakpointTables.IndiaNaqi));
    private static readonly Lazy<IReadOnlyList<CategoryRange>> Us = new(() => From(BreakpointTables.UsEpa(BreakpointTables.Us2024)));

    public static IReadOnlyList<CategoryRange> Of(AqiStandard standard) => standard == AqiStandard.India ? India.Value : Us.Value;

    /// <summary>The category of a value (values above the table share its top category).</summary>
    public static CategoryRange CategoryOf(AqiStandard standard, int aqi)
    {
        var all = Of(standard);
        foreach (var c in all)
            if (c.AqiHi is null || aqi <= c.AqiHi) return c;
        return all[^1];
    }

    /// <summary>A category by name (case-insensitive), or null.</summary>
    public static CategoryRange? Named(AqiStandard standard, string? name) =>
        Of(standard).FirstOrDefault(c => string.Equals(c.Category, name?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The probability of each category under a forecast distribution, lowest category first.</summary>
    public static IReadOnlyList<(CategoryRange Category, double Probability)> Probabilities(AqiStandard standard, BandDistribution d) =>
        Of(standard).Select(c => (c, d.ProbabilityOfRange(c.AqiLo, c.AqiHi))).ToList();

    private static IReadOnlyList<CategoryRange> From(IEnumerable<Breakpoint> bands)
    {
        var steps = bands.GroupBy(b => b.Category).Select(g => (Lo: g.Min(b => b.AqiLo), Hi: g.Max(b => b.AqiHi), Category: g.Key)).OrderBy(s => s.Lo).ToList();
        return steps.Select((s, i) => new CategoryRange(s.Category, s.Lo, i == steps.Count - 1 ? null : s.Hi, i)).ToList();
    }
}
