using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Alerts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AirQuality.Grains.Hosting;

/// <summary>Registers what the bulletin, GRAP and alerts need on a silo.</summary>
public static class OutlookServices
{
    public static IServiceCollection AddAirQualityOutlooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddHostedService<BulletinScheduleStarter>();
        services.AddOptions<AlertOptions>().Bind(configuration.GetSection(AlertOptions.Section));
        WebhookSender.Register(services);
        services.AddHostedService<AlertScheduleStarter>();
        return services;
    }
}

/// <summary>Registers the daily bulletin reminder once the silo is up (idempotent, so every silo may do it).</summary>
internal sealed class BulletinScheduleStarter(IGrainFactory grains, IHostApplicationLifetime lifetime, ILogger<BulletinScheduleStarter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        await using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);
        try
        {
            await grains.GetGrain<IBulletinScheduleGrain>(GrainKeys.BulletinSchedule).Start();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Could not schedule the daily bulletin; it is composed on request until a silo schedules it");
        }
    }
}

/// <summary>Registers the periodic alert check's reminder once the silo is up (idempotent, so every silo may do it).</summary>
internal sealed class AlertScheduleStarter(IGrainFactory grains, IHostApplicationLifetime lifetime, ILogger<AlertScheduleStarter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        await using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);
        try
        {
            await grains.GetGrain<IAlertScheduleGrain>(GrainKeys.AlertSchedule).Start();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Could not schedule the periodic alert check; alerts still follow city changes");
        }
    }
}
