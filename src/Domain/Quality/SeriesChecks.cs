namespace AirQuality.Domain.Quality;

/// <summary>One value held unchanged over consecutive hours: [<see cref="First"/>, <see cref="Last"/>].</summary>
public readonly record struct ConstantRun(DateTime First, DateTime Last, double Value)
{
    public int Hours => (int)(Last - First).TotalHours + 1;
}

/// <summary>
/// The checks of the quality flags on one hourly series (one source's values of one pollutant): pure, the one
/// implementation the city's flags, the AQI's exclusions and the daily bulletin all use.
/// </summary>
public static class SeriesChecks
{
    /// <summary>
    /// Every run of at least <paramref name="minimumHours"/> consecutive hours with one unchanged value (stuck).
    /// A missing hour ends a run. <paramref name="series"/> need not be sorted; an hour given twice counts once.
    /// </summary>
    public static List<ConstantRun> StuckRuns(IEnumerable<(DateTime Hour, double Value)> series, int minimumHours)
    {
        var runs = new List<ConstantRun>();
        if (minimumHours < 1) return runs;
        ConstantRun? run = null;
        foreach (var (hour, value) in series.DistinctBy(x => x.Hour).OrderBy(x => x.Hour))
        {
            if (run is { } r && r.Value == value && hour - r.Last == TimeSpan.FromHours(1))
            {
                run = r with { Last = hour };
                continue;
            }
            if (run is { } done && done.Hours >= minimumHours) runs.Add(done);
            run = new ConstantRun(hour, hour, value);
        }
        if (run is { } last && last.Hours >= minimumHours) runs.Add(last);
        return runs;
    }

    /// <summary>
    /// True when both series have a value in each of the <paramref name="hours"/> hours ending at
    /// <paramref name="end"/> and the values are equal hour by hour (one series reported twice).
    /// </summary>
    public static bool Identical(IReadOnlyDictionary<DateTime, double> a, IReadOnlyDictionary<DateTime, double> b, DateTime end, int hours)
    {
        if (hours < 1) return false;
        for (var i = 0; i < hours; i++)
        {
            var h = end.AddHours(-i);
            if (!a.TryGetValue(h, out var x) || !b.TryGetValue(h, out var y) || x != y) return false;
        }
        return true;
    }

    /// <summary>
    /// True when a source whose newest value is for the hour <paramref name="lastValueHour"/> (null: none yet, counted
    /// from <paramref name="since"/>) has given nothing new for <paramref name="staleHours"/> hours at <paramref name="now"/>.
    /// The hour of a value ends an hour after its start; an hour's value is new until then.
    /// </summary>
    public static bool IsStale(DateTime? lastValueHour, DateTime since, DateTime now, int staleHours) =>
        now - (lastValueHour?.AddHours(1) ?? since) >= TimeSpan.FromHours(staleHours);
}
