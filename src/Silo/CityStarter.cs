using AirQuality.Domain.Cities;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains;
using AirQuality.Grains.Ingestion;

namespace AirQuality.Silo;

/// <summary>
/// Wakes every city of the catalog once the silo is up, so all of them poll and answer without waiting for a first
/// request. Starting is idempotent (a city's reminder is registered once), so every silo may do it.
/// </summary>
public sealed class CityStarter(
    IGrainFactory grains,
    CityCatalog catalog,
    SourceMonitor sources,
    ILogger<CityStarter> logger,
    IHostApplicationLifetime lifetime,
    ClusterSettings cluster) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var reg = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);
        if (!cluster.IsClustered)
            logger.LogWarning("Embedded mode: grain state, reminders and readings live in this process's memory and are lost when it stops. Set ConnectionStrings__Postgres for durable storage.");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        // A few at a time: first activation backfills history, and the silo must keep answering meanwhile.
        await Parallel.ForEachAsync(catalog.All, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = stoppingToken },
            async (city, ct) =>
            {
                try
                {
                    await grains.GetGrain<ICityGrain>(GrainKeys.City(city)).Start();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "City {City} failed to start", city.Name);
                }
            });
        logger.LogInformation("Started {Count} cities in {Seconds:0.0} s", catalog.All.Count, watch.Elapsed.TotalSeconds);
        // Sources that are off (no key) show in health at once, not only after a poll.
        await grains.GetGrain<ISourceHealthGrain>(GrainKeys.SourceHealth).Report([], sources.Snapshot());
    }
}
