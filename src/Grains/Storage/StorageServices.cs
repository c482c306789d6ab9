using AirQuality.Grains.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AirQuality.Grains.Storage;

/// <summary>Registers the reading store: PostgreSQL when `ConnectionStrings:Postgres` is set, process memory otherwise.</summary>
public static class StorageServices
{
    public static IServiceCollection AddReadingStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.Section));
        services.AddOptions<MaintenanceOptions>().Bind(configuration.GetSection(MaintenanceOptions.Section));
        services.AddOptions<WriteBufferOptions>().Bind(configuration.GetSection(WriteBufferOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WriteBufferMonitor>();
        var connectionString = configuration.GetConnectionString("Postgres");
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            services.TryAddSingleton(_ => new ReadingsDatabase(connectionString));
            // Writes the database refuses (down, read-only, full) wait in the silo's write buffer until it takes them.
            services.TryAddSingleton<PostgresReadingStore>();
            services.TryAddSingleton<BufferedReadingStore>();
            services.TryAddSingleton<IReadingStore>(sp => sp.GetRequiredService<BufferedReadingStore>());
            services.TryAddSingleton<IStorageMaintenance, PostgresMaintenance>();
        }
        else
        {
            var keepRaw = configuration.GetValue(InMemoryReadingStore.KeepRawSetting, false);
            services.TryAddSingleton<IReadingStore>(_ => new InMemoryReadingStore(keepRaw));
            services.TryAddSingleton<IStorageMaintenance, InMemoryMaintenance>();
        }
        services.AddHostedService<StorageMaintenanceStarter>();
        services.AddHostedService<StorageHealthReporter>();
        return services;
    }
}

/// <summary>Registers the maintenance reminder once the silo is up (idempotent, so every silo may do it).</summary>
internal sealed class StorageMaintenanceStarter(IGrainFactory grains, IHostApplicationLifetime lifetime, ILogger<StorageMaintenanceStarter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        await using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);
        try
        {
            await grains.GetGrain<IStorageMaintenanceGrain>(GrainKeys.StorageMaintenance).Start();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Could not schedule storage maintenance; retention will not run until a silo schedules it");
        }
    }
}
