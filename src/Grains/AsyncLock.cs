namespace AirQuality.Grains;

/// <summary>
/// One holder at a time across awaits, for a reentrant grain whose changes must not interleave (a poll merging while a
/// timer writes the state): <see cref="Run{T}"/> waits its turn, runs, and lets the next one in, also when it throws.
/// </summary>
public sealed class AsyncLock
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<T> Run<T>(Func<Task<T>> operation, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await operation();
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task Run(Func<Task> operation, CancellationToken cancellationToken = default) =>
        Run(async () => { await operation(); return true; }, cancellationToken);
}
