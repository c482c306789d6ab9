using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Quality;

/// <summary>
/// Values an analyser repeats unchanged hour after hour: a stuck instrument or a feed that re-sends its last value.
/// CPCB's data validation treats such constant stretches as invalid data, so they are left out of the AQI (negative
/// and impossible values never get this far: <see cref="Ingestion.ReadingValidator"/> rejects them on arrival).
/// </summary>
public static class StuckValues
{
    /// <summary>A value repeated by the same source for this many consecutive hours or more is stuck.</summary>
    public const int MinimumRun = 6;

    /// <summary>
    /// The hours without their stuck values, and how many values were left out per `source:pollutant:stuck`.
    /// <paramref name="hours"/> must be sorted by hour.
    /// </summary>
    public static (IReadOnlyList<CityHour> Hours, IReadOnlyDictionary<string, int> Excluded) Screen(IReadOnlyList<CityHour> hours)
    {
        var stuck = Find(hours);
        if (stuck.Count == 0) return (hours, new Dictionary<string, int>());
        var excluded = new Dictionary<string, int>();
        var kept = new List<CityHour>(hours.Count);
        foreach (var h in hours)
        {
            var values = h.Values.Where(m => !stuck.Contains((h.Hour, m.Pollutant, m.Source))).ToList();
            foreach (var m in h.Values.Where(m => stuck.Contains((h.Hour, m.Pollutant, m.Source))))
            {
                var key = $"{m.Source}:{m.Pollutant.Code()}:stuck";
                excluded[key] = excluded.GetValueOrDefault(key) + 1;
            }
            kept.Add(values.Count == h.Values.Count ? h : h with { Values = values });
        }
        return (kept, excluded);
    }

    /// <summary>Every (hour, pollutant, source) that belongs to a run of at least <see cref="MinimumRun"/> equal consecutive hourly values.</summary>
    public static HashSet<(DateTime Hour, Pollutant Pollutant, string Source)> Find(IReadOnlyList<CityHour> hours)
    {
        var result = new HashSet<(DateTime, Pollutant, string)>();
        var series = hours.SelectMany(h => h.Values.Select(m => (h.Hour, m)))
            .GroupBy(x => (x.m.Pollutant, x.m.Source));
        foreach (var g in series)
        {
            var run = new List<DateTime>();
            double? last = null;
            DateTime previous = default;
            foreach (var (hour, m) in g.OrderBy(x => x.Hour))
            {
                var continues = last is { } v && v == m.Value && hour - previous == TimeSpan.FromHours(1);
                if (!continues)
                {
                    Flush();
                    run.Clear();
                }
                run.Add(hour);
                last = m.Value;
                previous = hour;
            }
            Flush();

            void Flush()
            {
                if (run.Count >= MinimumRun)
                    foreach (var h in run) result.Add((h, g.Key.Pollutant, g.Key.Source));
            }
        }
        return result;
    }
}
