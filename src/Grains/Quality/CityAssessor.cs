using AirQuality.Domain.Cities;
using AirQuality.Domain.Quality;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Ingestion;

namespace AirQuality.Grains.Quality;

/// <summary>
/// A city's current air with its data-quality flags: records what each poll brought into the city's
/// <see cref="CityQualityTracker"/>, and on <see cref="Assess"/> puts the flags on the window's current AQI, counts them
/// in <see cref="QualityMetrics"/> and reports them (to the data-quality grain) when they changed.
/// </summary>
public sealed class CityAssessor(City city, QualityState state, QualityMetrics metrics, Action<CityQuality> report)
{
    private readonly CityQualityTracker _tracker = new(city, state, DataQualityRules.Default);

    /// <summary>The last assessed current air (null: the window has no hour yet).</summary>
    public CityCurrent? Current { get; private set; }

    /// <inheritdoc cref="CityQualityTracker.Record"/>
    public bool Record(PollResult result, DateTime now, bool polled) => _tracker.Record(result, now, polled);

    /// <summary>
    /// Takes <paramref name="fromWindow"/> (the window's current AQI) with the flags at <paramref name="now"/> as
    /// <see cref="Current"/>; true when the flags of the current air changed.
    /// </summary>
    public bool Assess(CityCurrent? fromWindow, DateTime now)
    {
        var before = Current?.Quality;
        var quality = _tracker.Assess(now, fromWindow?.Quality?.Excluded);
        metrics.Checked(city.Id, quality.Flags);
        if (!quality.SameAs(before)) report(quality);
        Current = fromWindow is null ? null : fromWindow with { Quality = quality };
        return !(Current?.Quality?.SameAs(before) ?? before is null);
    }

    /// <summary>The city leaves this silo: its flags leave the metrics.</summary>
    public void Forget() => metrics.Forget(city.Id);
}
