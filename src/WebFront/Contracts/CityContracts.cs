using AirQuality.Domain.Cities;

namespace AirQuality.WebFront.Contracts;

/// <summary>A city of the catalog.</summary>
/// <param name="Id">Stable identifier used in keys (`delhi`).</param>
/// <param name="Aliases">Other names the API accepts for the city.</param>
public sealed record CityDto(string Id, string Name, string State, double Latitude, double Longitude, int Stations, IReadOnlyList<string> Aliases)
{
    public static CityDto From(City c) => new(c.Id, c.Name, c.State, c.Latitude, c.Longitude, c.Stations, c.Aliases);
}

/// <summary>A page of the catalog.</summary>
/// <param name="Count">Cities on this page.</param>
public sealed record CityListDto(int Count, IReadOnlyList<CityDto> Cities, PageMetaDto Meta);

/// <summary>One row of the rankings.</summary>
/// <param name="Rank">1 is the most polluted with `order=desc` (the default), counted over the filtered rows across pages.</param>
/// <param name="Aqi">The AQI (India: the provisional highest sub-index when `complete` is false).</param>
public sealed record RankingDto(int Rank, string City, string CityId, string State, int? Aqi, string? Category, string? Color, string? DominantPollutant, bool Complete, bool Simulated, DateTime Timestamp);

/// <summary>A page of the cities ranked by AQI.</summary>
/// <param name="Count">Rows on this page.</param>
public sealed record RankingsDto(string Standard, string Order, int Count, DateTime GeneratedAt, IReadOnlyList<RankingDto> Rankings, PageMetaDto Meta);

/// <summary>Summary of the last 24 hours.</summary>
/// <param name="AqiMean">Mean of the hourly AQI over the last 24 hours (hours with a complete AQI only).</param>
/// <param name="Hours">Hours with a value.</param>
public sealed record Last24HoursDto(double? AqiMean, int? AqiMax, double? Pm25Mean, double? Pm25Max, int Hours);

/// <summary>Direction of PM2.5 over the last 6 hours against the 6 before.</summary>
/// <param name="Direction">`rising`, `falling` or `steady` (change within 10 %).</param>
/// <param name="Pm25Change">Mean PM2.5 of the last 6 hours minus that of the 6 before, µg/m³.</param>
public sealed record TrendDto(string Direction, double? Pm25Change);

/// <summary>One city in a comparison.</summary>
/// <param name="ForecastPeak">The highest forecast value of the next 24 hours, when a forecast is available.</param>
public sealed record CompareCityDto(string City, string CityId, int? Aqi, string? Category, double? Pm25, DateTime Timestamp, bool Simulated,
    [property: System.Text.Json.Serialization.JsonPropertyName("last_24h")] Last24HoursDto Last24H, TrendDto Trend, ForecastPeakDto? ForecastPeak);

/// <summary>The highest forecast hour.</summary>
public sealed record ForecastPeakDto(DateTime Time, double Value, string Target, int? Aqi, string? Category, string Model);

/// <summary>Several cities side by side.</summary>
/// <param name="Count">Cities compared on this page.</param>
/// <param name="Errors">Each asked name that could not be compared, with its problem (unknown names carry suggestions).</param>
/// <param name="Meta">`found`: the known cities asked, paged in the order asked.</param>
public sealed record CompareDto(string Standard, DateTime GeneratedAt, int Count, IReadOnlyList<CompareCityDto> Cities, IReadOnlyList<BatchProblemDto> Errors, PageMetaDto Meta);
