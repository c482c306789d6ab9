using Orleans.Concurrency;

namespace AirQuality.Grains.Abstractions;

/// <summary>
/// The singleton that keeps the readings store in shape: a daily reminder applies the retention rules and creates
/// the partitions the coming days need. Every run is idempotent: a second run finds nothing to do.
/// </summary>
public interface IStorageMaintenanceGrain : IGrainWithStringKey
{
    /// <summary>Registers the maintenance reminder if it is not registered yet.</summary>
    Task Start();

    /// <summary>Runs the maintenance now (the reminder does the same).</summary>
    Task<MaintenanceReport> RunNow();

    /// <summary>Whether the reminder is registered, and the last run.</summary>
    [ReadOnly]
    Task<MaintenanceStatus> GetStatus();
}

/// <summary>What one maintenance run did.</summary>
/// <param name="Store">`memory` or `postgresql`.</param>
/// <param name="PartitionsCreated">Partitions created ahead of time (native PostgreSQL layout).</param>
/// <param name="PartitionsDropped">Partitions (or TimescaleDB chunks) dropped by retention.</param>
/// <param name="RawReadingsDeleted">Raw per-source readings swept (older than the raw retention).</param>
/// <param name="CityHoursDeleted">Hours of the merged series swept (older than the series retention, not imported).</param>
/// <param name="RollupRowsDeleted">Hourly and daily rollup rows swept.</param>
/// <param name="StationReadingsDeleted">Imported station readings swept (only when imported history has a retention).</param>
[GenerateSerializer, Immutable]
public sealed record MaintenanceReport(
    DateTime RanAt,
    string Store,
    int PartitionsCreated,
    int PartitionsDropped,
    long RawReadingsDeleted,
    long CityHoursDeleted,
    long RollupRowsDeleted,
    long StationReadingsDeleted,
    TimeSpan Elapsed);

/// <summary>State of the maintenance job.</summary>
[GenerateSerializer, Immutable]
public sealed record MaintenanceStatus(bool Scheduled, TimeSpan Period, MaintenanceReport? LastRun, string? LastError);
