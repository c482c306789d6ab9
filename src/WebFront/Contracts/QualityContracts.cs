using AirQuality.Grains.Abstractions;

namespace AirQuality.WebFront.Contracts;

/// <summary>One data-quality flag on one source's data for a city.</summary>
/// <param name="Flag">`stale`, `stuck`, `out_of_range`, `negative` or `duplicate_station`.</param>
/// <param name="Source">The source whose data carries the flag.</param>
/// <param name="Pollutant">The pollutant's API name; null for a flag on the whole source (`stale`).</param>
/// <param name="Since">First hour (UTC) the flag is about; for `stale`, since when nothing new came.</param>
/// <param name="LastSeen">Latest hour or time (UTC) that raised the flag.</param>
/// <param name="Values">Hours of a stuck run or of an identical series, rejected values, or hours without a new value (`stale`).</param>
/// <param name="ExcludedFromAqi">True when such values are left out of the AQI (negative, out of range, stuck; a station filed twice is averaged once).</param>
/// <param name="Detail">What was seen.</param>
public sealed record QualityFlagDto(string Flag, string Source, string? Pollutant, DateTime Since, DateTime LastSeen, int Values, bool ExcludedFromAqi, string Detail)
{
    public static QualityFlagDto From(QualityFlag f) => new(f.Flag, f.Source, f.Pollutant, f.Since, f.LastSeen, f.Values, f.ExcludedFromAqi, f.Detail);
}

/// <summary>A city's data-quality flags and what its AQI leaves out.</summary>
/// <param name="CheckedAt">When the flags were last checked (at the city's last poll).</param>
/// <param name="Excluded">Values left out of the AQI over the last 24 hours, by `source:pollutant:flag`.</param>
public sealed record QualityDto(DateTime CheckedAt, IReadOnlyList<QualityFlagDto> Flags, IReadOnlyDictionary<string, int> Excluded)
{
    public static QualityDto From(CityQuality q) => new(q.CheckedAt, q.Flags.Select(QualityFlagDto.From).ToList(), q.Excluded);
}

/// <summary>One city's row of the data-quality report.</summary>
public sealed record CityQualityDto(string City, string CityId, DateTime CheckedAt, IReadOnlyList<QualityFlagDto> Flags, IReadOnlyDictionary<string, int> Excluded);

/// <summary>Every city's data-quality flags, filtered by flag and source when asked.</summary>
/// <param name="Timestamp">When this answer was made (UTC).</param>
/// <param name="Flag">The flag asked for, or null for all.</param>
/// <param name="Source">The source asked for, or null for all.</param>
/// <param name="Count">Cities listed.</param>
/// <param name="Totals">Flags listed, by flag.</param>
public sealed record QualityReportDto(DateTime Timestamp, string? Flag, string? Source, int Count, IReadOnlyDictionary<string, int> Totals, IReadOnlyList<CityQualityDto> Cities);
