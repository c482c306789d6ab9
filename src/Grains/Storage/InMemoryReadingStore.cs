using System.Collections.Concurrent;

namespace AirQuality.Grains.Storage;

/// <summary>The embedded mode's store: everything in process memory, gone when the process stops.</summary>
public sealed class InMemoryReadingStore : IReadingStore
{
    private readonly ConcurrentDictionary<string, SortedList<DateTime, CityHour>> _hours = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string City, DateTime Hour, string Source), SourceReading> _raw = new();

    public string Kind => "memory";

    public Task SaveRawAsync(IReadOnlyList<SourceReading> readings, CancellationToken cancellationToken = default)
    {
        foreach (var r in readings) _raw[(r.CityId, r.Hour, r.Source)] = r;
        return Task.CompletedTask;
    }

    public Task SaveHoursAsync(string cityId, IReadOnlyList<CityHour> hours, CancellationToken cancellationToken = default)
    {
        var series = _hours.GetOrAdd(cityId, _ => []);
        lock (series)
            foreach (var h in hours) series[h.Hour] = h;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<CityHour>> GetHoursAsync(string cityId, DateTime from, DateTime to, CancellationToken cancellationToken = default)
    {
        if (!_hours.TryGetValue(cityId, out var series)) return Task.FromResult<IReadOnlyList<CityHour>>([]);
        lock (series)
            return Task.FromResult<IReadOnlyList<CityHour>>(Slice(series, from, to).ToList());
    }

    public Task<int> CountHoursAsync(string cityId, DateTime from, DateTime to, CancellationToken cancellationToken = default)
    {
        if (!_hours.TryGetValue(cityId, out var series)) return Task.FromResult(0);
        lock (series)
            return Task.FromResult(Slice(series, from, to).Count());
    }

    /// <summary>Number of raw readings held (for tests and metrics).</summary>
    public int RawCount => _raw.Count;

    private static IEnumerable<CityHour> Slice(SortedList<DateTime, CityHour> series, DateTime from, DateTime to)
    {
        var keys = series.Keys;
        int lo = 0, hi = keys.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (keys[mid] < from) lo = mid + 1; else hi = mid;
        }
        for (var i = lo; i < keys.Count && keys[i] < to; i++) yield return series.Values[i];
    }
}
