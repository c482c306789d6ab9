using AirQuality.Grains.Abstractions;
using System.Collections.Concurrent;

namespace AirQuality.Grains.Tests;

/// <summary>
/// Listens to the notifier as a web front does, so a test awaits the change it expects instead of sleeping: every
/// change is kept, and <see cref="NextAsync"/> completes at the first (past or future) that matches.
/// </summary>
public sealed class ChangeWatcher : ICityChangeObserver, IAsyncDisposable
{
    private readonly ConcurrentQueue<CityChange> _seen = new();
    private readonly List<(Func<CityChange, bool> Match, TaskCompletionSource<CityChange> Done)> _waiting = [];
    private readonly Lock _lock = new();
    private INotifierGrain _notifier = null!;
    private ICityChangeObserver _reference = null!;

    public IReadOnlyCollection<CityChange> Seen => _seen;

    public static async Task<ChangeWatcher> SubscribeAsync(IGrainFactory grains)
    {
        var watcher = new ChangeWatcher();
        watcher._notifier = grains.GetGrain<INotifierGrain>(GrainKeys.Notifier);
        watcher._reference = grains.CreateObjectReference<ICityChangeObserver>(watcher);
        await watcher._notifier.Subscribe(watcher._reference);
        return watcher;
    }

    public Task OnCityChanged(CityChange change)
    {
        lock (_lock)
        {
            _seen.Enqueue(change);
            foreach (var w in _waiting.Where(w => w.Match(change)).ToList())
            {
                _waiting.Remove(w);
                w.Done.TrySetResult(change);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>The first change, seen from <paramref name="after"/> on (by count), that matches; fails after <paramref name="within"/>.</summary>
    public Task<CityChange> NextAsync(Func<CityChange, bool> match, TimeSpan within, int after = 0)
    {
        lock (_lock)
        {
            if (_seen.Skip(after).FirstOrDefault(match) is { } past) return Task.FromResult(past);
            var done = new TaskCompletionSource<CityChange>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Add((match, done));
            return done.Task.WaitAsync(within);
        }
    }

    public async ValueTask DisposeAsync() => await _notifier.Unsubscribe(_reference);
}
