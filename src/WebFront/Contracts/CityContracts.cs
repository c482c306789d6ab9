using AirQuality.Domain.Cities;

namespace AirQuality.WebFront.Contracts;

/// <summary>A city of the catalog.</summary>
/// <param name="Id">Stable identifier used in keys (`delhi`).</param>
/// <param name="Aliases">Other names the API accepts for the city.</param>
public sealed record CityDto(string Id, string Name, string State, double Latitude, double Longitude, int Stations, IReadOnlyList<string> Aliases)
{
    public static CityDto From(City c) => new(c.Id, c.Name, c.State, c.Latitude, c.Longitude, c.Stations, c.Aliases);
}

/// <summary>The catalog.</summary>
public sealed record CityListDto(int Count, IReadOnlyList<CityDto> Cities);

/// <summary>One row of the rankings.</summary>
/// <param name="Rank">1 is the most polluted with `order=desc` (the default).</param>
/// <param name="Aqi">The AQI (India: the provisional highest sub-index when `complete` is false).</param>
public sealed record RankingDto(int Rank, string City, string CityId, string State, int? Aqi, string? Category, string? Color, string? DominantPollutant, bool Complete, bool Simulated, DateTime Timestamp);

/// <summary>Cities ranked by AQI.</summary>
public sealed record RankingsDto(string Standard, string Order, int Count, DateTime GeneratedAt, IReadOnlyList<RankingDto> Rankings);
