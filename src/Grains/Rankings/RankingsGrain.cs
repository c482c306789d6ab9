using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Storage;
using Orleans.Concurrency;

namespace AirQuality.Grains.Rankings;

/// <summary>Keeps every city's latest AQI (state name `rankings`) so a ranking is one grain call, not one per city.</summary>
[Reentrant]
public sealed class RankingsGrain(
    [PersistentState("rankings", GrainStorage.Name)] IPersistentState<RankingsState> state) : Grain, IRankingsGrain
{
    private IReadOnlyList<CityAqiSummary>? _snapshot;
    private bool _dirty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // State is written in the background at most every few seconds: losing a few seconds of rankings on a crash
        // costs nothing, because every city reports again on its next activation or poll.
        this.RegisterGrainTimer(FlushAsync, new GrainTimerCreationOptions(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5)) { Interleave = true });
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => await FlushAsync(cancellationToken);

    public Task Report(CityAqiSummary summary)
    {
        if (state.State.Cities.TryGetValue(summary.CityId, out var known) && known == summary) return Task.CompletedTask;
        state.State.Cities[summary.CityId] = summary;
        _snapshot = null;
        _dirty = true;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<CityAqiSummary>> GetAll() =>
        Task.FromResult(_snapshot ??= state.State.Cities.Values.OrderBy(c => c.CityId, StringComparer.Ordinal).ToList());

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (!_dirty) return;
        _dirty = false;
        try
        {
            await state.WriteStateAsync(cancellationToken);
        }
        catch
        {
            // The store refused it (down, read-only): the next flush tries again.
            _dirty = true;
            throw;
        }
    }
}

[GenerateSerializer]
public sealed class RankingsState
{
    [Id(0)] public Dictionary<string, CityAqiSummary> Cities { get; set; } = [];
}
