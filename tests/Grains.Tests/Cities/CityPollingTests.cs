using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Cities;
using AirQuality.Grains.Ingestion;
using AirQuality.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace AirQuality.Grains.Tests.Cities;

/// <summary>How a city polls: one poll at a time, a state write only on change, and the watchdog behind the reminder.</summary>
public sealed class CityPollingTests
{
    /// <summary>A source that counts its fetches and, when held, keeps them waiting until released.</summary>
    private sealed class GatedSource : IAirQualitySource
    {
        private TaskCompletionSource _release = Released();
        private int _fetches;

        public TaskCompletionSource Entered { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "gated";

        public int Priority => 50;

        public bool Enabled => true;

        public int Fetches => Volatile.Read(ref _fetches);

        public void Hold()
        {
            Entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        public void Release() => _release.TrySetResult();

        public async Task<SourceFetch> FetchAsync(City city, DateTime now, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _fetches);
            Entered.TrySetResult();
            await _release.Task.WaitAsync(cancellationToken);
            return new SourceFetch([new SourceReading(city.Id, Hours.Floor(now), Name, new Dictionary<Pollutant, double> { [Pollutant.Pm25] = 42 }, null)], []);
        }

        private static TaskCompletionSource Released()
        {
            var done = new TaskCompletionSource();
            done.SetResult();
            return done;
        }
    }

    private static Task<CityTestCluster> StartAsync(GatedSource gated, int maxConcurrentPolls = 32) =>
        // An hourly reminder: within a test only the start, requests and the watchdog poll.
        CityTestCluster.StartAsync(new Dictionary<string, string?>
            {
                ["Cities:PollPeriod"] = "01:00:00",
                ["Cities:MaxConcurrentPolls"] = maxConcurrentPolls.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            services => services.AddSingleton<IAirQualitySource>(gated));

    [Fact]
    public async Task Past_the_silos_bound_a_citys_poll_waits_for_a_slot_and_runs_when_one_frees()
    {
        var gated = new GatedSource();
        await using var cluster = await StartAsync(gated, maxConcurrentPolls: 1);
        var jaipur = cluster.Grains.GetGrain<ICityGrain>(GrainKeys.City("jaipur"));
        var kota = cluster.Grains.GetGrain<ICityGrain>(GrainKeys.City("kota"));
        await kota.GetCurrent();   // activated before the slot is taken, so its activation is not what is awaited below
        gated.Hold();
        var first = jaipur.PollNow();
        await gated.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using var queued = CountOf(cluster, "aq.city.polls_queued", expected: 1);
        var second = kota.PollNow();
        await queued.Reached.WaitAsync(TimeSpan.FromSeconds(30));
        // Kota waits for Jaipur's slot: no second fetch while the first is held, and its reads still answer.
        Assert.Equal(1, gated.Fetches);
        Assert.False(first.IsCompleted || second.IsCompleted);
        Assert.DoesNotContain(await kota.GetSourceStatus(), s => s.Source == "gated");

        gated.Release();
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, gated.Fetches);
        Assert.Equal(1, (await kota.GetSourceStatus()).Single(s => s.Source == "gated").ReadingsAccepted);
        Assert.Equal(0, cluster.Silo.GetRequiredService<PollSlots>().Running);
    }

    [Fact]
    public async Task The_start_timer_and_two_requests_at_once_make_one_fetch_and_all_see_its_result()
    {
        var gated = new GatedSource();
        await using var cluster = await StartAsync(gated);
        var city = cluster.Grains.GetGrain<ICityGrain>(GrainKeys.City("jaipur"));
        gated.Hold();
        await city.Start();   // a first start polls at once, by timer
        await gated.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using var joins = JoinsOf(cluster, expected: 2);
        var first = city.PollNow();
        var second = city.PollNow();
        // Both requests reached the city and joined the poll in flight before it may finish.
        await joins.Reached.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(first.IsCompleted || second.IsCompleted);
        Assert.Equal(1, gated.Fetches);

        gated.Release();
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, gated.Fetches);
        var status = (await city.GetSourceStatus()).Single(s => s.Source == "gated");
        Assert.Equal((1, 0), (status.ReadingsAccepted, status.ConsecutiveFailures));

