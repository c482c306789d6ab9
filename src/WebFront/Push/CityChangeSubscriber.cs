using System.Threading.Channels;
using AirQuality.Grains;
using AirQuality.Grains.Abstractions;
using AirQuality.WebFront.Caching;
using Microsoft.AspNetCore.SignalR;

namespace AirQuality.WebFront.Push;

/// <summary>
/// Subscribes this web front to the cluster's city changes (a grain observer on the notifier grain). Each change
/// drops the cached answers of that city and is pushed to SignalR clients of the city.
/// </summary>
/// <remarks>
/// Changes are queued as they arrive and delivered by one loop, a batch at a time: every change that arrived while the
/// previous batch went out (a poll cycle's changes arrive together). Per batch the cache drops the answers of all its
/// cities at once and rebuilds each ready answer once (the rankings once, not once per city), then each change goes,
/// serialized once, to its city's group and the all-cities group as `cityChanged`, and the whole batch as one
/// `citiesChanged` message to the clients that asked for batches (<see cref="AqiHub.SubscribeBatches"/>): one message
/// per client per cycle instead of one per city. No change waits for a timer: a lone change is a batch of one.
/// </remarks>
public sealed class CityChangeSubscriber(
    IGrainFactory grains,
    AnswerCache cache,
    IHubContext<AqiHub> hub,
    ILogger<CityChangeSubscriber> logger) : ObserverSubscriber<ICityChangeObserver>(grains, logger, "city changes"), ICityChangeObserver
{
    /// <summary>Most changes delivered in one batch (far more than a poll cycle of thousands of places).</summary>
    public const int MaxBatch = 10_000;

    private readonly Channel<CityChange> _changes = Channel.CreateUnbounded<CityChange>(new UnboundedChannelOptions { SingleReader = true });

    public Task OnCityChanged(CityChange change)
    {
        Count();
        _changes.Writer.TryWrite(change);
        return Task.CompletedTask;
    }

    private INotifierGrain Notifier => Grains.GetGrain<INotifierGrain>(GrainKeys.Notifier);

    protected override Task SubscribeAsync(ICityChangeObserver reference) => Notifier.Subscribe(reference);

    protected override Task UnsubscribeAsync(ICityChangeObserver reference) => Notifier.Unsubscribe(reference);

    // Changes published before this subscription were missed: nothing cached until now can be trusted.
    protected override Task SubscribedAsync(CancellationToken cancellationToken) => cache.ClearLocalAsync(cancellationToken).AsTask();

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(base.ExecuteAsync(stoppingToken), DeliverAsync(stoppingToken));

    private async Task DeliverAsync(CancellationToken stoppingToken)
    {
        var reader = _changes.Reader;
        List<CityChange> batch = [];
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && reader.TryRead(out var change)) batch.Add(change);
                try
                {
                    await DeliverBatchAsync(batch);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Logger.LogWarning(ex, "Could not apply {Count} city change(s)", batch.Count);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverBatchAsync(List<CityChange> batch)
    {
        // The cache first: a client that asks again when told gets the new answer.
        if (batch.Exists(c => c.CityId == CityChange.Everything)) await cache.ClearLocalAsync();
        else await cache.InvalidateCitiesAsync(batch.Select(c => c.CityId).Distinct(StringComparer.Ordinal).ToList());
        var all = AqiHub.Group(AqiHub.AllCities);
        var sends = new List<Task>(batch.Count + 1);
        foreach (var change in batch)
            sends.Add(hub.Clients.Groups(AqiHub.Group(change.CityId), all).SendAsync("cityChanged", change));
        sends.Add(hub.Clients.Group(AqiHub.BatchesGroup).SendAsync("citiesChanged", batch.ToArray()));
        await Task.WhenAll(sends);
    }
}
