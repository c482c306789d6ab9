namespace AirQuality.Grains.Cities;

/// <summary>
/// One operation in flight at a time: a caller while one runs gets the running one (and <c>joined</c> is called)
/// instead of starting another. For a grain's own scheduler (one thread at a time), not for concurrent threads.
/// </summary>
public sealed class SingleFlight
{
    private Task? _running;

    /// <summary>True while an operation runs.</summary>
    public bool Busy => _running is { IsCompleted: false };

    public Task Run(Func<Task> operation, Action? joined = null)
    {
        if (_running is { IsCompleted: false } running)
        {
            joined?.Invoke();
            return running;
        }
        return _running = operation();
    }
}
