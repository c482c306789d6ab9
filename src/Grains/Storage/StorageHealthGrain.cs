using AirQuality.Grains.Abstractions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace AirQuality.Grains.Storage;

/// <summary>The silos' latest reports of their writes to the store, in memory only (see <see cref="IStorageHealthGrain"/>).</summary>
[Reentrant]
public sealed class StorageHealthGrain(TimeProvider clock) : Grain, IStorageHealthGrain
{
    private readonly Dictionary<string, StoreWriteReport> _reports = new(StringComparer.Ordinal);

    public Task Report(StoreWriteReport report)
    {
        _reports[report.Silo] = report;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<StoreWriteReport>> GetReports(TimeSpan maxAge)
    {
        var since = clock.GetUtcNow().UtcDateTime - maxAge;
        foreach (var old in _reports.Where(r => r.Value.At < since).Select(r => r.Key).ToList()) _reports.Remove(old);
        return Task.FromResult<IReadOnlyList<StoreWriteReport>>([.. _reports.Values.OrderBy(r => r.Silo, StringComparer.Ordinal)]);
    }
}

/// <summary>Sends this silo's <see cref="WriteBufferMonitor"/> snapshot to the storage-health grain every report period.</summary>
internal sealed class StorageHealthReporter(IGrainFactory grains, WriteBufferMonitor monitor, ILocalSiloDetails silo, TimeProvider clock,
    IOptions<WriteBufferOptions> options, IHostApplicationLifetime lifetime, ILogger<StorageHealthReporter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        await using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Value.ReportPeriod, clock);
        do
        {
            try
            {
                await grains.GetGrain<IStorageHealthGrain>(GrainKeys.StorageHealth).Report(monitor.Snapshot(silo.Name));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogDebug("Storage health report not delivered: {Error}", ex.Message);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
