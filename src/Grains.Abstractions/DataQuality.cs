using Orleans.Concurrency;

namespace AirQuality.Grains.Abstractions;

/// <summary>One data-quality flag on one source's data for a city (see `Domain/Quality` for the rules).</summary>
/// <param name="Flag">`stale`, `stuck`, `out_of_range`, `negative` or `duplicate_station`.</param>
/// <param name="Source">The source whose data carries the flag (`cpcb`, `openweather`, ...).</param>
/// <param name="Pollutant">The pollutant's API name, or null when the flag is on the whole source (stale).</param>
/// <param name="Since">The first hour (stale: the time) the flag is about.</param>
/// <param name="LastSeen">The latest hour or time that raised it.</param>
/// <param name="Values">Values behind the flag: hours of the stuck run, rejected values, identical hours; stale: hours without a value.</param>
/// <param name="ExcludedFromAqi">True when such values are left out of the AQI (negative, out of range, stuck; a station filed twice is averaged once).</param>
/// <param name="Detail">What was seen, for people.</param>
[GenerateSerializer, Immutable]
public sealed record QualityFlag(string Flag, string Source, string? Pollutant, DateTime Since, DateTime LastSeen, int Values, bool ExcludedFromAqi, string Detail);

/// <summary>A city's data-quality flags at its latest check, and what its current AQI leaves out.</summary>
/// <param name="Excluded">Values left out of the AQI over the last 24 hours, by `source:pollutant:flag`.</param>
[GenerateSerializer, Immutable]
public sealed record CityQuality(string CityId, string City, DateTime CheckedAt, IReadOnlyList<QualityFlag> Flags, IReadOnlyDictionary<string, int> Excluded)
{
    /// <summary>The same flags and exclusions (ignoring when they were checked).</summary>
    public bool SameAs(CityQuality? other) =>
        other is not null && other.CityId == CityId && other.Flags.SequenceEqual(Flags)
        && other.Excluded.Count == Excluded.Count && Excluded.All(kv => other.Excluded.TryGetValue(kv.Key, out var v) && v == kv.Value);
}

/// <summary>Every city's latest data-quality flags, so `GET /api/v1/quality` is one grain call, not one per city.</summary>
public interface IDataQualityGrain : IGrainWithStringKey
{
    Task Report(CityQuality quality);

    [ReadOnly]
    Task<IReadOnlyList<CityQuality>> GetAll();
}
