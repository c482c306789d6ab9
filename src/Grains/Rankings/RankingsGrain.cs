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
    private DeferredState<RankingsState> _writes = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // State is written in the background at most every few seconds: losing a few seconds of rankings on a crash
        // costs nothing, because every city reports again on its next activation or poll.
        _writes = new DeferredState<RankingsState>(state, this, TimeSpan.FromSeconds(5));
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => _writes.FlushAsync(cancellationToken);

    public Task Report(CityAqiSummary summary)
    {
        if (state.State.Cities.TryGetValue(summary.CityId, out var known) && known == summary) return Task.CompletedTask;
        state.State.Cities[summary.CityId] = summary;
        _snapshot = null;
        _writes.Changed();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<CityAqiSummary>> GetAll() =>
        Task.FromResult(_snapshot ??= state.State.Cities.Values.OrderBy(c => c.CityId, StringComparer.Ordinal).ToList());
}

[GenerateSerializer]
public sealed class RankingsState
{
    [Id(0)] public Dictionary<string, CityAqiSummary> Cities { get; set; } = [];
}
