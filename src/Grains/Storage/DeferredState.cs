namespace AirQuality.Grains.Storage;

/// <summary>
/// A grain state written in the background: a change only marks it (<see cref="Changed"/>), a timer of the grain
/// writes it at most once a period, and deactivation writes what is left (<see cref="FlushAsync"/>).
/// A write the store refuses (down, read-only) is tried again on the next tick. For states whose last seconds cost
/// nothing on a crash because their sources report again (rankings, data quality, source health).
/// </summary>
public sealed class DeferredState<T>
{
    private readonly IPersistentState<T> _state;
    private bool _dirty;

    /// <summary>Writes <paramref name="state"/> every <paramref name="period"/> when it changed, by a timer of <paramref name="grain"/>.</summary>
    public DeferredState(IPersistentState<T> state, Grain grain, TimeSpan period)
    {
        _state = state;
        grain.RegisterGrainTimer(FlushAsync, new GrainTimerCreationOptions(period, period) { Interleave = true });
    }

    /// <summary>Marks the state to be written on the next tick.</summary>
    public void Changed() => _dirty = true;

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (!_dirty) return;
        _dirty = false;
        try
        {
            await _state.WriteStateAsync(cancellationToken);
        }
        catch
        {
            // The store refused it: the next flush tries again.
            _dirty = true;
            throw;
        }
    }
}
