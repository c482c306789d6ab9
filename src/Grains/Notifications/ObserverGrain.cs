using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace AirQuality.Grains.Notifications;

/// <summary>
/// A grain that web fronts subscribe to as <typeparamref name="TObserver"/> (no state: a subscriber that has not renewed
/// within the expiry is dropped, and subscribers renew themselves); the derived grain publishes to <see cref="Observers"/>.
/// </summary>
public abstract class ObserverGrain<TObserver>(TimeSpan expiry, ILogger logger) : Grain where TObserver : IGrainObserver
{
    protected ObserverManager<TObserver> Observers { get; } = new(expiry, logger);

    public Task Subscribe(TObserver observer)
    {
        Observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(TObserver observer)
    {
        Observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }
}
