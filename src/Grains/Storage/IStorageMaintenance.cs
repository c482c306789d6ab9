using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Storage;

/// <summary>Retention and partition upkeep of the reading store in use, run by <see cref="StorageMaintenanceGrain"/>.</summary>
public interface IStorageMaintenance
{
    /// <summary>Sweeps what retention says is too old at <paramref name="now"/> and prepares the coming days. Idempotent.</summary>
    Task<MaintenanceReport> RunAsync(DateTime now, CancellationToken cancellationToken = default);
}
