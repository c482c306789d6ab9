using AirQuality.Grains;
using AirQuality.Grains.Abstractions;
using Microsoft.AspNetCore.SignalR;

namespace AirQuality.WebFront.Push;

/// <summary>
/// Subscribes this web front to the cluster's dashboard alerts (a grain observer on the alert push grain, renewed every
/// minute) and sends each one as `alert` to the SignalR clients that opted in (<see cref="AqiHub.SubscribeAlerts"/>).
/// </summary>
public sealed class AlertPushSubscriber(IGrainFactory grains, IHubContext<AqiHub> hub, ILogger<AlertPushSubscriber> logger) : BackgroundService, IAlertObserver
{
    private long _received;

    /// <summary>Alerts received since start.</summary>
    public long Received => Interlocked.Read(ref _received);

    public Task OnAlert(Alert alert)
    {
        Interlocked.Increment(ref _received);
        _ = SendAsync(alert);
        return Task.CompletedTask;
    }

    private async Task SendAsync(Alert alert)
    {
        try
        {
            await hub.Clients.Group(AqiHub.AlertsGroup).SendAsync("alert", alert);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not push alert {Alert}", alert.Id);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The reference must stay alive as long as the subscription: observers are weakly held.
        var reference = grains.CreateObjectReference<IAlertObserver>(this);
        var push = grains.GetGrain<IAlertPushGrain>(GrainKeys.AlertPush);
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = CityChangeSubscriber.Renewal;
            try
            {
                await push.Subscribe(reference);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning("Subscription to dashboard alerts failed, retrying: {Error}", ex.Message);
                wait = TimeSpan.FromSeconds(5);
            }
            await Task.Delay(wait, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        try
        {
            await push.Unsubscribe(reference);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogDebug("Unsubscribe from alerts at shutdown failed: {Error}", ex.Message);
        }
    }
}
