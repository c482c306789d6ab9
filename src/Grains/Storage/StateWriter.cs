using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace AirQuality.Grains.Storage;

/// <summary>
/// Writes a grain's persisted state, only when it changed or an earlier write is still outstanding. While the store
/// refuses it (down, read-only) the grain keeps serving from memory: the refusal is counted on
/// <see cref="WriteBufferMonitor"/> and a retry (started once through <c>scheduleRetry</c>, a grain timer every
/// <see cref="WriteBufferOptions.StateRetryPeriod"/>) writes it again until it is taken. A conflicting write (another
/// activation wrote meanwhile) is not a store failure and is thrown; after a refused write, a conflict means that write
/// reached the store before its connection broke, so the store's version tag is taken and this state written again.
/// </summary>
public sealed class StateWriter<T>(
    IPersistentState<T> state,
    string grain,
    string name,
    WriteBufferMonitor writes,
    ILogger logger,
    Func<Func<CancellationToken, Task>, IDisposable> scheduleRetry)
{
    private IDisposable? _retry;

    /// <summary>True while the last write was refused and a retry is pending.</summary>
    public bool Unsaved { get; private set; }

    /// <summary>Writes when <paramref name="changed"/> or while an earlier write is outstanding; never throws for a refused write.</summary>
    public Task SaveAsync(bool changed) => changed || Unsaved ? WriteAsync() : Task.CompletedTask;

    private async Task WriteAsync()
    {
        try
        {
            await WriteOrTakeVersionAsync();
        }
        catch (Exception ex) when (ex is not InconsistentStateException and not OutOfMemoryException)
        {
            if (!Unsaved) logger.LogWarning("State of {Name} not written ({Error}); kept in memory and retried", name, ex.Message);
            Unsaved = true;
            writes.StateUnsaved(grain, ex);
            _retry ??= scheduleRetry(_ => SaveAsync(changed: false));
            return;
        }
        if (!Unsaved) return;
        Unsaved = false;
        writes.StateSaved(grain);
        _retry?.Dispose();
        _retry = null;
        logger.LogInformation("State of {Name} written again", name);
    }

    private async Task WriteOrTakeVersionAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException) when (Unsaved)
        {
            var mine = state.State;
            await state.ReadStateAsync();
            state.State = mine;
            await state.WriteStateAsync();
        }
    }
}
