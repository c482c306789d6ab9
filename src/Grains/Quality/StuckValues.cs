using AirQuality.Domain.Quality;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Quality;

/// <summary>
/// Values an analyser repeats unchanged hour after hour: a stuck instrument or a feed that re-sends its last value.
/// Such constant stretches are invalid data, so they are left out of the AQI (negative and out-of-range values never
/// get this far: <see cref="Ingestion.ReadingValidator"/> rejects them on arrival). The rule is
/// <see cref="SeriesChecks.StuckRuns"/> with <see cref="DataQualityRules.StuckHours"/>; the city's `stuck` flag
/// applies the same rule to each source's own series.
/// </summary>
public static class StuckValues
{
    /// <summary>
    /// The hours without their stuck values, and how many values were left out per `source:pollutant:stuck` (of the
    /// hours from <paramref name="countFrom"/> on, when given). <paramref name="hours"/> must be sorted by hour.
    /// </summary>
    public static (IReadOnlyList<CityHour> Hours, IReadOnlyDictionary<string, int> Excluded) Screen(IReadOnlyList<CityHour> hours, DataQualityRules? rules = null,
        DateTime? countFrom = null)
    {
        var stuck = Find(hours, rules);
        if (stuck.Count == 0) return (hours, new Dictionary<string, int>());
        var excluded = new Dictionary<string, int>();
        var kept = new List<CityHour>(hours.Count);
        foreach (var h in hours)
        {
            var values = h.Values.Where(m => !stuck.Contains((h.Hour, m.Pollutant, m.Source))).ToList();
            foreach (var m in h.Values.Where(m => stuck.Contains((h.Hour, m.Pollutant, m.Source)) && h.Hour >= (countFrom ?? DateTime.MinValue)))
            {
                var key = $"{m.Source}:{m.Pollutant.Code()}:{QualityFlags.Stuck}";
                excluded[key] = excluded.GetValueOrDefault(key) + 1;
            }
            kept.Add(values.Count == h.Values.Count ? h : h with { Values = values });
        }
        return (kept, excluded);
    }

    /// <summary>Every (hour, pollutant, source) that belongs to a run of at least <see cref="DataQualityRules.StuckHours"/> equal consecutive hourly values.</summary>
    public static HashSet<(DateTime Hour, Pollutant Pollutant, string Source)> Find(IReadOnlyList<CityHour> hours, DataQualityRules? rules = null)
    {
        var minimum = (rules ?? DataQualityRules.Default).StuckHours;
        var result = new HashSet<(DateTime, Pollutant, string)>();
        var series = hours.SelectMany(h => h.Values.Select(m => (h.Hour, m)))
            .GroupBy(x => (x.m.Pollutant, x.m.Source));
        foreach (var g in series)
            foreach (var run in SeriesChecks.StuckRuns(g.Select(x => (x.Hour, x.m.Value)), minimum))
                for (var h = run.First; h <= run.Last; h = h.AddHours(1))
                    result.Add((h, g.Key.Pollutant, g.Key.Source));
        return result;
    }
}
