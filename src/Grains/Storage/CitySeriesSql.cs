using AirQuality.Domain.Readings;

namespace AirQuality.Grains.Storage;

/// <summary>
/// SQL of the merged hourly series (`city_hour`) and its rollups, written once from the pollutant list so the
/// columns of every statement match the schema of migrations 0004 and 0005.
/// </summary>
internal static class CitySeriesSql
{
    /// <summary>Source names of imported history start with this (`import:openaq`, `import:airnow`).</summary>
    public const string ImportPrefix = "import:";

    public static IReadOnlyList<string> Codes { get; } = Pollutants.All.Select(p => p.Code()).ToList();

    public static IReadOnlyList<string> WeatherColumns { get; } = ["temperature_c", "humidity_percent", "wind_speed_ms", "pressure_hpa"];

    /// <summary>Columns of a city_hour row, in COPY order.</summary>
    public static IReadOnlyList<string> Columns { get; } =
        ["city_id", "hour", .. Codes.SelectMany(c => new[] { c, c + "_source" }), .. WeatherColumns, "weather_source"];

    private static string List => string.Join(", ", Columns);

    /// <summary>A temporary table shaped like city_hour, dropped at commit.</summary>
    public static string CreateStaging(string name) =>
        $"CREATE TEMP TABLE {name} (city_id text NOT NULL, hour timestamptz NOT NULL, "
        + string.Join(", ", Codes.Select(c => $"{c} double precision, {c}_source text"))
        + ", " + string.Join(", ", WeatherColumns.Select(w => $"{w} double precision"))
        + ", weather_source text) ON COMMIT DROP";

    public static string CopyInto(string name) => $"COPY {name} ({List}) FROM STDIN (FORMAT BINARY)";

    /// <summary>True when a city_hour row (alias <paramref name="alias"/>) holds any imported value.</summary>
    public static string Imported(string alias) =>
        // coalesce: a row whose other sources are NULL is "not imported", not unknown (NOT NULL would keep it).
        "coalesce(" + string.Join(" OR ", Codes.Select(c => $"{alias}.{c}_source LIKE '{ImportPrefix}%'")) + ", false)";

    /// <summary>
    /// Merges staged hours into city_hour value by value: a stored value stays when its source ranks above the
    /// incoming one (MergePolicy), an equal or better source replaces it (late corrections), and nothing is
    /// written for an hour that would not change. Answers (inserted, updated) counts. Needs <see cref="SourceRanks.AddTo"/>.
    /// </summary>
    public static string Upsert(string staging)
    {
        string Take(string c) =>
            $"(excluded.{c} IS NOT NULL AND (c.{c} IS NULL OR {SourceRanks.Of($"excluded.{c}_source")} <= {SourceRanks.Of($"c.{c}_source")}))";
        const string takeWeather =
            "(excluded.weather_source IS NOT NULL OR excluded.temperature_c IS NOT NULL OR excluded.humidity_percent IS NOT NULL OR excluded.wind_speed_ms IS NOT NULL OR excluded.pressure_hpa IS NOT NULL)";
        const string noWeather = "(c.temperature_c IS NULL AND c.humidity_percent IS NULL AND c.wind_speed_ms IS NULL AND c.pressure_hpa IS NULL)";
        var weatherRank = $"({takeWeather} AND ({noWeather} OR {SourceRanks.Of("excluded.weather_source")} <= {SourceRanks.Of("c.weather_source")}))";
        var sets = Codes.SelectMany(c => new[]
            {
                $"{c} = CASE WHEN {Take(c)} THEN excluded.{c} ELSE c.{c} END",
                $"{c}_source = CASE WHEN {Take(c)} THEN excluded.{c}_source ELSE c.{c}_source END",
            })
            .Concat(WeatherColumns.Append("weather_source").Select(w => $"{w} = CASE WHEN {weatherRank} THEN excluded.{w} ELSE c.{w} END"));
        var changes = Codes.Select(c => $"({Take(c)} AND (excluded.{c}, excluded.{c}_source) IS DISTINCT FROM (c.{c}, c.{c}_source))")
            .Append($"({weatherRank} AND ({string.Join(", ", WeatherColumns.Select(w => "excluded." + w))}, excluded.weather_source) IS DISTINCT FROM ({string.Join(", ", WeatherColumns.Select(w => "c." + w))}, c.weather_source))");
        // Partitioned tables cannot return xmax, so "inserted" is staged rows minus those already stored (every CTE
        // sees the table as it was before the statement).
        return $"""
            WITH existing AS (
                SELECT count(*) AS n FROM {staging} s JOIN city_hour h ON h.city_id = s.city_id AND h.hour = s.hour),
            up AS (
                INSERT INTO city_hour AS c ({List})
                SELECT {List} FROM {staging} ORDER BY city_id, hour
                ON CONFLICT (city_id, hour) DO UPDATE SET
                    {string.Join(",\n                    ", sets)},
                    updated_at = now()
                WHERE {string.Join("\n                   OR ", changes)}
                RETURNING 1)
            SELECT (SELECT count(*) FROM {staging}) - (SELECT n FROM existing),
                   (SELECT count(*) FROM up) - ((SELECT count(*) FROM {staging}) - (SELECT n FROM existing))
            """;
    }

