using AirQuality.Domain.Aqi;
using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Rankings;

/// <summary>Orders the rankings' rows and cuts pages from an ordered, immutable array.</summary>
public static class RankingsBook
{
    /// <summary>The rows with an AQI in <paramref name="standard"/>, most polluted first when descending, ties by name.</summary>
    public static CityAqiSummary[] Order(IEnumerable<CityAqiSummary> rows, AqiStandard standard, bool descending)
    {
        Func<CityAqiSummary, int?> key = Key(standard);
        var ranked = rows.Where(s => key(s).HasValue);
        return (descending
                ? ranked.OrderByDescending(key).ThenBy(s => s.City, StringComparer.Ordinal)
                : ranked.OrderBy(key).ThenBy(s => s.City, StringComparer.Ordinal))
            .ToArray();
    }

    /// <summary>The page of <paramref name="query"/> from rows already in its order; only the page is copied.</summary>
    public static RankingsPage Page(CityAqiSummary[] ordered, RankingsQuery query)
    {
        var offset = Math.Max(0, query.Offset);
        var limit = Math.Max(0, query.Limit);
        if (!query.Filtered)
        {
            var from = Math.Min(offset, ordered.Length);
            return new RankingsPage(ordered.Length, ordered[from..Math.Min(ordered.Length, from + limit)]);
        }
        var found = 0;
        var rows = new List<CityAqiSummary>(Math.Min(limit, 256));
        foreach (var s in ordered)
        {
            if (!Matches(s, query)) continue;
            if (found >= offset && rows.Count < limit) rows.Add(s);
            found++;
        }
        return new RankingsPage(found, rows);
    }

    public static Func<CityAqiSummary, int?> Key(AqiStandard standard) =>
        standard == AqiStandard.India ? static s => s.IndiaAqi : static s => s.UsAqi;

    private static bool Matches(CityAqiSummary s, RankingsQuery q) =>
        (q.State is null || string.Equals(s.State, q.State, StringComparison.OrdinalIgnoreCase))
        && (q.Category is null || string.Equals(q.Standard == AqiStandard.India ? s.IndiaCategory : s.UsCategory, q.Category, StringComparison.OrdinalIgnoreCase))
        && (q.Box is null || q.Box.Contains(s.Latitude, s.Longitude));
}
