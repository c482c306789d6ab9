using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Storage;
using Orleans.Concurrency;

namespace AirQuality.Grains.Quality;

/// <summary>Keeps every city's latest data-quality flags (state name `quality`), as the rankings grain keeps their AQI.</summary>
[Reentrant]
public sealed class DataQualityGrain(
    [PersistentState("quality", GrainStorage.Name)] IPersistentState<DataQualityState> state) : Grain, IDataQualityGrain
{
    private IReadOnlyList<CityQuality>? _snapshot;
    private DeferredState<DataQualityState> _writes = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Written in the background at most every few seconds: every city reports again on its next change.
        _writes = new DeferredState<DataQualityState>(state, this, TimeSpan.FromSeconds(5));
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => _writes.FlushAsync(cancellationToken);

    public Task Report(CityQuality quality)
    {
        if (state.State.Cities.TryGetValue(quality.CityId, out var known) && known.CheckedAt >= quality.CheckedAt) return Task.CompletedTask;
        state.State.Cities[quality.CityId] = quality;
        _snapshot = null;
        // A new check time alone is not worth a state write: after a move, the next poll of each city reports again.
        if (!quality.SameAs(known)) _writes.Changed();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<CityQuality>> GetAll() =>
        Task.FromResult(_snapshot ??= state.State.Cities.Values.OrderBy(c => c.CityId, StringComparer.Ordinal).ToList());
}

[GenerateSerializer]
public sealed class DataQualityState
{
    [Id(0)] public Dictionary<string, CityQuality> Cities { get; set; } = [];
}
