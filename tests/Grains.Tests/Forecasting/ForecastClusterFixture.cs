using AirQuality.Domain.Cities;
using AirQuality.Grains.Forecasting;
using AirQuality.Grains.Hosting;
using AirQuality.Grains.Ingestion;
using AirQuality.Grains.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace AirQuality.Grains.Tests.Forecasting;

/// <summary>A one-silo test cluster with in-memory stores the tests can see, 20 days of simulated Delhi history, quick training.</summary>
public sealed class ForecastClusterFixture : IAsyncLifetime
{
    public static readonly InMemoryReadingStore Readings = new();
    public static readonly InMemoryModelArtifactStore Artifacts = new();

    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var delhi = CityCatalog.Default.Resolve("Delhi")!;
        var now = DateTime.UtcNow;
        var to = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc);
        var hours = SimulatedSource.Range(delhi, to.AddDays(-20), to).Select(r => MergePolicy.Merge(r.Hour, null, [r])).ToList();
        await Readings.SaveHoursAsync(delhi.Id, hours);
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<Configurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.StopAllSilosAsync();

    private sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Forecasting:HistoryDays"] = "20",
                ["Forecasting:Targets"] = "pm25",
                ["Forecasting:LstmEnabled"] = "false",
                ["Forecasting:TrainingConcurrency"] = "1",
                ["Forecasting:Training:MaxTrainingRows"] = "4000",
                ["Forecasting:Training:ForestTrees"] = "20",
                ["Forecasting:Training:BoostingRounds"] = "40",
            }).Build();
            silo.AddMemoryGrainStorage(GrainStorage.Name);
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton<IReadingStore>(Readings);
            silo.Services.AddSingleton<IModelArtifactStore>(Artifacts);
            silo.Services.AddAirQualityGrains(config);
        }
    }
}