        // Once it is done, the next request polls again.
        await city.PollNow();
        Assert.Equal(2, gated.Fetches);
    }

    /// <summary>Counts the polls of this cluster's cities that joined one in flight (the `aq.city.polls_joined` counter).</summary>
    private static JoinCounter JoinsOf(CityTestCluster cluster, int expected) => CountOf(cluster, "aq.city.polls_joined", expected);

    private static JoinCounter CountOf(CityTestCluster cluster, string counter, int expected) =>
        new(cluster.Silo.GetRequiredService<CityMetrics>().Meter, counter, expected);

    private sealed class JoinCounter : IDisposable
    {
        private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _count;

        public JoinCounter(System.Diagnostics.Metrics.Meter meter, string counter, int expected)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == meter && instrument.Name == counter) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
            {
                if (Interlocked.Add(ref _count, value) >= expected) _reached.TrySetResult();
            });
            _listener.Start();
        }

        public Task Reached => _reached.Task;

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task A_poll_that_brings_nothing_new_writes_no_state_and_a_new_hour_does()
    {
        var gated = new GatedSource();
        await using var cluster = await StartAsync(gated);
        var key = GrainKeys.City("jodhpur");
        var city = cluster.Grains.GetGrain<ICityGrain>(key);
        var storage = cluster.Silo.GetRequiredKeyedService<IGrainStorage>(GrainStorage.Name);
        async Task<string?> ETag()
        {
            var persisted = new GrainState<CityState>(new CityState());
            await storage.ReadStateAsync("city", GrainId.Create("city", key), persisted);
            return persisted.ETag;
        }

        await city.PollNow();   // new readings of the hour: written
        await city.PollNow();   // nothing new, but the sources' accepted counts fell to 0: written
        var settled = await ETag();
        await city.PollNow();
        await city.PollNow();
        Assert.Equal(settled, await ETag());
        Assert.Equal(4, gated.Fetches);
        Assert.All(await city.GetSourceStatus(), s => Assert.Equal(cluster.Clock.GetUtcNow().UtcDateTime, s.LastAttempt));

        cluster.Clock.Advance(TimeSpan.FromHours(1));
        await city.PollNow();
        Assert.NotEqual(settled, await ETag());
        Assert.Equal(Hours.Floor(cluster.Clock.GetUtcNow().UtcDateTime), (await city.GetCurrent())!.Timestamp);
    }

    [Fact]
    public async Task The_watchdog_restarts_a_city_not_heard_from_for_two_periods_and_then_finds_all_polling()
    {
        var gated = new GatedSource();
        await using var cluster = await StartAsync(gated);
        var watchdog = cluster.Grains.GetGrain<IPollWatchdogGrain>(GrainKeys.PollWatchdog);
        var city = cluster.Grains.GetGrain<ICityGrain>(GrainKeys.City("indore"));
        await city.PollNow();
        var quiet = await watchdog.Check();
        Assert.Empty(quiet.Stale);
        Assert.Equal((TimeSpan.FromHours(2), CityCatalog.Default.All.Count), (quiet.Threshold, quiet.Cities));

        // Three hours without a poll (the hourly reminder fires in real time, an hour away): every city is stale.
        cluster.Clock.Advance(TimeSpan.FromHours(3));
        var found = await watchdog.Check();
        Assert.Contains("indore", found.Stale);
        Assert.Equal(CityCatalog.Default.All.Count, found.Stale.Count);
        Assert.Equal(found.Stale.Count, found.Restarts);
        Assert.False(found.Healthy);
        Assert.Null(found.LastError);
        // Restarted means polled now, with the reminder registered again.
        Assert.Equal(cluster.Clock.GetUtcNow().UtcDateTime, (await city.GetSourceStatus()).Single(s => s.Source == "gated").LastAttempt);

        cluster.Clock.Advance(TimeSpan.FromHours(1));
        var after = await watchdog.Check();
        Assert.True(after.Healthy, string.Join(", ", after.Stale));
        Assert.Equal(found.Restarts, after.Restarts);
        Assert.Equal(after.CheckedAt, (await watchdog.GetStatus()).CheckedAt);
    }
}
