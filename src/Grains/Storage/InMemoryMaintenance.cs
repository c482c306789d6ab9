using AirQuality.Grains.Abstractions;
using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace AirQuality.Grains.Storage;

/// <summary>Retention of the embedded mode's in-memory store, so a long-running embedded process stays bounded.</summary>
public sealed class InMemoryMaintenance(IReadingStore store, IOptions<RetentionOptions> retention) : IStorageMaintenance
{
    public Task<MaintenanceReport> RunAsync(DateTime now, CancellationToken cancellationToken = default)
    {
        var rules = retention.Value;
        rules.Validate();
        var watch = Stopwatch.StartNew();
        var (raw, hours) = store is InMemoryReadingStore memory
            ? memory.Sweep(now.AddDays(-rules.RawDays), now.AddDays(-rules.SeriesDays), rules.ImportedDays is { } d ? now.AddDays(-d) : null)
            : (0, 0);
        return Task.FromResult(new MaintenanceReport(now, store.Kind, 0, 0, raw, hours, 0, 0, watch.Elapsed));
    }
}
