using AirQuality.Domain.Aqi;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Storage;
using Orleans.Concurrency;

namespace AirQuality.Grains.Rankings;

/// <summary>
/// Keeps every city's latest AQI (state name `rankings`) so a ranking is one grain call, not one per city. Pages are
/// cut here from an ordered array per standard and order (built on the first request after a change), so a request
/// ships its page only, never all N rows.
/// </summary>
[Reentrant]
public sealed class RankingsGrain(
    [PersistentState("rankings", GrainStorage.Name)] IPersistentState<RankingsState> state) : Grain, IRankingsGrain
{
    private readonly CityAqiSummary[]?[] _ordered = new CityAqiSummary[4][];
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
        Array.Clear(_ordered);
        _writes.Changed();
        return Task.CompletedTask;
    }

    public Task<RankingsPage> GetPage(RankingsQuery query)
    {
        var slot = (query.Standard == AqiStandard.India ? 0 : 2) + (query.Descending ? 0 : 1);
        var ordered = _ordered[slot] ??= RankingsBook.Order(state.State.Cities.Values, query.Standard, query.Descending);
        return Task.FromResult(RankingsBook.Page(ordered, query));
    }
}

[GenerateSerializer]
public sealed class RankingsState
{
    [Id(0)] public Dictionary<string, CityAqiSummary> Cities { get; set; } = [];
}
