using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Cities;

/// <summary>What a city grain persists (state name `city`).</summary>
[GenerateSerializer]
public sealed class CityState
{
    /// <summary>The last hours, oldest first, at most <see cref="CityOptions.WindowHours"/>.</summary>
    [Id(0)] public List<CityHour> Window { get; set; } = [];

    /// <summary>Per-source status of the last polls, by source name.</summary>
    [Id(1)] public Dictionary<string, SourcePollStatus> Sources { get; set; } = [];

    /// <summary>When the first-start history backfill ran (null: not yet).</summary>
    [Id(2)] public DateTime? BackfilledAt { get; set; }

    /// <summary>When the history of a keyed source (OpenWeather) was backfilled (null: not yet, or it failed).</summary>
    [Id(3)] public DateTime? HistoryBackfilledAt { get; set; }

    /// <summary>What the data-quality flags are judged from: each source's own recent series and recent rejections.</summary>
    [Id(4)] public Quality.QualityState Quality { get; set; } = new();
}
