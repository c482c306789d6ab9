using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Storage;
using AirQuality.TestSupport;
using Xunit.Abstractions;

namespace AirQuality.Integration.Tests.Outage;

/// <summary>
/// PostgreSQL going away under a running two-silo cluster (stopped for 30 s; switched to read-only), with steady reads
/// and readings arriving meanwhile: nothing the API answers fails, nothing written is lost, health says why it is
/// degraded and recovers by itself, and no silo stops.
/// </summary>
public sealed class DatabaseOutageTests(OutageCluster cluster, ITestOutputHelper output) : IClassFixture<OutageCluster>
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ReadOnlyHold = TimeSpan.FromSeconds(10);

    [SkippableFact]
    public async Task PostgreSQL_down_for_30_s_loses_nothing_fails_no_request_and_no_silo_stops()
    {
        Skip.If(cluster.Unavailable is not null, cluster.Unavailable);
        await cluster.WaitHealthyAsync(TimeSpan.FromSeconds(60), "a healthy start");
        var silosBefore = cluster.Silos();
        var first = OutageCluster.Readings(SourceNames.Cpcb, DateTime.UtcNow, 1, 5, 40);
        var second = OutageCluster.Readings(SourceNames.Cpcb, DateTime.UtcNow, 6, 5, 40);
        var expected = first.Values.Sum(v => v.Count) + second.Values.Sum(v => v.Count);
        var polls = await PollTimesAsync();

        var stoppedAt = DateTime.UtcNow;
        var degraded = new HealthWatch(cluster);
        await using (var load = new OutageCluster.Load(cluster.Http).Start())
        {
            await cluster.Postgres.StopServerAsync();
            var outage = Stopwatch.StartNew();
            try
            {
                Assert.Equal(expected / 2, await cluster.IngestAsync(first));
                // Across a poll: every city polls again while the database is down, then more readings arrive.
                await Eventually.UntilAsync(async () =>
                {
                    var now = await PollTimesAsync();
                    var waiting = now.Where(kv => kv.Value <= polls[kv.Key]).Select(kv => kv.Key).ToList();
                    return waiting.Count == 0 ? null : "not polled since the stop: " + string.Join(", ", waiting);
                }, TimeSpan.FromSeconds(25), "every city polling during the outage");
                Assert.Equal(expected / 2, await cluster.IngestAsync(second));
                await Eventually.UntilAsync(async () =>
                {
                    var h = await cluster.HealthAsync();
                    var db = h.GetProperty("database").GetString()!;
                    return h.GetProperty("status").GetString() == "degraded" && db.Contains("writes refused", StringComparison.Ordinal) ? null : h.ToString();
                }, TimeSpan.FromSeconds(20), "health saying the database is down and writes wait");
                var during = await cluster.HealthAsync();
                output.WriteLine($"health during the outage: {during.GetProperty("database").GetString()}");
                Assert.StartsWith("unavailable", during.GetProperty("database").GetString());
                // The outage lasts its full length while the reads go on (the length is the fault, not a wait for something).
                while (outage.Elapsed < Outage) await degraded.SampleAsync();
            }
            finally
            {
                await cluster.Postgres.StartServerAsync();
            }
            await cluster.WaitHealthyAsync(TimeSpan.FromSeconds(60), "health healthy again once PostgreSQL is back");
            var recovered = DateTime.UtcNow;
            var (raw, merged) = await cluster.StoredAsync(Merge(first, second));
            var states = await cluster.CityStatesWrittenSinceAsync(stoppedAt);
            var lost = (expected - raw) + (expected - merged);
            output.WriteLine($"PostgreSQL down {Outage.TotalSeconds:0} s: requests {load.Requests}, failed {load.Failures}, slowest {load.Slowest.TotalMilliseconds:0} ms; " +
                             $"readings written during the outage {expected} raw + {expected} merged, lost {lost}; city states written after it {states}/{OutageCluster.Cities.Length}; " +
                             $"degraded {(recovered - stoppedAt).TotalSeconds:0.0} s (database down {Outage.TotalSeconds:0} s, health degraded first {degraded.FirstDegradedAfter(stoppedAt)})");
            Assert.True(load.Failures == 0, string.Join("\n", load.FailureSamples));
            Assert.Equal(0, lost);
            Assert.Equal(OutageCluster.Cities.Length, states);
        }

        var silosAfter = cluster.Silos();
        Assert.Equal(silosBefore.Select(s => s.Address), silosAfter.Select(s => s.Address)); // the same silos, not restarted ones
        Assert.All(silosAfter, s => Assert.Equal(global::Orleans.Runtime.SiloStatus.Active, s.Status));
        Assert.All(silosAfter, s => Assert.False(s.Stopping));
        var health = await cluster.HealthAsync();
        Assert.Equal(2, health.GetProperty("cluster").GetProperty("active_silos").GetInt32());
        Assert.Equal("connected", health.GetProperty("database").GetString());
    }

    [SkippableFact]
    public async Task A_read_only_database_is_reported_in_health_and_metrics_and_nothing_is_lost_once_writable()
    {
        Skip.If(cluster.Unavailable is not null, cluster.Unavailable);
        await cluster.WaitHealthyAsync(TimeSpan.FromSeconds(60), "a healthy start");
        var refusals = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == WriteBufferMonitor.MeterName && instrument.Name == "aq.store.write_failures") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var t in tags)
                if (t.Key == "reason") lock (refusals) refusals.Add($"{t.Value}");
        });
        listener.Start();
        var first = OutageCluster.Readings(SourceNames.IqAir, DateTime.UtcNow, 1, 6, 90);
        var second = OutageCluster.Readings(SourceNames.IqAir, DateTime.UtcNow, 7, 6, 95);
        var readings = Merge(first, second);
        var expected = readings.Values.Sum(v => v.Count);

        var from = DateTime.UtcNow;
        var samples = 0;
        var notDegraded = new List<string>();
        await using var load = new OutageCluster.Load(cluster.Http).Start();
        await cluster.Postgres.SetReadOnlyAsync(true);
        var held = Stopwatch.StartNew();
        TimeSpan noticed;
        var readOnlyFor = TimeSpan.Zero;
        try
        {
            await Eventually.UntilAsync(async () =>
            {
                var h = await cluster.HealthAsync();
                return h.GetProperty("database").GetString()!.StartsWith("read-only", StringComparison.Ordinal) ? null : h.ToString();
            }, TimeSpan.FromSeconds(20), "health saying the database is read-only");
            noticed = held.Elapsed;
            Assert.Equal(expected / 2, await cluster.IngestAsync(first));
            await Eventually.UntilAsync(async () =>
            {
                var h = await cluster.HealthAsync();
                var checks = h.GetProperty("checks");
                var storage = checks.GetProperty("storage").GetProperty("description").GetString() ?? "";
                return storage.Contains("read-only", StringComparison.Ordinal) && storage.Contains("rows buffered", StringComparison.Ordinal) ? null : h.ToString();
            }, TimeSpan.FromSeconds(20), "health saying writes are refused and buffered");
            // The store stays read-only for ReadOnlyHold after health first said so (the length is the fault, not a
            // wait for something), more readings arrive half-way, and every health answer meanwhile says degraded.
            var secondSent = false;
            while (held.Elapsed < noticed + ReadOnlyHold)
            {
                if (!secondSent && held.Elapsed >= noticed + ReadOnlyHold / 2)
                {
                    Assert.Equal(expected / 2, await cluster.IngestAsync(second));
                    secondSent = true;
                }
                var h = await cluster.HealthAsync();
                samples++;
                if (h.GetProperty("status").GetString() != "degraded" || !h.GetProperty("database").GetString()!.StartsWith("read-only", StringComparison.Ordinal))
                    notDegraded.Add($"{held.Elapsed.TotalSeconds:0.0} s: {h}");
                using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
                await pace.WaitForNextTickAsync();
            }
            Assert.True(secondSent);
            lock (refusals) Assert.Contains("read-only", refusals);
        }
        finally
        {
            readOnlyFor = held.Elapsed;
            await cluster.Postgres.SetReadOnlyAsync(false);
        }
        var writable = Stopwatch.StartNew();
        await cluster.WaitHealthyAsync(TimeSpan.FromSeconds(60), "health healthy again once the database is writable");
        var toHealthy = writable.Elapsed;
        var degradedFor = DateTime.UtcNow - from;
        var (raw, merged) = await cluster.StoredAsync(readings);
        var lost = (expected - raw) + (expected - merged);
        await load.DisposeAsync();
        output.WriteLine($"PostgreSQL read-only for {readOnlyFor.TotalSeconds:0.0} s (health said read-only {noticed.TotalSeconds:0.0} s after the switch, then held {ReadOnlyHold.TotalSeconds:0} s): " +
                         $"requests {load.Requests}, failed {load.Failures}, slowest {load.Slowest.TotalMilliseconds:0} ms; health samples while held {samples}, not degraded {notDegraded.Count}; " +
                         $"readings written meanwhile {expected} raw + {expected} merged, lost {lost}; refusals counted in aq.store.write_failures {refusals.Count}; " +
                         $"healthy {toHealthy.TotalSeconds:0.0} s after writable; degraded {degradedFor.TotalSeconds:0.0} s in all");
        Assert.True(notDegraded.Count == 0, string.Join("\n", notDegraded));
        Assert.True(samples >= 10, $"only {samples} health samples while read-only");
        Assert.True(load.Failures == 0, string.Join("\n", load.FailureSamples));
        Assert.Equal(0, lost);
    }

    private async Task<Dictionary<string, DateTime>> PollTimesAsync()
    {
        var result = new Dictionary<string, DateTime>();
        foreach (var c in OutageCluster.Cities)
        {
            var status = await cluster.Grains.GetGrain<ICityGrain>(GrainKeys.City(c)).GetSourceStatus();
            result[c] = status.Select(s => s.LastAttempt ?? DateTime.MinValue).DefaultIfEmpty(DateTime.MinValue).Max();
        }
        return result;
    }

    private static Dictionary<string, List<SourceReading>> Merge(params Dictionary<string, List<SourceReading>>[] parts) =>
        parts.SelectMany(p => p).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.SelectMany(kv => kv.Value).ToList());

    /// <summary>Samples the health answer while a fault lasts, to say when it first turned degraded.</summary>
    private sealed class HealthWatch(OutageCluster cluster)
    {
        private DateTime? _firstDegraded;

        public async Task SampleAsync()
        {
            JsonElement h;
            try
            {
                h = await cluster.HealthAsync();
            }
            catch (HttpRequestException)
            {
                return;
            }
            if (h.GetProperty("status").GetString() != "healthy") _firstDegraded ??= DateTime.UtcNow;
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
            await timer.WaitForNextTickAsync();
        }

        public string FirstDegradedAfter(DateTime start) => _firstDegraded is { } t ? $"{(t - start).TotalSeconds:0.0} s after the stop" : "before sampling began";
    }
}
