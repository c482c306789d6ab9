using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Training;
using AirQuality.Grains.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AirQuality.Grains.Forecasting;

/// <summary>Registers forecasting: the families, the trainer, the training queue (PostgreSQL or memory, as the other stores) and worker, and the artifact store.</summary>
public static class ForecastServices
{
    public static IServiceCollection AddAirQualityForecasting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ForecastOptions>().Bind(configuration.GetSection(ForecastOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ForecastOptions>, ForecastOptionsValidation>());
        services.TryAddSingleton<IModelArtifactStore>(sp =>
        {
            var cs = configuration.GetConnectionString("Postgres");
            return string.IsNullOrWhiteSpace(cs) ? new InMemoryModelArtifactStore() : new PostgresModelArtifactStore(NpgsqlDataSource.Create(cs));
        });
        services.TryAddSingleton<AirQuality.Forecasting.Global.GlobalModelSet>();
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<ForecastOptions>>().Value;
            var perCity = o.PerCityFamilyList;
            var families = ForecastTrainer.DefaultFamilies(o.LstmEnabled ? null : "disabled by configuration (Forecasting:LstmEnabled=false)")
                .Where(f => perCity.Contains(f.Family)).ToList();
            // The global family: one shared model per target, each city fitting only its level offsets.
            if (o.Global.Enabled)
                families = [.. families, new AirQuality.Forecasting.Global.GlobalFamily(sp.GetRequiredService<AirQuality.Forecasting.Global.GlobalModelSet>(), o.Global.Training)];
            return new ForecastTrainer(families, o.Training);
        });
        services.TryAddSingleton<ITrainingQueue>(sp =>
        {
            var cs = configuration.GetConnectionString("Postgres");
            return string.IsNullOrWhiteSpace(cs) ? new InMemoryTrainingQueue(sp.GetService<TimeProvider>() ?? TimeProvider.System) : new PostgresTrainingQueue(NpgsqlDataSource.Create(cs));
        });
        services.TryAddSingleton<ServingModels>();
        services.TryAddSingleton<ITrainingRunner, ForecastTrainingRunner>();
        services.TryAddSingleton<ITrainingResults, GrainTrainingResults>();
        services.TryAddSingleton(sp =>
        {
            var silo = sp.GetRequiredService<Orleans.Runtime.ILocalSiloDetails>();
            return new TrainingWorkerIdentity($"{silo.Name}@{silo.SiloAddress.Endpoint}");
        });
        services.TryAddSingleton<TrainingWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<TrainingWorker>());
        services.TryAddSingleton<GlobalTraining>();
        services.AddHostedService<GlobalModelSync>();
        return services;
    }
}
