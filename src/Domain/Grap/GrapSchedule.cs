using System.Globalization;
using AirQuality.Domain.Data;

namespace AirQuality.Domain.Grap;

/// <summary>One stage of the Graded Response Action Plan: the India AQI range that invokes it.</summary>
/// <param name="Number">0 (no stage) to 4 (Stage IV).</param>
/// <param name="AqiHi">Top of the range; null for the open-ended last stage.</param>
public sealed record GrapStage(
    int Number,
    string Name,
    int AqiLo,
    int? AqiHi,
    string Category,
    string Source)
{
    /// <summary>Whether an India AQI value falls in this stage's range.</summary>
    public bool Contains(int aqi) => aqi >= AqiLo && (AqiHi is null || aqi <= AqiHi);
}

/// <summary>A city GRAP applies to.</summary>
public sealed record GrapCity(string City, string Region, string Source);

/// <summary>
/// CAQM's GRAP for Delhi-NCR: the stages by India AQI (Data/grap_stages.csv) and the cities they apply to
/// (Data/grap_cities.csv), each row with its source. Changing a threshold or adding a city is a data change.
/// </summary>
public static class GrapSchedule
{
    private static readonly Lazy<IReadOnlyList<GrapStage>> StageRows = new(() =>
    {
        var stages = EmbeddedTables.Read("grap_stages.csv")
            .Select(r => new GrapStage(
                int.Parse(r["stage"], CultureInfo.InvariantCulture), r["name"],
                int.Parse(r["aqi_lo"], CultureInfo.InvariantCulture),
                string.IsNullOrWhiteSpace(r["aqi_hi"]) ? null : int.Parse(r["aqi_hi"], CultureInfo.InvariantCulture),
                r["category"], r["source"]))
            .OrderBy(s => s.AqiLo)
            .ToList();
        // The ranges must tile the AQI scale: a gap or an overlap would give a value no stage or two.
        for (var i = 1; i < stages.Count; i++)
            if (stages[i - 1].AqiHi is not { } hi || stages[i].AqiLo != hi + 1)
                throw new InvalidOperationException($"grap_stages.csv: {stages[i].Name} does not start right after {stages[i - 1].Name}");
        return stages;
    });

    private static readonly Lazy<IReadOnlyList<GrapCity>> CityRows = new(() =>
        EmbeddedTables.Read("grap_cities.csv").Select(r => new GrapCity(r["city"], r["region"], r["source"])).ToList());

    /// <summary>Every stage, lowest AQI first (stage 0 = no GRAP stage in force).</summary>
    public static IReadOnlyList<GrapStage> Stages => StageRows.Value;

    /// <summary>The cities GRAP applies to.</summary>
    public static IReadOnlyList<GrapCity> Cities => CityRows.Value;

    /// <summary>The stage an India AQI value calls for.</summary>
    public static GrapStage StageOf(int aqi)
    {
        foreach (var s in StageRows.Value)
            if (s.Contains(aqi)) return s;
        return StageRows.Value[aqi < StageRows.Value[0].AqiLo ? 0 : ^1];
    }
}
