using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Quality;

/// <summary>
/// This process's data-quality figures on the meter <see cref="MeterName"/>: flags raised (`aq.quality.flags`, a
/// counter) and flags on now (`aq.quality.flags_active`, a gauge over the cities active here), both tagged with
/// `flag` and `source`.
/// </summary>
public sealed class QualityMetrics : IDisposable
{
    public const string MeterName = "AirQuality.Quality";

    private readonly Meter _meter;
    private readonly Counter<long> _raised;
    private readonly ConcurrentDictionary<string, IReadOnlyList<QualityFlag>> _active = new(StringComparer.Ordinal);

    public QualityMetrics(IMeterFactory? meters = null)
    {
        _meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _raised = _meter.CreateCounter<long>("aq.quality.flags", description: "Data-quality flags raised on a city's source (stale, stuck, out_of_range, negative, duplicate_station)");
        _meter.CreateObservableGauge("aq.quality.flags_active", Active,
            description: "Data-quality flags on now, over the cities active in this process");
    }

    public Meter Meter => _meter;

    /// <summary>A city's flags after a check: each one not on before is counted as raised.</summary>
    public void Checked(string cityId, IReadOnlyList<QualityFlag> flags)
    {
        var before = _active.TryGetValue(cityId, out var b) ? b.Select(Key).ToHashSet() : [];
        foreach (var f in flags)
            if (!before.Contains(Key(f)))
                _raised.Add(1, new KeyValuePair<string, object?>("flag", f.Flag), new KeyValuePair<string, object?>("source", f.Source));
        _active[cityId] = flags;
    }

    /// <summary>A city no longer active here (its flags are counted where it is now).</summary>
    public void Forget(string cityId) => _active.TryRemove(cityId, out _);

    private IEnumerable<Measurement<int>> Active() =>
        _active.Values.SelectMany(f => f).GroupBy(f => (f.Flag, f.Source))
            .Select(g => new Measurement<int>(g.Count(), new KeyValuePair<string, object?>("flag", g.Key.Flag), new KeyValuePair<string, object?>("source", g.Key.Source)));

    private static (string, string, string?) Key(QualityFlag f) => (f.Flag, f.Source, f.Pollutant);

    public void Dispose() => _meter.Dispose();
}
