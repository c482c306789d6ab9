using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Storage;

/// <summary>
/// Where readings live beyond a grain's 72-hour window: the raw per-source values (kept for provenance and audits)
/// and the merged hourly series per city that history answers and forecasting read.
/// </summary>
public interface IReadingStore
{
    /// <summary>Stores raw source readings; a reading already stored for the same (city, hour, source) is replaced.</summary>
    Task SaveRawAsync(IReadOnlyList<SourceReading> readings, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores merged city-hours value by value: each incoming value replaces the stored one unless the stored value
    /// comes from a better-ranked source (<see cref="Ingestion.MergePolicy"/>), so a writer holding a stale view of
    /// an hour (a first-start backfill over imported history) never overwrites better data.
    /// </summary>
    Task SaveHoursAsync(string cityId, IReadOnlyList<CityHour> hours, CancellationToken cancellationToken = default);

    /// <summary>Merged hours of a city in [from, to), oldest first.</summary>
    Task<IReadOnlyList<CityHour>> GetHoursAsync(string cityId, DateTime from, DateTime to, CancellationToken cancellationToken = default);

    /// <summary>How many merged hours a city has in [from, to).</summary>
    Task<int> CountHoursAsync(string cityId, DateTime from, DateTime to, CancellationToken cancellationToken = default);

    /// <summary>A short label for health answers (`memory`, `postgresql`).</summary>
    string Kind { get; }
}
