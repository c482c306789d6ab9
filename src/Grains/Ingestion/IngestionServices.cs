using AirQuality.Grains.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AirQuality.Grains.Ingestion;

/// <summary>Registers the real upstream sources (CPCB, OpenWeather, IQAir), their HTTP clients, budget, feed cache and health.</summary>
public static class IngestionServices
{
    /// <summary>
    /// Adds the three HTTP sources. Each is always registered and is on only with its key (environment
    /// `CPCB_API_KEY`, `OPENWEATHER_API_KEY`, `IQAIR_API_KEY`, or `Sources:&lt;Name&gt;:ApiKey`); the start log says
    /// which are on, once.
    /// </summary>
    public static IServiceCollection AddAirQualitySources(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SourceMonitor>();
        services.TryAddSingleton<SourceHealthReporter>();
        services.TryAddSingleton<IqAirBudget>();
        services.TryAddSingleton<CpcbFeed>();
        BindOptions<OpenWeatherOptions>(services, configuration, OpenWeatherOptions.Section, OpenWeatherOptions.KeyVariable);
        BindOptions<IqAirOptions>(services, configuration, IqAirOptions.Section, IqAirOptions.KeyVariable);
        BindOptions<CpcbOptions>(services, configuration, CpcbOptions.Section, CpcbOptions.KeyVariable);

        services.AddUpstreamClient<CpcbSource, CpcbOptions>(SourceNames.Cpcb);
        services.AddUpstreamClient<OpenWeatherSource, OpenWeatherOptions>(SourceNames.OpenWeather);
        services.AddUpstreamClient<IqAirSource, IqAirOptions>(SourceNames.IqAir)
            .AddHttpMessageHandler(sp => new IqAirBudget.RetryCounter(sp.GetRequiredService<IqAirBudget>()));

        // Transient, as typed clients are: each city grain activation takes its own, sharing the pipeline and state above.
        services.AddTransient<IAirQualitySource>(sp => sp.GetRequiredService<CpcbSource>());
        services.AddTransient<IAirQualitySource>(sp => sp.GetRequiredService<OpenWeatherSource>());
        services.AddTransient<IAirQualitySource>(sp => sp.GetRequiredService<IqAirSource>());
        services.AddHostedService<SourceAnnouncer>();
        return services;
    }

    private static void BindOptions<T>(IServiceCollection services, IConfiguration configuration, string section, string keyVariable)
        where T : UpstreamOptions
    {
        services.AddOptions<T>()
            .Bind(configuration.GetSection(section))
            .PostConfigure(o =>
            {
                var key = configuration[keyVariable];
                if (!string.IsNullOrWhiteSpace(key)) o.ApiKey = key.Trim();
            })
            .Validate(o => Uri.TryCreate(o.BaseUrl, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps),
                $"{section}:BaseUrl must be an absolute http(s) URL")
            .Validate(o => o.AttemptTimeout > TimeSpan.Zero && o.MaxRetries >= 0 && o.CircuitFailureRatio is > 0 and <= 1,
                $"{section}: AttemptTimeout must be positive, MaxRetries not negative, CircuitFailureRatio in (0, 1]")
            .ValidateOnStart();
    }
}

/// <summary>Says at start, once per source, whether it is on and why not; and declares each to the monitor.</summary>
public sealed class SourceAnnouncer(IServiceProvider services, SourceMonitor monitor, ILogger<SourceAnnouncer> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        Announce(SourceNames.Cpcb, "CPCB", services.GetRequiredService<IOptions<CpcbOptions>>().Value, CpcbOptions.KeyVariable);
        Announce(SourceNames.OpenWeather, "OpenWeather", services.GetRequiredService<IOptions<OpenWeatherOptions>>().Value, OpenWeatherOptions.KeyVariable);
        Announce(SourceNames.IqAir, "IQAir", services.GetRequiredService<IOptions<IqAirOptions>>().Value, IqAirOptions.KeyVariable);
        // Makes the budget say its plan now, not at the first poll.
        _ = services.GetRequiredService<IqAirBudget>();
        var simulated = services.GetServices<IAirQualitySource>().OfType<SimulatedSource>().FirstOrDefault();
        if (simulated is not null) monitor.Register(SourceNames.Simulated, simulated.Enabled, simulated.Enabled ? null : "a real source is keyed", http: false);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Announce(string source, string display, UpstreamOptions o, string keyVariable)
    {
        var hasKey = !string.IsNullOrWhiteSpace(o.ApiKey);
        string? off = !hasKey ? $"no {keyVariable}" : !o.Enabled ? "switched off (Enabled=false)" : null;
        monitor.Register(source, off is null, off, http: true);
        if (off is null) logger.LogInformation("{Source} source is ON: {BaseUrl}", display, o.BaseUrl);
        else logger.LogInformation("{Source} source is off: {Reason}", display, off);
    }
}
