using Microsoft.Extensions.Options;

namespace AirQuality.Grains.Cities;

/// <summary>
/// How many city polls run at once in this silo (<see cref="CityOptions.MaxConcurrentPolls"/>); a poll past the bound
/// waits for a slot (counted: <c>aq.city.polls_queued</c>). Thousands of places polled in the same minute (a cold start,
/// a catalog without spread) otherwise put the merge and state write of every one of them on the thread
/// pool at once, ahead of every request the silo serves meanwhile (the upstream calls are bounded apart, per source,
/// by <see cref="Ingestion.UpstreamHttp"/>). Waiting for a slot holds no thread and does not block
/// the city's reads (the grain is reentrant).
/// </summary>
public sealed class PollSlots(IOptions<CityOptions> options, CityMetrics metrics)
{
    private readonly int _limit = options.Value.MaxConcurrentPolls;
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentPolls, options.Value.MaxConcurrentPolls);

    /// <summary>Polls in progress now (slots taken).</summary>
    public int Running => _limit - _slots.CurrentCount;

    /// <summary>Runs <paramref name="poll"/> in a slot, waiting for one when all are taken.</summary>
    public async Task<T> Run<T>(Func<Task<T>> poll)
    {
        if (!_slots.Wait(0))
        {
            metrics.Queued();
            await _slots.WaitAsync();
        }
        try
        {
            return await poll();
        }
        finally
        {
            _slots.Release();
        }
    }
}
