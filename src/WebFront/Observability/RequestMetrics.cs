using System.Diagnostics;

namespace AirQuality.WebFront.Observability;

/// <summary>
/// Request rate, latency percentiles and error rates over the last minute, kept in 60 one-second slots of
/// log-scaled latency buckets: recording is a few interlocked increments, reading merges at most 60 slots.
/// </summary>
public sealed class RequestMetrics
{
    private const int Slots = 60;
    private const int Buckets = 96; // 2^(i/8) microseconds: 1 µs .. ~4000 s, about 9 % per bucket

    private readonly Slot[] _slots = Enumerable.Range(0, Slots).Select(_ => new Slot()).ToArray();
    private readonly long _startedTicks = Stopwatch.GetTimestamp();
    private long _total;
    private long _errors5xx;
    private long _errors4xx;

    private sealed class Slot
    {
        public long Second = -1;
        public readonly long[] Counts = new long[Buckets];
        public long Requests;
        public long ServerErrors;
        public long ClientErrors;
    }

    public void Record(TimeSpan duration, int statusCode)
    {
        var second = (long)Stopwatch.GetElapsedTime(_startedTicks).TotalSeconds;
        var slot = _slots[second % Slots];
        if (Volatile.Read(ref slot.Second) != second)
        {
            lock (slot)
            {
                if (slot.Second != second)
                {
                    Array.Clear(slot.Counts);
                    slot.Requests = slot.ServerErrors = slot.ClientErrors = 0;
                    Volatile.Write(ref slot.Second, second);
                }
            }
        }
        var micros = Math.Max(1, duration.TotalMicroseconds);
        var bucket = Math.Clamp((int)(Math.Log2(micros) * 8), 0, Buckets - 1);
        Interlocked.Increment(ref slot.Counts[bucket]);
        Interlocked.Increment(ref slot.Requests);
        Interlocked.Increment(ref _total);
        if (statusCode >= 500)
        {
            Interlocked.Increment(ref slot.ServerErrors);
            Interlocked.Increment(ref _errors5xx);
        }
        else if (statusCode >= 400)
        {
            Interlocked.Increment(ref slot.ClientErrors);
            Interlocked.Increment(ref _errors4xx);
        }
    }

    /// <summary>Figures over the last full minute (or since start when younger).</summary>
    public RequestMetricsSnapshot Snapshot()
    {
        var elapsed = Stopwatch.GetElapsedTime(_startedTicks).TotalSeconds;
        var now = (long)elapsed;
        var merged = new long[Buckets];
        long requests = 0, server = 0, client = 0;
        foreach (var s in _slots)
        {
            var second = Volatile.Read(ref s.Second);
            if (second < 0 || second <= now - Slots || second > now) continue;
            for (var i = 0; i < Buckets; i++) merged[i] += Interlocked.Read(ref s.Counts[i]);
            requests += Interlocked.Read(ref s.Requests);
            server += Interlocked.Read(ref s.ServerErrors);
            client += Interlocked.Read(ref s.ClientErrors);
        }
        var window = Math.Clamp(elapsed, 1, Slots);
        return new RequestMetricsSnapshot(
            Math.Round(requests / window, 2),
            requests,
            Percentile(merged, requests, 0.50),
            Percentile(merged, requests, 0.95),
            Percentile(merged, requests, 0.99),
            requests == 0 ? 0 : Math.Round((double)server / requests, 4),
            requests == 0 ? 0 : Math.Round((double)client / requests, 4),
            Interlocked.Read(ref _total),
            Interlocked.Read(ref _errors5xx),
            Interlocked.Read(ref _errors4xx));
    }

    private static double Percentile(long[] buckets, long count, double q)
    {
        if (count == 0) return 0;
        var rank = (long)Math.Ceiling(q * count);
        long seen = 0;
        for (var i = 0; i < buckets.Length; i++)
        {
            seen += buckets[i];
            // Upper edge of the bucket, in milliseconds: a conservative percentile.
            if (seen >= rank) return Math.Round(Math.Pow(2, (i + 1) / 8.0) / 1000.0, 3);
        }
        return Math.Round(Math.Pow(2, buckets.Length / 8.0) / 1000.0, 3);
    }
}

/// <param name="RequestsPerSecond">Mean request rate over the window (the last minute).</param>
/// <param name="P50Ms">Median response time in milliseconds (bucket upper edge, within 9 %).</param>
/// <param name="ServerErrorRate">Share of 5xx answers in the window.</param>
/// <param name="ClientErrorRate">Share of 4xx answers in the window.</param>
public sealed record RequestMetricsSnapshot(
    double RequestsPerSecond,
    long RequestsLastMinute,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double ServerErrorRate,
    double ClientErrorRate,
    long RequestsTotal,
    long ServerErrorsTotal,
    long ClientErrorsTotal);

/// <summary>Times every request into <see cref="RequestMetrics"/>.</summary>
public sealed class RequestMetricsMiddleware(RequestDelegate next, RequestMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            metrics.Record(Stopwatch.GetElapsedTime(start), context.Response.StatusCode);
        }
    }
}
