using AirQuality.Grains;
using AirQuality.Grains.Abstractions;
using Microsoft.AspNetCore.SignalR;

namespace AirQuality.WebFront.Push;

/// <summary>
/// Subscribes this web front to the cluster's dashboard alerts (a grain observer on the alert push grain) and sends
/// each one as `alert` to the SignalR clients that opted in (<see cref="AqiHub.SubscribeAlerts"/>).
/// </summary>
public sealed class AlertPushSubscriber(IGrainFactory grains, IHubContext<AqiHub> hub, ILogger<AlertPushSubscriber> logger)
    : ObserverSubscriber<IAlertObserver>(grains, logger, "dashboard alerts"), IAlertObserver
{
    private IAlertPushGrain Push => Grains.GetGrain<IAlertPushGrain>(GrainKeys.AlertPush);

    public Task OnAlert(Alert alert) =>
        Take(() => hub.Clients.Group(AqiHub.AlertsGroup).SendAsync("alert", alert), $"push alert {alert.Id}");

    protected override Task SubscribeAsync(IAlertObserver reference) => Push.Subscribe(reference);

    protected override Task UnsubscribeAsync(IAlertObserver reference) => Push.Unsubscribe(reference);
}
