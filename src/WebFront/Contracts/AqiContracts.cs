using AirQuality.Domain.Aqi;
using AirQuality.Domain.Readings;
using AirQuality.Grains;

namespace AirQuality.WebFront.Contracts;

/// <summary>One pollutant's sub-index.</summary>
/// <param name="Pollutant">API name of the pollutant (`pm25`, `co`, ...).</param>
/// <param name="Concentration">The averaged value the sub-index comes from, in <paramref name="Unit"/>.</param>
/// <param name="Averaging">Averaging period used: `24h`, `8h`, `1h` or `nowcast`.</param>
/// <param name="SubIndex">The pollutant's index value.</param>
/// <param name="ValidHours">Valid hourly values inside the averaging period, when computed from hourly data.</param>
public sealed record SubIndexDto(string Pollutant, double Concentration, string Unit, string Averaging, int SubIndex, string Category, int? ValidHours)
{
    public static SubIndexDto From(SubIndex s) =>
        new(s.Pollutant.Code(), Math.Round(s.Concentration, 3), s.Unit, s.Averaging, s.Value, s.Category, s.ValidHours);
}

/// <summary>An AQI computed by the calculator.</summary>
/// <param name="Standard">`in` (India NAQI, CPCB 2014) or `us` (US EPA).</param>
/// <param name="Aqi">The AQI, or null when the standard's minimum-data rules are not met (see `complete` and `notes`).</param>
/// <param name="ProvisionalAqi">The highest sub-index available, shown even when the AQI is incomplete.</param>
/// <param name="Complete">Whether the standard's minimum-data rules are met.</param>
/// <param name="Table">The breakpoint table used.</param>
public sealed record AqiCalculationDto(
    string Standard,
    int? Aqi,
    int? ProvisionalAqi,
    string? Category,
    string? Color,
    string? DominantPollutant,
    bool Complete,
    string Table,
    IReadOnlyList<SubIndexDto> SubIndices,
    IReadOnlyList<string> Notes)
{
    public static AqiCalculationDto From(AqiResult r) => new(
        r.Standard.Code(), r.Aqi, r.MaxSubIndex, r.Category, r.Headline is { } h ? AqiColors.Of(r.Standard, h) : null,
        r.Dominant?.Code(), r.Complete, r.Table, r.SubIndices.Select(SubIndexDto.From).ToList(), r.Notes);
}

/// <summary>A city's current air quality, as the seed answers it, plus standard, provenance and completeness.</summary>
/// <param name="City">Catalog name of the city.</param>
/// <param name="Aqi">The AQI in the requested standard; null when its minimum-data rules are not met.</param>
/// <param name="Pm25">Latest hourly PM2.5 in µg/m³.</param>
/// <param name="Pm10">Latest hourly PM10 in µg/m³.</param>
/// <param name="Timestamp">The hour the values are for (start of the hour, UTC).</param>
/// <param name="Source">The source(s) of the values shown, comma separated; `simulated` marks the built-in simulator.</param>
/// <param name="Simulated">True when any value shown comes from the simulator rather than a real upstream.</param>
/// <param name="HealthAdvice">The official health statement of the category (CPCB for `in`, EPA for `us`) in the asked `lang`.</param>
/// <param name="Quality">Data-quality flags per source and pollutant, and the values the AQI leaves out (stuck, negative, out of range).</param>
public sealed record CurrentAqiDto(
    string City,
    string CityId,
    string State,
    int? Aqi,
    int? ProvisionalAqi,
    string? Category,
    string? Color,
    double? Pm25,
    double? Pm10,
    DateTime Timestamp,
    string Standard,
    string Table,
    string? DominantPollutant,
    bool Complete,
    string Source,
    bool Simulated,
    IReadOnlyList<SubIndexDto> SubIndices,
    IReadOnlyList<string> Notes,
    HealthAdviceDto? HealthAdvice = null,
    QualityDto? Quality = null);

/// <summary>One pollutant's latest value and sub-index.</summary>
/// <param name="Value">Latest hourly value, in <paramref name="Unit"/> (µg/m³; CO mg/m³).</param>
/// <param name="Source">Where the latest value came from.</param>
/// <param name="Averaging">Averaging period of the sub-index.</param>
/// <param name="AveragedConcentration">The averaged concentration the sub-index uses (in the standard's unit).</param>
public sealed record PollutantDto(string Pollutant, string Name, double? Value, string Unit, string? Source, string? Averaging, double? AveragedConcentration, string? AveragedUnit, int? SubIndex, string? Category);

/// <summary>Every pollutant of a city, latest hour.</summary>
public sealed record PollutantsDto(string City, DateTime Timestamp, string Standard, int? Aqi, string? DominantPollutant, bool Simulated, IReadOnlyList<PollutantDto> Pollutants);

/// <summary>Colours of the AQI categories.</summary>
public static class AqiColors
{
    public static string Of(AqiStandard s, int aqi) => s == AqiStandard.India ? IndiaAqi.Color(aqi) : UsAqi.Color(aqi);
}
