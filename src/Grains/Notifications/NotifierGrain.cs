using AirQuality.Grains.Abstractions;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace AirQuality.Grains.Notifications;

/// <summary>
/// Singleton that forwards city changes to subscribed web fronts (no state: subscribers renew themselves). A poll's
/// <see cref="CityHoursChanged"/> arrives here once, after the city's forecast grain refreshed.
/// </summary>
[Reentrant]
public sealed class NotifierGrain(ILogger<NotifierGrain> logger)
    : ObserverGrain<ICityChangeObserver>(SubscriptionExpiry, logger), INotifierGrain
{
    /// <summary>A subscriber that has not renewed within this time is dropped.</summary>
    public static readonly TimeSpan SubscriptionExpiry = TimeSpan.FromMinutes(3);

    public Task Publish(CityChange change)
    {
        Observers.Notify(o => o.OnCityChanged(change));
        // New readings, a new forecast or a new model: the city's subscriptions look at it (see CityAlertGrain).
        if (change.CityId != CityChange.Everything)
            GrainFactory.GetGrain<ICityAlertGrain>(GrainKeys.CityAlerts(change.CityId)).Changed(change.At).Ignore();
        return Task.CompletedTask;
    }

    public Task HoursChanged(CityHoursChanged change) => Publish(change.ToChange());
}
