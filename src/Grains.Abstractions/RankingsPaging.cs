using AirQuality.Domain.Aqi;

namespace AirQuality.Grains.Abstractions;

/// <summary>A bounding box in degrees (west, south, east, north), edges included.</summary>
[GenerateSerializer, Immutable]
public sealed record GeoBox(double MinLon, double MinLat, double MaxLon, double MaxLat)
{
    public bool Contains(double? latitude, double? longitude) =>
        latitude is { } lat && longitude is { } lon && lon >= MinLon && lon <= MaxLon && lat >= MinLat && lat <= MaxLat;
}

/// <summary>
/// One page of the rankings: cities with an AQI in <paramref name="Standard"/>, most polluted first when
/// <paramref name="Descending"/> (ties by name), filtered by state, category (the standard's category name) and box,
/// rows [<paramref name="Offset"/>, <paramref name="Offset"/> + <paramref name="Limit"/>).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RankingsQuery(AqiStandard Standard, bool Descending, int Offset, int Limit, string? State = null, string? Category = null, GeoBox? Box = null)
{
    public bool Filtered => State is not null || Category is not null || Box is not null;
}

/// <summary>The rows of one page and how many rows match the query in all.</summary>
[GenerateSerializer, Immutable]
public sealed record RankingsPage(int Found, IReadOnlyList<CityAqiSummary> Entries);
