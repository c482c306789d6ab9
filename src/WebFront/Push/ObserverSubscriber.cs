using Orleans;

namespace AirQuality.WebFront.Push;

/// <summary>
/// Subscribes this web front to a grain as the observer <typeparamref name="TObserver"/>, renewing the subscription
/// every <see cref="Renewal"/> (well before it expires) so a silo restart or a lost subscription heals within a minute,
/// retrying after <see cref="RetryAfter"/> while the grain cannot be reached, and unsubscribing at shutdown.
/// What arrives is handled in the background (<see cref="Take"/>): the grain's call returns at once.
/// </summary>
public abstract class ObserverSubscriber<TObserver>(IGrainFactory grains, ILogger logger, string subject) : BackgroundService
    where TObserver : class, IGrainObserver
{
    public static readonly TimeSpan Renewal = TimeSpan.FromSeconds(60);

    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private long _received;

    protected ILogger Logger { get; } = logger;

    /// <summary>The cluster; a grain is resolved from it when used, once the client has connected.</summary>
    protected IGrainFactory Grains { get; } = grains;

    /// <summary>Messages received since start.</summary>
    public long Received => Interlocked.Read(ref _received);

    protected abstract Task SubscribeAsync(TObserver reference);

    protected abstract Task UnsubscribeAsync(TObserver reference);

    /// <summary>After the first subscription, and after each one that follows a failed one (messages may have been missed).</summary>
    protected virtual Task SubscribedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Counts a message received (for one that the subclass queues itself rather than <see cref="Take"/>).</summary>
    protected void Count() => Interlocked.Increment(ref _received);

    /// <summary>Counts a message and handles it in the background; a failure is logged as not done <paramref name="what"/>.</summary>
    protected Task Take(Func<Task> handle, string what)
    {
        Count();
        _ = HandleAsync(handle, what);
        return Task.CompletedTask;
    }

    private async Task HandleAsync(Func<Task> handle, string what)
    {
        try
        {
            await handle();
        }
        catch (Exception ex)
        {
            Logger.LogWarning(ex, "Could not {What}", what);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The reference must stay alive as long as the subscription: observers are weakly held.
        var reference = Grains.CreateObjectReference<TObserver>((IGrainObserver)this);
        var subscribed = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = Renewal;
            try
            {
                await SubscribeAsync(reference);
                if (!subscribed) await SubscribedAsync(stoppingToken);
                subscribed = true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Logger.LogWarning("Subscription to {Subject} failed, retrying: {Error}", subject, ex.Message);
                subscribed = false;
                wait = RetryAfter;
            }
            await Task.Delay(wait, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        try
        {
            await UnsubscribeAsync(reference);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Logger.LogDebug("Unsubscribe from {Subject} at shutdown failed: {Error}", subject, ex.Message);
        }
    }
}
