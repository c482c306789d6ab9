using AirQuality.Grains.Abstractions;
using System.Diagnostics;
using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using AirQuality.Grains;
using AirQuality.Grains.Cities;
using AirQuality.Silo;
using AirQuality.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;
using Xunit.Abstractions;

namespace AirQuality.Integration.Tests.Orleans;

/// <summary>A three-silo cluster on PostgreSQL loses a silo without warning and carries on.</summary>
public sealed class SiloFailoverTests(PostgresClusterFixture fixture, ITestOutputHelper output) : IClassFixture<PostgresClusterFixture>
{
    private static readonly IReadOnlyList<City> Cities = CityCatalog.Default.All;

    [Fact]
    public async Task A_killed_silos_cities_answer_elsewhere_with_their_state_and_keep_polling()
    {
        var grains = fixture.Cluster.Client;
        await Task.WhenAll(Cities.Select(c => grains.GetGrain<ICityGrain>(GrainKeys.City(c)).Start()));

        // A mark only the persisted state can carry across: an imported value 5 hours back in every city's window.
        var markHour = Hour(DateTime.UtcNow).AddHours(-5);
        await Task.WhenAll(Cities.Select((c, i) => grains.GetGrain<ICityGrain>(GrainKeys.City(c)).Ingest(
            [new SourceReading(c.Id, markHour, SourceNames.ImportOpenAq, new Dictionary<Pollutant, double> { [Pollutant.Pm25] = Mark(i) }, null)])));
        var before = new Dictionary<string, int>();
        foreach (var c in Cities)
            before[c.Id] = (await grains.GetGrain<ICityGrain>(GrainKeys.City(c)).GetRecent(72)).Count;

        var placement = (await grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics())
            .Where(p => p.GrainId.Key.ToString()!.StartsWith(GrainKeys.CityPrefix, StringComparison.Ordinal)).ToList();
        Assert.Equal(Cities.Count, placement.Count);
        var victim = placement.GroupBy(p => p.SiloAddress).OrderByDescending(g => g.Count()).First();
        var moved = victim.Select(p => GrainKeys.CityIdOf(p.GrainId.Key.ToString()!)).ToHashSet();
        output.WriteLine($"cities per silo: {string.Join(", ", placement.GroupBy(p => p.SiloAddress).Select(g => $"{g.Key}={g.Count()}"))}; killing {victim.Key}");

        var budget = FailureDetection.Budget(fixture.Membership);
        await fixture.Cluster.KillSiloAsync(fixture.Cluster.GetActiveSilos().Single(s => s.SiloAddress.Equals(victim.Key)));
        var killedAt = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();

        var waiting = Cities.ToDictionary(c => c.Id, c => (Index: Cities.ToList().IndexOf(c), City: c));
        var failures = 0;
        // Each city grain is asked until it answers with its state: a call to a grain on the killed silo fails (or
        // times out) until the cluster has declared it dead, and is asked again.
        await Eventually.UntilAsync(async () =>
        {
            foreach (var (id, (index, city)) in waiting.ToList())
            {
                try
                {
                    var grain = grains.GetGrain<ICityGrain>(GrainKeys.City(city));
                    var current = await grain.GetCurrent().WaitAsync(TimeSpan.FromSeconds(2));
                    var window = await grain.GetRecent(72).WaitAsync(TimeSpan.FromSeconds(2));
                    Assert.NotNull(current);
                    var marked = window.Single(h => h.Hour == markHour).Values.Single(m => m.Pollutant == Pollutant.Pm25);
                    Assert.Equal((Mark(index), SourceNames.ImportOpenAq), (marked.Value, marked.Source));
                    Assert.True(window.Count >= before[id], $"{id}: window shrank from {before[id]} to {window.Count}");
                    waiting.Remove(id);
                }
                catch (Exception ex) when (ex is TimeoutException or OrleansException or SiloUnavailableException)
                {
                    failures++;
                }
            }
            return waiting.Count == 0 ? null : $"{waiting.Count} cities not answering, e.g. {string.Join(", ", waiting.Keys.Take(5))}";
        }, budget * 3, "every city answering with its state after the kill");
        var recovered = clock.Elapsed;
        output.WriteLine($"{moved.Count} cities on the killed silo; all {Cities.Count} answered with their state {recovered.TotalSeconds:0.0} s after the kill " +
                         $"({failures} failed calls); failure-detection budget {budget.TotalSeconds:0.0} s");
        Assert.Empty(waiting);
        Assert.True(recovered <= budget, $"recovery took {recovered.TotalSeconds:0.0} s, budget {budget.TotalSeconds:0.0} s");
        var now = await grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        Assert.DoesNotContain(now, p => p.SiloAddress.Equals(victim.Key));

        // Reminders live in PostgreSQL: the moved cities' hourly poll now fires on the survivors. They take the dead
        // silo's range when membership declares it dead (within the budget) or, at the latest, at their next periodic
        // re-read of the table; then the 3 s period. Twice that, as the test machine may be busy with other suites.
        var polledAgain = Stopwatch.StartNew();
        var pollDeadline = 4 * (budget + PostgresClusterFixture.RefreshReminderListPeriod + TimeSpan.FromSeconds(3)) + TimeSpan.FromSeconds(30);
        foreach (var id in moved)
        {
            IReadOnlyList<SourcePollStatus> status = [];
            try
            {
                await Eventually.UntilAsync(async () =>
                {
                    status = await grains.GetGrain<ICityGrain>(GrainKeys.City(id)).GetSourceStatus();
                    return status.Any(s => s.Source == SourceNames.Simulated && s.LastAttempt > killedAt);
                }, pollDeadline - polledAgain.Elapsed, $"{id} polling again");
            }
            catch (TimeoutException)
            {
                // What the cluster thinks of the killed silo, and what the city last recorded: the facts a failure needs.
                var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: false);
                var last = status.FirstOrDefault(s => s.Source == SourceNames.Simulated)?.LastAttempt;
                var storage = fixture.Cluster.GetActiveSilos().First().ServiceProvider.GetRequiredKeyedService<IGrainStorage>(AirQuality.Grains.Storage.GrainStorage.Name);
                var persisted = new GrainState<CityState>(new CityState());
                await storage.ReadStateAsync("city", GrainId.Create("city", GrainKeys.City(id)), persisted);
                var stored = persisted.State!.Sources.GetValueOrDefault(SourceNames.Simulated)?.LastAttempt;
                Assert.Fail($"{id} has not polled within {pollDeadline.TotalSeconds:0} s of the recovery; killed silo is " +
                            $"{(hosts.TryGetValue(victim.Key, out var st) ? st.ToString() : "unknown")} in the membership table; " +
                            $"its last simulated poll {last:O} (persisted: {stored:O}), kill at {killedAt:O}, now {DateTime.UtcNow:O}");
            }
        }
        output.WriteLine($"every moved city polled again by reminder within {(DateTime.UtcNow - killedAt).TotalSeconds:0.0} s of the kill");
    }

    [Fact]
    public async Task Grain_storage_refuses_a_stale_etag_and_keeps_a_cleared_version()
    {
        var storage = fixture.Cluster.GetActiveSilos().First().ServiceProvider.GetRequiredKeyedService<IGrainStorage>(AirQuality.Grains.Storage.GrainStorage.Name);
        var id = GrainId.Create("city", GrainKeys.City("storage-test-" + Guid.NewGuid().ToString("N")[..8]));
        var hour = Hour(DateTime.UtcNow);
        var mine = new GrainState<CityState>(new CityState { BackfilledAt = hour, Window = [new CityHour(hour, [new Measurement(Pollutant.Pm25, 41.5, SourceNames.Cpcb)], null)] });
        await storage.WriteStateAsync("city", id, mine);

        var theirs = new GrainState<CityState>(new CityState());
        await storage.ReadStateAsync("city", id, theirs);
        Assert.True(theirs.RecordExists);
        Assert.Equal(41.5, theirs.State!.Window.Single().Get(Pollutant.Pm25));
        Assert.Equal(hour, theirs.State.BackfilledAt);

        mine.State!.BackfilledAt = hour.AddHours(1);
        await storage.WriteStateAsync("city", id, mine);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("city", id, theirs));

        await storage.ClearStateAsync("city", id, mine);
        var after = new GrainState<CityState>(new CityState());
        await storage.ReadStateAsync("city", id, after);
        Assert.False(after.RecordExists);
        Assert.Empty(after.State!.Window);
        Assert.Equal(mine.ETag, after.ETag);
    }

    private static double Mark(int index) => 100 + index * 0.125;

    private static DateTime Hour(DateTime t) => new(t.Year, t.Month, t.Day, t.Hour, 0, 0, DateTimeKind.Utc);
}
