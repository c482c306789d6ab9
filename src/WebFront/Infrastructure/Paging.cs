using System.Globalization;
using AirQuality.Domain.Aqi;
using AirQuality.Domain.Cities;
using AirQuality.Grains.Abstractions;
using AirQuality.WebFront.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AirQuality.WebFront.Infrastructure;

/// <summary>A page asked for by `limit` and `page` (from 1).</summary>
public readonly record struct Paging(int Page, int Limit)
{
    /// <summary>Highest page number accepted.</summary>
    public const int MaxPage = 100_000;

    public int Offset => (Page - 1) * Limit;

    public PageMetaDto Meta(int found) => new(found, Page, Limit);

    /// <summary>The rows of this page out of <paramref name="all"/>.</summary>
    public IReadOnlyList<T> Of<T>(IReadOnlyList<T> all) => all.Skip(Offset).Take(Limit).ToList();

    /// <summary>Reads `limit` (1..<paramref name="maxLimit"/>, default <paramref name="defaultLimit"/>) and `page` (1..<see cref="MaxPage"/>, default 1).</summary>
    public static bool TryParse(string? limit, string? page, int defaultLimit, int maxLimit, out Paging paging, out ProblemHttpResult? problem)
    {
        paging = default;
        if (!QueryParsing.TryInt(limit, "limit", 1, maxLimit, defaultLimit, out var l, out problem)) return false;
        if (!QueryParsing.TryInt(page, "page", 1, MaxPage, 1, out var p, out problem)) return false;
        paging = new Paging(p, l);
        return true;
    }
}

/// <summary>Filters of the lists: `state`, `category` and `bbox`.</summary>
public static class ListFilters
{
    /// <summary>The cities of <paramref name="all"/> in <paramref name="state"/> (case-insensitive) and inside <paramref name="box"/>, in their order; either may be absent.</summary>
    public static IReadOnlyList<City> Cities(IReadOnlyList<City> all, string? state, GeoBox? box) =>
        state is null && box is null ? all
            : all.Where(c => (state is null || string.Equals(c.State, state, StringComparison.OrdinalIgnoreCase)) && (box is null || box.Contains(c.Latitude, c.Longitude))).ToList();

    /// <summary>Longest state name accepted (the longest of India is far shorter).</summary>
    public const int MaxStateLength = 64;

    public static bool TryState(string? text, out string? state, out ProblemHttpResult? problem)
    {
        problem = null;
        state = string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        if (state is not { Length: > MaxStateLength }) return true;
        problem = Problems.BadParameter("state", $"a state name has at most {MaxStateLength} characters");
        return false;
    }

    /// <summary>`bbox=minLon,minLat,maxLon,maxLat` in degrees.</summary>
    public static bool TryBox(string? text, out GeoBox? box, out ProblemHttpResult? problem)
    {
        problem = null;
        box = null;
        if (string.IsNullOrWhiteSpace(text)) return true;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var v = new double[4];
        var ok = parts.Length == 4;
        for (var i = 0; ok && i < 4; i++)
            ok = double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out v[i]) && double.IsFinite(v[i]);
        if (!ok)
        {
            problem = Problems.BadParameter("bbox", "must be four numbers minLon,minLat,maxLon,maxLat in degrees, e.g. 76.8,28.4,77.4,28.9");
            return false;
        }
        if (v[0] is < -180 or > 180 || v[2] is < -180 or > 180 || v[1] is < -90 or > 90 || v[3] is < -90 or > 90)
        {
            problem = Problems.BadParameter("bbox", "longitudes must be within -180..180 and latitudes within -90..90");
            return false;
        }
        if (v[0] > v[2] || v[1] > v[3])
        {
            problem = Problems.BadParameter("bbox", "minLon must not exceed maxLon nor minLat maxLat");
            return false;
        }
        box = new GeoBox(v[0], v[1], v[2], v[3]);
        return true;
    }

    private static readonly IReadOnlyList<string> IndiaCategories = Enumerable.Range(0, 501).Select(IndiaAqi.Category).Distinct().ToList();
    private static readonly IReadOnlyList<string> UsCategories = Enumerable.Range(0, 501).Select(UsAqi.Category).Distinct().ToList();

    /// <summary>A category of the standard, by name (case, spaces, `_` and `-` ignored: `very_poor` is Very Poor).</summary>
    public static bool TryCategory(string? text, AqiStandard standard, out string? category, out ProblemHttpResult? problem)
    {
        problem = null;
        category = null;
        if (string.IsNullOrWhiteSpace(text)) return true;
        var names = standard == AqiStandard.India ? IndiaCategories : UsCategories;
        var key = Key(text);
        category = names.FirstOrDefault(n => Key(n) == key);
        if (category is not null) return true;
        problem = Problems.BadParameter("category", $"must be a category of the '{standard.Code()}' standard: {string.Join(", ", names)}");
        return false;
    }

    private static string Key(string s) => new(s.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());
}
