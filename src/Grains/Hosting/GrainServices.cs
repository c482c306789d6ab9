using AirQuality.Domain.Cities;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Cities;
using AirQuality.Grains.Forecasting;
using AirQuality.Grains.Ingestion;
using AirQuality.Grains.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AirQuality.Grains.Hosting;

/// <summary>Registers what the grains need: the catalog, the sources, the reading store, the clock.</summary>
public static class GrainServices
{
    public static IServiceCollection AddAirQualityGrains(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CityOptions>().Bind(configuration.GetSection(CityOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CityOptions>, CityOptionsValidation>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddCityCatalog(configuration);
        services.AddReadingStore(configuration);
        services.TryAddSingleton<CityMetrics>();
        services.TryAddSingleton<PollSlots>();
        services.TryAddSingleton<Quality.QualityMetrics>();
        services.TryAddTransient<CityParts>();
        services.AddHostedService<PollWatchdogService>();
        services.AddSingleton<IAirQualitySource>(sp =>
        {
            // The simulator runs when asked to, or by default when no real source is keyed.
            var setting = configuration["Sources:Simulated:Enabled"];
            var anyKey = new[] { "CPCB_API_KEY", "OPENWEATHER_API_KEY", "IQAIR_API_KEY" }.Any(k => !string.IsNullOrWhiteSpace(configuration[k]));
            var enabled = setting is null ? !anyKey : bool.TryParse(setting, out var b) && b;
            var log = sp.GetRequiredService<ILoggerFactory>().CreateLogger("AirQuality.Sources");
            log.LogInformation(enabled
                ? "Simulated source is ON: every value it produces is labelled 'simulated'"
                : "Simulated source is off");
            return new SimulatedSource(enabled);
        });
        services.AddAirQualitySources(configuration);
        services.AddAirQualityForecasting(configuration);
        services.AddAirQualityOutlooks(configuration);
        return services;
    }
}
