using AirQuality.Domain.Cities;

namespace AirQuality.Grains.Import;

/// <summary>A station seen in an import file, mapped to a catalog city.</summary>
/// <param name="Index">Position of the station in the file's station list (the staging key).</param>
public sealed record ImportStation(int Index, string Location, string Source, string CityId, double? Latitude, double? Longitude);

/// <summary>
/// Maps the locations of an import file to catalog cities, once per location: the `--city` override when given;
/// else the file's city column; else a part of the location name ("BTM Layout, Bengaluru - CPCB" -> Bengaluru,
/// "US Diplomatic Post: New Delhi" -> Delhi); else the nearest catalog city within
/// <see cref="MaximumDistanceKm"/> of the station's coordinates.
/// </summary>
public sealed class StationMapper(CityCatalog catalog, City? cityOverride, string source)
{
    /// <summary>How far a station may be from a city's point and still count as that city.</summary>
    public const double MaximumDistanceKm = 50;

    private static readonly char[] NameSeparators = [',', '-', ':', '(', ')', '/', '|', ';'];
    private readonly Dictionary<string, (ImportStation? Station, string? Problem)> _byLocation = new(StringComparer.Ordinal);
    private readonly List<ImportStation> _stations = [];

    /// <summary>Stations mapped so far, by index.</summary>
    public IReadOnlyList<ImportStation> Stations => _stations;

    /// <summary>The station of a location, or why the location maps to no city.</summary>
    public (ImportStation? Station, string? Problem) Lookup(string location, Func<StationDescription> describe)
    {
        if (_byLocation.TryGetValue(location, out var known)) return known;
        var d = describe();
        var city = cityOverride ?? Resolve(location, d);
        (ImportStation?, string?) result;
        if (city is null)
        {
            var hint = string.IsNullOrWhiteSpace(d.City) ? "" : $" (city '{OpenAqExport.Shorten(d.City)}')";
            result = (null, $"location '{OpenAqExport.Shorten(location)}'{hint} matches no city of the catalog; pass --city NAME to assign one");
        }
        else
        {
            var station = new ImportStation(_stations.Count, location, source, city.Id, d.Latitude, d.Longitude);
            _stations.Add(station);
            result = (station, null);
        }
        _byLocation[location] = result;
        return result;
    }

    private City? Resolve(string location, StationDescription d)
    {
        if (catalog.Resolve(d.City) is { } byColumn) return byColumn;
        if (catalog.Resolve(location) is { } byName) return byName;
        var byParts = location.Split(NameSeparators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(catalog.Resolve)
            .OfType<City>()
            .DistinctBy(c => c.Id)
            .ToList();
        if (byParts.Count == 1) return byParts[0];
        if (d.Latitude is { } lat && d.Longitude is { } lon)
        {
            var nearest = catalog.All.MinBy(c => DistanceKm(lat, lon, c.Latitude, c.Longitude));
            if (nearest is not null && DistanceKm(lat, lon, nearest.Latitude, nearest.Longitude) <= MaximumDistanceKm) return nearest;
        }
        return null;
    }

    /// <summary>Great-circle distance on a spherical Earth.</summary>
    internal static double DistanceKm(double lat1, double lon1, double lat2, double lon2)
    {
        const double earthRadiusKm = 6371.0;
        static double Rad(double deg) => deg * Math.PI / 180;
        var dLat = Rad(lat2 - lat1);
        var dLon = Rad(lon2 - lon1);
        var a = Math.Sin(dLat / 2) * Math.Sin(dLat / 2) + Math.Cos(Rad(lat1)) * Math.Cos(Rad(lat2)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * earthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }
}
