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
/// An in-process Orleans cluster with the real grains, in-memory storage and reminders, a fake clock for the
/// domain, short backfill (3 days) and a one-second minimum reminder period.
/// </summary>
public sealed class CityClusterFixture : IAsyncLifetime
{
    /// <summary>The domain clock: starts at 10:59:58 UTC on a fixed day so tests can cross an hour on purpose.</summary>
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2025, 11, 5, 10, 59, 58, TimeSpan.Zero));

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(GrainStorage.Name);
            silo.UseInMemoryReminderService();
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        });
        builder.ConfigureSiloHost((_, host) =>
        {
            var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Cities:BackfillDays"] = "3",
                ["Cities:PollPeriod"] = "00:00:01",
                ["Cities:PollOffset"] = "00:00:00",
            }).Build();
            host.Services.AddSingleton<TimeProvider>(Clock);
            host.Services.AddAirQualityGrains(config);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class CityClusterCollection : ICollectionFixture<CityClusterFixture>
{
    public const string Name = "city cluster";
}
