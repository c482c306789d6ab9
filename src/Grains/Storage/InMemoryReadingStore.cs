using AirQuality.Grains.Abstractions;
using System.Collections.Concurrent;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Ingestion;

namespace AirQuality.Grains.Storage;

/// <summary>
/// The embedded mode's store: everything in process memory, gone when the process stops. It holds every place's
/// merged hours and raw readings for the retention period, so it is the largest owner of memory in a silo with
/// thousands of places: hours and readings are kept as packed values (a pollutant, a source number and the value;
/// the weather inline) and rebuilt into <see cref="CityHour"/>s and <see cref="SourceReading"/>s when read, about a
/// third of their size as records.
/// </summary>
public sealed class InMemoryReadingStore : IReadingStore
{
    private readonly ConcurrentDictionary<string, SortedList<DateTime, StoredHour>> _hours = new(StringComparer.Ordinal);
    // Raw readings are written (and swept) but never read back by the service in this mode.
    private readonly ConcurrentDictionary<string, Dictionary<(DateTime Hour, int Source), RawRow>> _raw = new(StringComparer.Ordinal);
    private readonly SourceTable _sources = new();

    public string Kind => "memory";

    public Task SaveRawAsync(IReadOnlyList<SourceReading> readings, CancellationToken cancellationToken = default)
    {
        foreach (var r in readings)
        {
            var rows = _raw.GetOrAdd(r.CityId, _ => []);
            var row = new RawRow(r, _sources);
            lock (rows) rows[(r.Hour, _sources.Number(r.Source))] = row;
        }
        return Task.CompletedTask;
    }

