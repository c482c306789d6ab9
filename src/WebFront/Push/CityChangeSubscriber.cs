using AirQuality.Grains;
using AirQuality.Grains.Abstractions;
using AirQuality.WebFront.Caching;
using Microsoft.AspNetCore.SignalR;

namespace AirQuality.WebFront.Push;

/// <summary>
/// Subscribes this web front to the cluster's city changes (a grain observer on the notifier grain). Each change
/// drops the cached answers of that city and is pushed to SignalR clients of the city.
/// </summary>
public sealed class CityChangeSubscriber(
    IGrainFactory grains,
    AnswerCache cache,
    IHubContext<AqiHub> hub,
    ILogger<CityChangeSubscriber> logger) : ObserverSubscriber<ICityChangeObserver>(grains, logger, "city changes"), ICityChangeObserver
{
    public Task OnCityChanged(CityChange change) => Take(async () =>
    {
        if (change.CityId == CityChange.Everything) await cache.ClearLocalAsync();
        else await cache.InvalidateCityAsync(change.CityId);
        await hub.Clients.Groups(AqiHub.Group(change.CityId), AqiHub.Group(AqiHub.AllCities)).SendAsync("cityChanged", change);
    }, $"apply the change of {change.CityId}");

    private INotifierGrain Notifier => Grains.GetGrain<INotifierGrain>(GrainKeys.Notifier);

    protected override Task SubscribeAsync(ICityChangeObserver reference) => Notifier.Subscribe(reference);

    protected override Task UnsubscribeAsync(ICityChangeObserver reference) => Notifier.Unsubscribe(reference);

    // Changes published before this subscription were missed: nothing cached until now can be trusted.
    protected override Task SubscribedAsync(CancellationToken cancellationToken) => cache.ClearLocalAsync(cancellationToken).AsTask();
}
