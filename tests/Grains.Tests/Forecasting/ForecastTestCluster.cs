using AirQuality.Grains.Forecasting;
using AirQuality.Grains.Hosting;
using AirQuality.Grains.Ingestion;
using AirQuality.Grains.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace AirQuality.Grains.Tests.Forecasting;

/// <summary>
/// The one-silo test cluster of the forecasting fixtures: memory grain storage and reminders, the given reading and
/// artifact stores, one target (pm25) on 20 days of history, no LSTM and quick training; settings add to or override these.
/// </summary>
public static class ForecastTestCluster
{
    public static InProcessTestCluster Build(IReadingStore readings, IModelArtifactStore artifacts, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Cities:WatchdogPeriod"] = "00:00:00",
            ["Forecasting:HistoryDays"] = "20",
            ["Forecasting:Targets"] = "pm25",
            ["Forecasting:LstmEnabled"] = "false",
            ["Forecasting:TrainingConcurrency"] = "1",
            // Normal priority: at nice 10 a machine busy with other work gives the training no CPU within the test's time.
            ["Forecasting:TrainingLowPriority"] = "false",
            ["Forecasting:Training:MaxTrainingRows"] = "4000",
            ["Forecasting:Training:ForestTrees"] = "20",
            ["Forecasting:Training:BoostingRounds"] = "40",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) values[key] = value;
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(GrainStorage.Name);
            silo.UseInMemoryReminderService();
        });
        builder.ConfigureSiloHost((_, host) =>
        {
            var config = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
            host.Services.AddSingleton(readings);
            host.Services.AddSingleton(artifacts);
            host.Services.AddAirQualityGrains(config);
        });
        return builder.Build();
    }
}
