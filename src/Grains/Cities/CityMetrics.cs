using System.Diagnostics.Metrics;

namespace AirQuality.Grains.Cities;

/// <summary>
/// This process's figures of city polling, on the meter <see cref="MeterName"/>: polls run, polls that joined one
/// already in flight, polls that waited for a slot, and the poll watchdog's restarts and stale count (the process hosting the watchdog reports them).
/// </summary>
public sealed class CityMetrics : IDisposable
{
    public const string MeterName = "AirQuality.Cities";

    private readonly Meter _meter;
    private readonly Counter<long> _polls;
    private readonly Counter<long> _joined;
    private readonly Counter<long> _restarts;
    private readonly Counter<long> _queued;
    private int _stale;

    public CityMetrics(IMeterFactory? meters = null)
    {
        _meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _polls = _meter.CreateCounter<long>("aq.city.polls", description: "City polls run, by trigger (reminder, start, admin, watchdog)");
        _joined = _meter.CreateCounter<long>("aq.city.polls_joined", description: "Poll requests that joined the poll already in flight instead of fetching again");
        _queued = _meter.CreateCounter<long>("aq.city.polls_queued", description: "Polls that waited for a slot (Cities:MaxConcurrentPolls were running)");
        _restarts = _meter.CreateCounter<long>("aq.city.poll_watchdog_restarts", description: "Cities whose polling the watchdog restarted (reminder re-registered, polled)");
        _meter.CreateObservableGauge("aq.city.poll_stale", () => Volatile.Read(ref _stale),
            description: "Cities the poll watchdog's latest check found not polling for two periods");
    }

    /// <summary>The meter the figures are published on (one per process, or per test silo).</summary>
    public Meter Meter => _meter;

    public void Polled(string trigger) => _polls.Add(1, new KeyValuePair<string, object?>("trigger", trigger));

    public void Joined() => _joined.Add(1);

    public void Queued() => _queued.Add(1);

    public void Checked(int stale) => Volatile.Write(ref _stale, stale);

    public void Restarted() => _restarts.Add(1);

    public void Dispose() => _meter.Dispose();
}
