using AirQuality.Grains.Abstractions;
using AirQuality.Grains;
using AirQuality.WebFront.Caching;
using Microsoft.AspNetCore.SignalR;

namespace AirQuality.WebFront.Push;

/// <summary>
/// Subscribes this web front to the cluster's city changes (a grain observer on the notifier grain), renewing the
/// subscription well before it expires so a silo restart or a lost subscription heals within a minute. Each change
/// drops the cached answers of that city and is pushed to SignalR clients of the city.
/// </summary>
public sealed class CityChangeSubscriber(
    IGrainFactory grains,
    AnswerCache cache,
    IHubContext<AqiHub> hub,
    ILogger<CityChangeSubscriber> logger) : BackgroundService, ICityChangeObserver
{
    public static readonly TimeSpan Renewal = TimeSpan.FromSeconds(60);

    private long _received;

    /// <summary>Changes received since start.</summary>
    public long Received => Interlocked.Read(ref _received);

    public Task OnCityChanged(CityChange change)
    {
        Interlocked.Increment(ref _received);
        _ = HandleAsync(change);
        return Task.CompletedTask;
    }

    private async Task HandleAsync(CityChange change)
    {
        try
        {
            if (change.CityId == CityChange.Everything) await cache.ClearLocalAsync();
            else await cache.InvalidateCityAsync(change.CityId);
            await hub.Clients.Groups(AqiHub.Group(change.CityId), AqiHub.Group(AqiHub.AllCities)).SendAsync("cityChanged", change);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not apply change of {City}", change.CityId);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The reference must stay alive as long as the subscription: observers are weakly held.
        var reference = grains.CreateObjectReference<ICityChangeObserver>(this);
        var notifier = grains.GetGrain<INotifierGrain>(GrainKeys.Notifier);
        var subscribed = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await notifier.Subscribe(reference);
                if (!subscribed)
                {
                    // Changes published before this subscription were missed: nothing cached until now can be trusted.
                    await cache.ClearLocalAsync(stoppingToken);
                    subscribed = true;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning("Subscription to city changes failed, retrying: {Error}", ex.Message);
                subscribed = false;
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                continue;
            }
            await Task.Delay(Renewal, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        try
        {
            await notifier.Unsubscribe(reference);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogDebug("Unsubscribe at shutdown failed: {Error}", ex.Message);
        }
    }
}
