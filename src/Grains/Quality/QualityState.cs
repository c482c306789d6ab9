using AirQuality.Domain.Readings;

namespace AirQuality.Grains.Quality;

/// <summary>What a city keeps to judge its sources' data (part of the city's state): each source's own recent series and the recent rejections.</summary>
[GenerateSerializer]
public sealed class QualityState
{
    /// <summary>Per source name, what it gave lately.</summary>
    [Id(0)] public Dictionary<string, SourceTrack> Sources { get; set; } = [];

    /// <summary>Rejected values that raise flags (negative, out of range, duplicate station), kept for the flag hold.</summary>
    [Id(1)] public List<QualityEvent> Events { get; set; } = [];
}

/// <summary>One source's recent data for a city: when it was first asked, its newest hour, its own values per pollutant (before merging).</summary>
[GenerateSerializer]
public sealed class SourceTrack
{
    [Id(0)] public DateTime FirstPolled { get; set; }

    /// <summary>The newest hour the source gave anything for (values, weather or a reported AQI).</summary>
    [Id(1)] public DateTime? LastValueHour { get; set; }

    /// <summary>The source's hourly values per pollutant over the kept hours, oldest first.</summary>
    [Id(2)] public Dictionary<Pollutant, List<HourValue>> Series { get; set; } = [];

    /// <summary>When the source was last polled: a source not polled for two days is switched off, and forgotten.</summary>
    [Id(3)] public DateTime LastPolled { get; set; }

    /// <summary>True for a source the city polls (it can be stale); false for one that only pushed readings (an import).</summary>
    [Id(4)] public bool Polled { get; set; }
}

[GenerateSerializer, Immutable]
public sealed record HourValue(DateTime Hour, double Value);

/// <summary>A rejected value that raises a flag: which flag, source and pollutant, when, and what it was.</summary>
[GenerateSerializer, Immutable]
public sealed record QualityEvent(string Flag, string Source, Pollutant? Pollutant, DateTime At, string Detail);
