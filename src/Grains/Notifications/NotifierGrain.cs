using AirQuality.Grains.Abstractions;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Utilities;

namespace AirQuality.Grains.Notifications;

/// <summary>
/// Singleton that forwards city changes to subscribed web fronts (no state: subscribers renew themselves). A poll's
/// <see cref="CityHoursChanged"/> arrives here once, after the city's forecast grain refreshed.
/// </summary>
[Reentrant]
public sealed class NotifierGrain(ILogger<NotifierGrain> logger) : Grain, INotifierGrain
{
    /// <summary>A subscriber that has not renewed within this time is dropped.</summary>
    public static readonly TimeSpan SubscriptionExpiry = TimeSpan.FromMinutes(3);

    private readonly ObserverManager<ICityChangeObserver> _observers = new(SubscriptionExpiry, logger);

    public Task Subscribe(ICityChangeObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(ICityChangeObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task Publish(CityChange change)
    {
        _observers.Notify(o => o.OnCityChanged(change));
        // New readings, a new forecast or a new model: the city's subscriptions look at it (see CityAlertGrain).
        if (change.CityId != CityChange.Everything)
            GrainFactory.GetGrain<ICityAlertGrain>(GrainKeys.CityAlerts(change.CityId)).Changed(change.At).Ignore();
        return Task.CompletedTask;
    }

    public Task HoursChanged(CityHoursChanged change) => Publish(change.ToChange());
}
