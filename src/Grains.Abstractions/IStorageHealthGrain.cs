using Orleans.Concurrency;

namespace AirQuality.Grains.Abstractions;

/// <summary>
/// How the silos' writes to PostgreSQL stand (key <see cref="GrainKeys.StorageHealth"/>): every silo reports its write
/// buffer and unsaved grain states every few seconds; health reads the reports of the silos heard from recently.
/// Nothing persisted: it must answer while the database is away.
/// </summary>
public interface IStorageHealthGrain : IGrainWithStringKey
{
    [OneWay]
    Task Report(StoreWriteReport report);

    /// <summary>The latest report of every silo heard from within <paramref name="maxAge"/>.</summary>
    [ReadOnly]
    Task<IReadOnlyList<StoreWriteReport>> GetReports(TimeSpan maxAge);
}

/// <summary>One silo's writes to the store.</summary>
/// <param name="Silo">The silo reporting.</param>
/// <param name="At">When it reported.</param>
/// <param name="PendingRows">Rows (raw readings, merged hours) waiting in its write buffer.</param>
/// <param name="PendingBatches">Writes those rows belong to.</param>
/// <param name="UnsavedStates">Grains whose state could not be written and is being retried.</param>
/// <param name="OldestPending">When the oldest waiting write was made.</param>
/// <param name="FailingSince">Since when the store refuses this silo's writes (null: it takes them).</param>
/// <param name="LastError">The store's latest refusal (`read-only: ...`, `unreachable: ...`).</param>
/// <param name="LastErrorAt">When it was refused last.</param>
/// <param name="BufferedRows">Rows ever kept in the buffer since the silo started.</param>
/// <param name="FlushedRows">Buffered rows written since.</param>
/// <param name="DroppedRows">Rows lost because the buffer was full (or a buffered write failed for good).</param>
/// <param name="StateFailures">Grain state writes that failed and were retried.</param>
[GenerateSerializer, Immutable]
public sealed record StoreWriteReport(string Silo, DateTime At, int PendingRows, int PendingBatches, int UnsavedStates, DateTime? OldestPending,
    DateTime? FailingSince, string? LastError, DateTime? LastErrorAt, long BufferedRows, long FlushedRows, long DroppedRows, long StateFailures)
{
    /// <summary>True when nothing waits and the store takes writes.</summary>
    public bool Healthy => PendingRows == 0 && UnsavedStates == 0 && FailingSince is null;
}