    public Task SaveHoursAsync(string cityId, IReadOnlyList<CityHour> hours, CancellationToken cancellationToken = default)
    {
        var series = _hours.GetOrAdd(cityId, _ => []);
        lock (series)
            foreach (var h in hours)
                series[h.Hour] = series.TryGetValue(h.Hour, out var stored) ? Combine(stored, h) : StoredHour.Of(h, _sources);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<CityHour>> GetHoursAsync(string cityId, DateTime from, DateTime to, CancellationToken cancellationToken = default)
    {
        if (!_hours.TryGetValue(cityId, out var series)) return Task.FromResult<IReadOnlyList<CityHour>>([]);
        lock (series)
        {
            var (lo, hi) = Range(series, from, to);
            var list = new List<CityHour>(hi - lo);
            for (var i = lo; i < hi; i++) list.Add(series.Values[i].ToCityHour(series.Keys[i], _sources));
            return Task.FromResult<IReadOnlyList<CityHour>>(list);
        }
    }

    public Task<int> CountHoursAsync(string cityId, DateTime from, DateTime to, CancellationToken cancellationToken = default)
    {
        if (!_hours.TryGetValue(cityId, out var series)) return Task.FromResult(0);
        lock (series)
        {
            var (lo, hi) = Range(series, from, to);
            return Task.FromResult(hi - lo);
        }
    }

    /// <summary>Number of raw readings held (for tests and metrics).</summary>
    public int RawCount => _raw.Values.Sum(rows =>
    {
        lock (rows) return rows.Count;
    });

    /// <summary>The raw reading held for the city, hour and source, as it was saved; null when none is.</summary>
    public SourceReading? Raw(string cityId, DateTime hour, string source)
    {
        if (!_raw.TryGetValue(cityId, out var rows) || !_sources.TryFind(source, out var number)) return null;
        lock (rows) return rows.TryGetValue((hour, number), out var row) ? row.ToReading(cityId, hour, source, _sources) : null;
    }

    /// <summary>
    /// Applies retention: raw readings before <paramref name="rawCutoff"/>, merged hours before
    /// <paramref name="seriesCutoff"/> unless they hold imported values, and those before
    /// <paramref name="importedCutoff"/> when it is given. Answers (raw, hours) removed.
    /// </summary>
    public (long Raw, long Hours) Sweep(DateTime rawCutoff, DateTime seriesCutoff, DateTime? importedCutoff)
    {
        long raw = 0, hours = 0;
        foreach (var rows in _raw.Values)
            lock (rows)
            {
                var old = rows.Keys.Where(k => k.Hour < rawCutoff).ToList();
                foreach (var key in old) rows.Remove(key);
                raw += old.Count;
            }
        foreach (var series in _hours.Values)
            lock (series)
            {
                var old = new List<DateTime>();
                for (var i = 0; i < series.Count && series.Keys[i] < seriesCutoff; i++)
                    if (!IsImported(series.Values[i]) || (importedCutoff is { } c && series.Keys[i] < c)) old.Add(series.Keys[i]);
                foreach (var hour in old) series.Remove(hour);
                hours += old.Count;
            }
        return (raw, hours);
    }

    /// <summary>
    /// Stores an hour value by value, as the PostgreSQL store does: a stored value stays when its source ranks above
    /// the incoming one (<see cref="MergePolicy"/>), so a stale writer never overwrites better data.
    /// </summary>
    private StoredHour Combine(StoredHour stored, CityHour incoming)
    {
        var values = stored.Values.ToDictionary(v => v.Pollutant);
        foreach (var m in incoming.Values)
            if (!values.TryGetValue(m.Pollutant, out var s) || MergePolicy.Priority(m.Source) <= MergePolicy.Priority(_sources.Name(s.Source)))
                values[m.Pollutant] = new PackedValue(m.Pollutant, _sources.Number(m.Source), m.Value);
        var weather = incoming.Weather is { } w ? StoredWeather.Of(w, _sources) : stored.Weather;
        return new StoredHour([.. values.Values.OrderBy(v => v.Pollutant)], weather);
    }

    private bool IsImported(StoredHour h)
    {
        foreach (var v in h.Values)
            if (_sources.Name(v.Source).StartsWith(CitySeriesSql.ImportPrefix, StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>The index range of the hours in [from, to).</summary>
    private static (int Lo, int Hi) Range(SortedList<DateTime, StoredHour> series, DateTime from, DateTime to)
    {
        var keys = series.Keys;
        int lo = 0, hi = keys.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (keys[mid] < from) lo = mid + 1; else hi = mid;
        }
        var end = lo;
        while (end < keys.Count && keys[end] < to) end++;
        return (lo, end);
    }

    /// <summary>Source names as small numbers: a handful of names (`cpcb`, `import:openaq`) shared by millions of values.</summary>
    private sealed class SourceTable
    {
        private readonly ConcurrentDictionary<string, int> _numbers = new(StringComparer.Ordinal);
        private readonly Lock _adding = new();
        private volatile string[] _names = [];   // replaced whole on the rare add, so reads need no lock

        public int Number(string name) => _numbers.TryGetValue(name, out var n) ? n : Add(name);

        public bool TryFind(string name, out int number) => _numbers.TryGetValue(name, out number);

        public string Name(int number) => _names[number];

        private int Add(string name)
        {
            lock (_adding)
            {
                if (_numbers.TryGetValue(name, out var n)) return n;
                _names = [.. _names, name];
                _numbers[name] = _names.Length - 1;
                return _names.Length - 1;
            }
        }
    }

    private readonly record struct PackedValue(Pollutant Pollutant, int Source, double Value);

    /// <summary>An hour's weather inline; <see cref="Present"/> false for an hour without weather.</summary>
    private readonly struct StoredWeather
    {
        private readonly double _temperature, _humidity, _wind, _pressure;
        private readonly byte _has;   // bit 0-3: which of the four values are there; bit 7: weather present
        private readonly int _source; // -1 for none

        private StoredWeather(Weather w, int source)
        {
            (_temperature, _humidity, _wind, _pressure) = (w.TemperatureC ?? 0, w.HumidityPercent ?? 0, w.WindSpeedMs ?? 0, w.PressureHpa ?? 0);
            _has = (byte)(0x80 | (w.TemperatureC.HasValue ? 1 : 0) | (w.HumidityPercent.HasValue ? 2 : 0) | (w.WindSpeedMs.HasValue ? 4 : 0) | (w.PressureHpa.HasValue ? 8 : 0));
            _source = source;
        }

        public bool Present => (_has & 0x80) != 0;

        public static StoredWeather Of(Weather? w, SourceTable sources) =>
            w is null ? default : new StoredWeather(w, w.Source is { } s ? sources.Number(s) : -1);

        public Weather? ToWeather(SourceTable sources) => Present
            ? new Weather(Get(1, _temperature), Get(2, _humidity), Get(4, _wind), Get(8, _pressure), _source < 0 ? null : sources.Name(_source))
            : null;

        private double? Get(int bit, double value) => (_has & bit) != 0 ? value : null;
    }

    private readonly record struct StoredHour(PackedValue[] Values, StoredWeather Weather)
    {
        public static StoredHour Of(CityHour h, SourceTable sources)
        {
            var values = new PackedValue[h.Values.Count];
            for (var i = 0; i < values.Length; i++) values[i] = new PackedValue(h.Values[i].Pollutant, sources.Number(h.Values[i].Source), h.Values[i].Value);
            return new StoredHour(values, StoredWeather.Of(h.Weather, sources));
        }

        public CityHour ToCityHour(DateTime hour, SourceTable sources)
        {
            var values = new Measurement[Values.Length];
            for (var i = 0; i < values.Length; i++) values[i] = new Measurement(Values[i].Pollutant, Values[i].Value, sources.Name(Values[i].Source));
            return new CityHour(hour, values, Weather.ToWeather(sources));
        }
    }

    /// <summary>A raw reading without its key: the values as pairs in the reading's order, the weather inline.</summary>
    private readonly struct RawRow(SourceReading r, SourceTable sources)
    {
        private readonly (Pollutant Pollutant, double Value)[] _values = [.. r.Values.Select(kv => (kv.Key, kv.Value))];
        private readonly StoredWeather _weather = StoredWeather.Of(r.Weather, sources);
        private readonly int? _reportedUsAqi = r.ReportedUsAqi;
        private readonly string? _reportedMainPollutant = r.ReportedMainPollutant;

        public SourceReading ToReading(string cityId, DateTime hour, string source, SourceTable sources) =>
            new(cityId, hour, source, _values.ToDictionary(v => v.Pollutant, v => v.Value), _weather.ToWeather(sources), _reportedUsAqi, _reportedMainPollutant);
    }
}
