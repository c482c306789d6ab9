namespace AirQuality.Domain.Cities;

/// <summary>A city of the catalog.</summary>
/// <param name="Id">Stable lower-case identifier (`delhi`, `navi-mumbai`), used in grain keys and URLs.</param>
/// <param name="Latitude">Latitude of the point used to query gridded sources.</param>
/// <param name="Stations">Number of CPCB continuous monitoring stations (2022), a rough size of the ground network.</param>
/// <param name="Aliases">Other names the city is known by.</param>
public sealed record City(
    string Id,
    string Name,
    string State,
    double Latitude,
    double Longitude,
    int Stations,
    IReadOnlyList<string> Aliases);
