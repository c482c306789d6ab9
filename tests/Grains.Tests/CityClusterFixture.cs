using AirQuality.Grains.Hosting;
using AirQuality.Grains.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace AirQuality.Grains.Tests;

/// <summary>
/// An in-process Orleans cluster with the real grains, in-memory storage and reminders, its own fake clock for the
/// domain, short backfill (3 days) and a one-second minimum reminder period. The clock of the shared collection
/// fixture stands still; a test that moves time starts a cluster of its own (<see cref="StartAsync"/>).
/// </summary>
public sealed class CityTestCluster : IAsyncDisposable
{
    /// <summary>Where every cluster's domain clock starts: 10:59:58 UTC on a fixed day, so tests can cross an hour on purpose.</summary>
    public static readonly DateTimeOffset Start = new(2025, 11, 5, 10, 59, 58, TimeSpan.Zero);

    private CityTestCluster(FakeTimeProvider clock, InProcessTestCluster cluster)
    {
        Clock = clock;
        Cluster = cluster;
    }

    public FakeTimeProvider Clock { get; }

    public InProcessTestCluster Cluster { get; }

    public IGrainFactory Grains => Cluster.Client;

    public IServiceProvider Silo => Cluster.Silos[0].ServiceProvider;

    /// <summary>
    /// Starts a one-silo cluster. <paramref name="settings"/> override the defaults (poll every second, no offset, the
    /// poll watchdog off, nothing forecast); <paramref name="services"/> adds to the silo's services after the grains'.
    /// </summary>
    public static async Task<CityTestCluster> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var clock = new FakeTimeProvider(Start);
        var values = new Dictionary<string, string?>
        {
            ["Cities:BackfillDays"] = "3",
            ["Cities:PollPeriod"] = "00:00:01",
            ["Cities:PollOffset"] = "00:00:00",
            ["Cities:WatchdogPeriod"] = "00:00:00",
            // City tests need no models: without targets a cold start trains nothing, and a cluster stops at once.
            ["Forecasting:Targets"] = "",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) values[k] = v;
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(GrainStorage.Name);
            silo.UseInMemoryReminderService();
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        });
        builder.ConfigureSiloHost((_, host) =>
        {
            var config = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
            host.Services.AddSingleton<TimeProvider>(clock);
            host.Services.AddAirQualityGrains(config);
            services?.Invoke(host.Services);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new CityTestCluster(clock, cluster);
    }

    /// <summary>
    /// Ends the cluster without the graceful hand-over: a graceful stop waits 30 s for the rankings and source-health
    /// grains, whose deactivation writes to a memory storage already gone, and nothing of a test cluster needs saving.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var silo in Cluster.Silos.ToList()) await Cluster.KillSiloAsync(silo);
        await Cluster.DisposeAsync();
    }
}

/// <summary>The cluster the city collection shares. Its clock never moves: no test of the collection may change it.</summary>
public sealed class CityClusterFixture : IAsyncLifetime
{
    private CityTestCluster _cluster = null!;

    public InProcessTestCluster Cluster => _cluster.Cluster;

    public IGrainFactory Grains => _cluster.Grains;

    public async Task InitializeAsync() => _cluster = await CityTestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class CityClusterCollection : ICollectionFixture<CityClusterFixture>
{
    public const string Name = "city cluster";
}
