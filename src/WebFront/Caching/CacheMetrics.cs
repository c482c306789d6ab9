using System.Diagnostics.Metrics;

namespace AirQuality.WebFront.Caching;

/// <summary>Hit and miss counts of the answer cache, for /api/v1/metrics and the Prometheus endpoint.</summary>
public sealed class CacheMetrics
{
    public const string MeterName = "AirQuality.WebFront";

    private long _hits;
    private long _misses;
    private readonly Counter<long> _hitCounter;
    private readonly Counter<long> _missCounter;
    private readonly Counter<long> _staleCounter;
    private long _stale;

    public CacheMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _hitCounter = meter.CreateCounter<long>("aq.cache.hits", description: "API answers served from the cache");
        _missCounter = meter.CreateCounter<long>("aq.cache.misses", description: "API answers computed because the cache had none");
        _staleCounter = meter.CreateCounter<long>("aq.cache.stale", description: "last known answers served, marked stale, because the grains did not answer in time");
    }

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    public long StaleServed => Interlocked.Read(ref _stale);

    private long _servedAhead;

    /// <summary>Hits served by <see cref="ReadyAnswerMiddleware"/> ahead of routing (counted as hits too).</summary>
    public long ServedAheadOfRouting => Interlocked.Read(ref _servedAhead);

    public void ServedAhead() => Interlocked.Increment(ref _servedAhead);

    public double HitRate => Hits + Misses == 0 ? 0 : (double)Hits / (Hits + Misses);

    public void Hit(string kind)
    {
        Interlocked.Increment(ref _hits);
        _hitCounter.Add(1, new KeyValuePair<string, object?>("answer", kind));
    }

    public void Miss(string kind)
    {
        Interlocked.Increment(ref _misses);
        _missCounter.Add(1, new KeyValuePair<string, object?>("answer", kind));
    }

    public void Stale(string kind)
    {
        Interlocked.Increment(ref _stale);
        _staleCounter.Add(1, new KeyValuePair<string, object?>("answer", kind));
    }
}
