using AirQuality.Domain.Readings;
using AirQuality.Domain.Cities;
using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Ingestion;

/// <summary>An upstream of readings for one city at a time (the CPCB feed, OpenWeather, IQAir, the simulator).</summary>
public interface IAirQualitySource
{
    /// <summary>The provenance name stamped on every value this source gives (see <see cref="SourceNames"/>).</summary>
    string Name { get; }

    /// <summary>Merge priority: lower wins. Ground stations come before model output, which comes before simulation.</summary>
    int Priority { get; }

    /// <summary>False when the source has no key or is switched off; such a source is never asked.</summary>
    bool Enabled { get; }

    /// <summary>Fetches what the source has for the city around <paramref name="now"/>: usually the current hour, sometimes a few late hours too.</summary>
    Task<SourceFetch> FetchAsync(City city, DateTime now, CancellationToken cancellationToken);
}

/// <summary>The outcome of one fetch: accepted readings and the values rejected by validation, with their reasons.</summary>
public sealed record SourceFetch(IReadOnlyList<SourceReading> Readings, IReadOnlyList<Rejection> Rejections)
{
    public static SourceFetch Empty { get; } = new([], []);

    /// <summary>Why the source was not asked this time (its call budget), or null when it was.</summary>
    public string? Skipped { get; init; }

    /// <summary>A fetch that did not happen, and why (`not_due`, `monthly_budget_spent`, ...).</summary>
    public static SourceFetch Skip(string reason) => new([], []) { Skipped = reason };
}

/// <summary>A source that can also give past hours, for the first-start backfill of a city.</summary>
public interface IHistorySource : IAirQualitySource
{
    /// <summary>The earliest hour the source has.</summary>
    DateTime HistoryStart { get; }

    /// <summary>
    /// True when the history is computed in this process (the simulator): a city fills its missing history from it
    /// during activation, before it answers. False (a remote upstream): fetched in the background, retried until it
    /// succeeds once.
    /// </summary>
    bool Local => false;

    /// <summary>Hourly readings of the city in [<paramref name="from"/>, <paramref name="to"/>].</summary>
    Task<SourceFetch> FetchHistoryAsync(City city, DateTime from, DateTime to, CancellationToken cancellationToken);
}

/// <summary>A value that failed validation, counted per source and reason (and, for a value, its pollutant).</summary>
public sealed record Rejection(string Source, string CityId, string Reason, string Detail, Pollutant? Pollutant = null);
