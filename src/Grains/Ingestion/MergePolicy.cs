using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Ingestion;

/// <summary>
/// How readings of several sources become one value per city, hour and pollutant.
/// </summary>
/// <remarks>
/// Priority, best first: CPCB ground stations (measured at the city's own monitors), imported station history
/// (OpenAQ, AirNow: also measured), OpenWeather (CAMS model output on a grid), IQAir (no concentrations on the
/// community plan, weather only), the simulator. For each pollutant the best-ranked source of that hour wins; a
/// newer reading of the same source replaces its older value (late corrections). Every value keeps its source, and
/// so does the hour's weather, which follows the same ranking. Readings arriving late go to their own hour, however
/// old; repeats of a reading already merged are dropped before merging (<see cref="ReadingLedger"/>).
/// </remarks>
public static class MergePolicy
{
    public static int Priority(string source) => source switch
    {
        SourceNames.Cpcb => 0,
        SourceNames.ImportOpenAq or SourceNames.ImportAirNow => 5,
        SourceNames.OpenWeather => 20,
        SourceNames.IqAir => 30,
        SourceNames.Simulated => 100,
        _ => 50,
    };

    /// <summary>Merges readings of one hour into what is already known of that hour.</summary>
    public static CityHour Merge(DateTime hour, CityHour? existing, IEnumerable<SourceReading> readings)
    {
        var values = new Dictionary<Pollutant, Measurement>();
        if (existing is not null)
            foreach (var m in existing.Values) values[m.Pollutant] = m;
        var weather = existing?.Weather;
        // Weather follows the same rule as values; weather stored before it carried a source yields to any source.
        var weatherPriority = weather is null ? int.MaxValue : weather.Source is { } known ? Priority(known) : int.MaxValue - 1;
        foreach (var r in readings.OrderBy(r => Priority(r.Source)))
        {
            var p = Priority(r.Source);
            foreach (var (pollutant, value) in r.Values)
            {
                if (!values.TryGetValue(pollutant, out var current) || Priority(current.Source) >= p)
                    values[pollutant] = new Measurement(pollutant, value, r.Source);
            }
            if (r.Weather is not null && p <= weatherPriority)
            {
                weather = r.Weather.Source is null ? r.Weather with { Source = r.Source } : r.Weather;
                weatherPriority = p;
            }
        }
        return new CityHour(hour, values.Values.OrderBy(m => m.Pollutant).ToArray(), weather);
    }
}
