using Orleans.Concurrency;

namespace AirQuality.Grains.Abstractions;

/// <summary>What changed in a city, as pushed to web fronts.</summary>
public enum CityChangeKind
{
    /// <summary>New readings: current AQI, pollutants, history.</summary>
    Readings,

    /// <summary>A new forecast was issued.</summary>
    Forecast,

    /// <summary>A model was trained or promoted to champion.</summary>
    Model,
}

/// <summary>A change of a city's state.</summary>
/// <param name="Aqi">The city's India AQI after the change (headline value), when known.</param>
[GenerateSerializer, Immutable]
public sealed record CityChange(string CityId, CityChangeKind Kind, DateTime At, int? Aqi = null, string? Detail = null)
{
    /// <summary>City id of a change that concerns every city (e.g. a cache clear): every web front drops its whole cache.</summary>
    public const string Everything = "*";
}

/// <summary>
/// The one message of a poll (or import, or backfill) that changed a city's hours: the city grain sends it to its
/// forecast grain, which refreshes the forecast from these hours (no store read) and passes it on to the notifier,
/// which tells every web front once (<see cref="ToChange"/>). Anything that reacts to new readings hooks here.
/// </summary>
/// <param name="Hours">The merged hours that changed, oldest first, as the city holds them now.</param>
/// <param name="Aqi">The city's India AQI after the change (headline value), when known.</param>
[GenerateSerializer, Immutable]
public sealed record CityHoursChanged(string CityId, DateTime At, IReadOnlyList<CityHour> Hours, int? Aqi)
{
    /// <summary>What web fronts are told: the city's readings (and with them its forecast) changed.</summary>
    public CityChange ToChange() => new(CityId, CityChangeKind.Readings, At, Aqi);
}

/// <summary>A web front listening for city changes (to invalidate its cache and push to browsers).</summary>
public interface ICityChangeObserver : IGrainObserver
{
    [OneWay]
    Task OnCityChanged(CityChange change);
}

/// <summary>
/// Fans city changes out to every subscribed web front. Web fronts subscribe through grain observers and renew the
/// subscription before it expires and after reconnecting; no backplane is needed.
/// </summary>
public interface INotifierGrain : IGrainWithStringKey
{
    Task Subscribe(ICityChangeObserver observer);

    Task Unsubscribe(ICityChangeObserver observer);

    [OneWay]
    Task Publish(CityChange change);

    /// <summary>A city's hours changed (the forecast already refreshed): tells every web front once.</summary>
    [OneWay]
    Task HoursChanged(CityHoursChanged change);
}
