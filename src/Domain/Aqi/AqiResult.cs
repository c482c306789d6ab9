using AirQuality.Domain.Readings;

namespace AirQuality.Domain.Aqi;

/// <summary>Which AQI an answer is expressed in.</summary>
public enum AqiStandard
{
    /// <summary>India National AQI (CPCB 2014). The default everywhere.</summary>
    India,

    /// <summary>US EPA AQI (2024 PM2.5 table from 2024-05-06, 2012 before) with NowCast for particles.</summary>
    UnitedStates,
}

/// <summary>Parsing and naming of <see cref="AqiStandard"/> as the API spells it (`in`, `us`).</summary>
public static class AqiStandards
{
    public static string Code(this AqiStandard s) => s == AqiStandard.India ? "in" : "us";

    public static string DisplayName(this AqiStandard s) =>
        s == AqiStandard.India ? "India NAQI (CPCB 2014)" : "US EPA AQI";

    public static bool TryParse(string? text, out AqiStandard standard)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "" or "in" or "india" or "naqi":
                standard = AqiStandard.India;
                return true;
            case "us" or "epa" or "usa":
                standard = AqiStandard.UnitedStates;
                return true;
            default:
                standard = default;
                return false;
        }
    }
}

/// <summary>The index of one pollutant.</summary>
/// <param name="Concentration">The averaged concentration the index was computed from, in <paramref name="Unit"/>.</param>
/// <param name="Averaging">The averaging period actually used (`24h`, `8h`, `1h`, `nowcast`).</param>
/// <param name="ValidHours">How many valid hourly values went into the average (null when the caller gave an average).</param>
public sealed record SubIndex(
    Pollutant Pollutant,
    double Concentration,
    string Unit,
    string Averaging,
    int Value,
    string Category,
    int? ValidHours);

/// <summary>An AQI answer: the index when the standard's rules are met, and always the sub-indices that could be computed.</summary>
/// <param name="Aqi">The AQI, or null when the minimum-data rules are not met (see <paramref name="Complete"/>).</param>
/// <param name="MaxSubIndex">The highest sub-index available, shown as a provisional value when the AQI is incomplete.</param>
/// <param name="Complete">True when the standard's minimum-data rules are met.</param>
/// <param name="Notes">Why the answer is incomplete, and any rule that changed the computation.</param>
/// <param name="Table">The breakpoint table used (`IN-NAQI-2014`, `US-EPA-2024`, `US-EPA-2012`).</param>
public sealed record AqiResult(
    AqiStandard Standard,
    int? Aqi,
    int? MaxSubIndex,
    string? Category,
    Pollutant? Dominant,
    bool Complete,
    IReadOnlyList<SubIndex> SubIndices,
    IReadOnlyList<string> Notes,
    string Table)
{
    /// <summary>The value to rank and colour by: the AQI when complete, else the provisional highest sub-index.</summary>
    public int? Headline => Aqi ?? MaxSubIndex;
}
