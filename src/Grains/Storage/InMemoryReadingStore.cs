using AirQuality.Grains.Abstractions;
using System.Collections.Concurrent;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Ingestion;

namespace AirQuality.Grains.Storage;

/// <summary>
/// The embedded mode's store: everything in process memory, gone when the process stops. Merged hours are kept as the
/// very records the grains hold (a forecast grain's serving history reads them back: one copy, not two). Raw readings
/// are for audits and re-merging, which only the PostgreSQL store offers: nothing reads them back in this mode, so the
/// silo has them counted and not kept (`Storage:KeepRawInMemory`, off; at 5,000 places they were a fifth of the heap
/// after a 14-day backfill, and would grow for the 90 days of raw retention).
/// </summary>
/// <param name="keepRaw">Keep raw readings (<see cref="Raw"/> answers, <see cref="Sweep"/> removes them); else count them only.</param>
public sealed class InMemoryReadingStore(bool keepRaw = true) : IReadingStore
{
    /// <summary>The setting that keeps raw readings in the embedded mode's memory.</summary>
    public const string KeepRawSetting = "Storage:KeepRawInMemory";

    private readonly ConcurrentDictionary<string, SortedList<DateTime, CityHour>> _hours = new(StringComparer.Ordinal);
    // Raw readings are written (and swept) but never read back in this mode: kept compact (about 250 B a reading
    // instead of 480 with its dictionary), a few hundred per city after a backfill.
    private readonly ConcurrentDictionary<(string City, DateTime Hour, string Source), RawRow> _raw = new();
    private long _rawReceived;

    public string Kind => "memory";

    /// <summary>Raw readings saved since the start, kept or not.</summary>
    public long RawReceived => Interlocked.Read(ref _rawReceived);

    public Task SaveRawAsync(IReadOnlyList<SourceReading> readings, CancellationToken cancellationToken = default)
    {
        Interlocked.Add(ref _rawReceived, readings.Count);
        if (!keepRaw) return Task.CompletedTask;
        foreach (var r in readings) _raw[(r.CityId, r.Hour, r.Source)] = new RawRow(r);
        return Task.CompletedTask;
    }

    public Task SaveHoursAsync(string cityId, IReadOnlyList<CityHour> hours, CancellationToken cancellationToken = default)
    {
        var series = _hours.GetOrAdd(cityId, _ => []);
        lock (series)
            foreach (var h in hours) series[h.Hour] = Combine(series.GetValueOrDefault(h.Hour), h);
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

    /// <summary>The raw reading held for the city, hour and source, as it was saved; null when none is.</summary>
    public SourceReading? Raw(string cityId, DateTime hour, string source) =>
        _raw.TryGetValue((cityId, hour, source), out var row) ? row.ToReading(cityId, hour, source) : null;

    /// <summary>
    /// Applies retention: raw readings before <paramref name="rawCutoff"/>, merged hours before
    /// <paramref name="seriesCutoff"/> unless they hold imported values, and those before
    /// <paramref name="importedCutoff"/> when it is given. Answers (raw, hours) removed.
    /// </summary>
    public (long Raw, long Hours) Sweep(DateTime rawCutoff, DateTime seriesCutoff, DateTime? importedCutoff)
    {
        long raw = 0, hours = 0;
        foreach (var key in _raw.Keys)
            if (key.Hour < rawCutoff && _raw.TryRemove(key, out _)) raw++;
        foreach (var series in _hours.Values)
            lock (series)
            {
                var old = series.Values
                    .TakeWhile(h => h.Hour < seriesCutoff)
                    .Where(h => !IsImported(h) || (importedCutoff is { } c && h.Hour < c))
                    .Select(h => h.Hour)
                    .ToList();
                foreach (var hour in old) series.Remove(hour);
                hours += old.Count;
            }
        return (raw, hours);
    }

    /// <summary>
    /// Stores an hour value by value, as the PostgreSQL store does: a stored value stays when its source ranks above
    /// the incoming one (<see cref="MergePolicy"/>), so a stale writer never overwrites better data.
    /// </summary>
    private static CityHour Combine(CityHour? stored, CityHour incoming)
    {
        if (stored is null) return incoming;
        var values = stored.Values.ToDictionary(m => m.Pollutant);
        foreach (var m in incoming.Values)
            if (!values.TryGetValue(m.Pollutant, out var s) || MergePolicy.Priority(m.Source) <= MergePolicy.Priority(s.Source))
                values[m.Pollutant] = m;
        // The usual case: the grain merged the incoming hour from this very stored one, so it holds every value chosen
        // here (equal values: measurements are values); it is kept as it is, one record shared with the grains that
        // hold it rather than a second copy.
        if (values.Count == incoming.Values.Count && (incoming.Weather is not null || stored.Weather is null)
            && incoming.Values.All(m => values[m.Pollutant] == m))
            return incoming;
        return new CityHour(incoming.Hour, values.Values.OrderBy(m => m.Pollutant).ToArray(), incoming.Weather ?? stored.Weather);
    }

    private static bool IsImported(CityHour h) =>
        h.Values.Any(m => m.Source.StartsWith(CitySeriesSql.ImportPrefix, StringComparison.Ordinal));

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

    /// <summary>A raw reading without its key: the values as one array of pairs in the reading's order.</summary>
    private sealed class RawRow(SourceReading r)
    {
        private readonly KeyValuePair<Pollutant, double>[] _values = [.. r.Values];
        private readonly Weather? _weather = r.Weather;
        private readonly int? _reportedUsAqi = r.ReportedUsAqi;
        private readonly string? _reportedMainPollutant = r.ReportedMainPollutant;

        public SourceReading ToReading(string cityId, DateTime hour, string source) =>
            new(cityId, hour, source, _values.ToDictionary(), _weather, _reportedUsAqi, _reportedMainPollutant);
    }
}
