using AirQuality.Domain.Aqi;
using AirQuality.Domain.Cities;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Ingestion;
using AirQuality.Grains.Quality;

namespace AirQuality.Grains.Cities;

/// <summary>
/// A city's last hours in memory, oldest first, at most <see cref="Capacity"/> of them: merging readings into it
/// (by source priority, <see cref="MergePolicy"/>), placing and trimming hours, and the current AQI computed from it.
/// Pure: no store, no grain. Wraps the list it is given (the grain's persisted window) and changes it in place.
/// </summary>
public sealed class CityWindow(List<CityHour> hours, int capacity)
{
    private readonly List<CityHour> _hours = hours;

    public int Capacity { get; } = capacity;

    public IReadOnlyList<CityHour> Hours => _hours;

    public int Count => _hours.Count;

    public CityHour? Latest => _hours.Count > 0 ? _hours[^1] : null;

    /// <summary>The hour <paramref name="hour"/> if the window holds it.</summary>
    public CityHour? Find(DateTime hour)
    {
        var i = IndexOf(hour);
        return i >= 0 ? _hours[i] : null;
    }

    /// <summary>The last <paramref name="count"/> hours (all of them when fewer), oldest first.</summary>
    public IReadOnlyList<CityHour> Recent(int count)
    {
        var n = Math.Clamp(count, 0, _hours.Count);
        return _hours.GetRange(_hours.Count - n, n);
    }

    /// <summary>
    /// Hours that readings are for but that the window cannot merge alone: not in it and older than its first hour
    /// (what the store holds of them must be merged with).
    /// </summary>
    public IReadOnlyList<DateTime> HoursToLookUp(IEnumerable<SourceReading> readings) =>
        _hours.Count == 0 ? [] : readings.Select(r => r.Hour).Distinct().Where(h => h < _hours[0].Hour).Order().ToList();

    /// <summary>
    /// Merges readings per hour into what is known of the hour (the window's value, else <paramref name="stored"/>'s),
    /// places every merged hour that belongs to the last <see cref="Capacity"/> hours, trims, and returns the merged
    /// hours oldest first (also those too old to place: they still go to the store).
    /// </summary>
    public IReadOnlyList<CityHour> Merge(IEnumerable<SourceReading> readings, IReadOnlyDictionary<DateTime, CityHour>? stored = null)
    {
        var merged = readings.GroupBy(r => r.Hour).OrderBy(g => g.Key)
            .Select(g => MergePolicy.Merge(g.Key, Find(g.Key) ?? stored?.GetValueOrDefault(g.Key), g)).ToList();
        Put(merged);
        return merged;
    }

    /// <summary>Puts whole hours in (an hour already held is replaced), keeping those of the last <see cref="Capacity"/> hours.</summary>
    public void Put(IReadOnlyList<CityHour> merged)
    {
        if (merged.Count == 0) return;
        var newest = merged.Max(h => h.Hour);
        if (_hours.Count > 0 && _hours[^1].Hour > newest) newest = _hours[^1].Hour;
        var oldestAdmitted = newest.AddHours(-Capacity);
        foreach (var h in merged)
        {
            var i = IndexOf(h.Hour);
            if (i >= 0) _hours[i] = h;
            else if (h.Hour > oldestAdmitted || _hours.Count > 0 && h.Hour > _hours[0].Hour) _hours.Insert(~i, h);
        }
        if (_hours.Count > Capacity) _hours.RemoveRange(0, _hours.Count - Capacity);
    }

    /// <summary>
    /// The city's current air: the latest hour and its AQI in both standards, without stuck values
    /// (<see cref="StuckValues"/>: CPCB's rules use only valid data in a sub-index); <see cref="CityCurrent.Quality"/>
    /// says what the last 24 hours left out. Null while the window is empty.
    /// </summary>
    public CityCurrent? Current(City city)
    {
        if (Latest is not { } latest) return null;
        var (screened, excluded) = StuckValues.Screen(_hours, countFrom: latest.Hour.AddHours(-23));
        var series = CityHourSeries.Window(screened, latest.Hour);
        var sources = latest.Values.Select(m => m.Source).Distinct().Order(StringComparer.Ordinal).ToList();
        return new CityCurrent(city.Id, city.Name, latest.Hour, IndiaAqi.FromHourly(series), UsAqi.FromHourly(series, latest.Hour), latest,
            sources, sources.Contains(SourceNames.Simulated), _hours.Count, new CityQuality(city.Id, city.Name, latest.Hour, [], excluded));
    }

    /// <summary>Index of the hour, or the bitwise complement of where it would go.</summary>
    private int IndexOf(DateTime hour)
    {
        int lo = 0, hi = _hours.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var c = _hours[mid].Hour.CompareTo(hour);
            if (c == 0) return mid;
            if (c < 0) lo = mid + 1; else hi = mid - 1;
        }
        return ~lo;
    }
}