    /// <summary>Recomputes the daily rollup (native layout) of every (city, UTC day) the staged hours touch.</summary>
    public static string RefreshDays(string staging)
    {
        var aggregates = Codes.Select(c => $"avg(h.{c}), min(h.{c}), max(h.{c}), count(h.{c})::integer");
        var columns = Codes.Select(c => $"{c}_mean, {c}_min, {c}_max, {c}_hours");
        var sets = Codes.SelectMany(c => new[] { "mean", "min", "max", "hours" }.Select(s => $"{c}_{s} = excluded.{c}_{s}"));
        return $"""
            INSERT INTO city_day AS d (city_id, day, hours, imported_hours, {string.Join(", ", columns)})
            SELECT h.city_id, t.day, count(*)::integer, (count(*) FILTER (WHERE {Imported("h")}))::integer, {string.Join(", ", aggregates)}
            FROM (SELECT DISTINCT city_id, date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day FROM {staging}) t
            JOIN city_hour h ON h.city_id = t.city_id AND h.hour >= t.day AND h.hour < t.day + INTERVAL '1 day'
            GROUP BY h.city_id, t.day
            ORDER BY h.city_id, t.day
            ON CONFLICT (city_id, day) DO UPDATE SET hours = excluded.hours, imported_hours = excluded.imported_hours,
                {string.Join(", ", sets)}
            """;
    }

    /// <summary>Recomputes the hourly rollup across sources (native layout) of every (city, hour) the staged raw readings touch.</summary>
    public static string RefreshRawHours(string staging)
    {
        var aggregates = Codes.Select(c => $"avg(r.{c}), min(r.{c}), max(r.{c})");
        var columns = Codes.Select(c => $"{c}_mean, {c}_min, {c}_max");
        var sets = Codes.SelectMany(c => new[] { "mean", "min", "max" }.Select(s => $"{c}_{s} = excluded.{c}_{s}"));
        return $"""
            INSERT INTO raw_hourly AS x (city_id, hour, sources, {string.Join(", ", columns)})
            SELECT r.city_id, r.hour, count(*)::integer, {string.Join(", ", aggregates)}
            FROM (SELECT DISTINCT city_id, hour FROM {staging}) t
            JOIN reading_raw r ON r.city_id = t.city_id AND r.hour = t.hour
            GROUP BY r.city_id, r.hour
            ORDER BY r.city_id, r.hour
            ON CONFLICT (city_id, hour) DO UPDATE SET sources = excluded.sources, {string.Join(", ", sets)}
            """;
    }
}
