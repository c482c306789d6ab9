using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Ingestion;
using AirQuality.Grains.Storage;
using Microsoft.Extensions.Logging;

namespace AirQuality.Grains.Cities;

/// <summary>A city's side of the reading store: its first window, merges that reach past the window, and history beyond it.</summary>
public sealed class CityHistory(City city, IReadingStore store, CityOptions options, ILogger logger)
{
    /// <summary>
    /// First start: the window is what the store has of the last <see cref="CityOptions.WindowHours"/>, after filling the
    /// missing history from a local history source (the simulator) when one is on and the store has less than 90 %.
    /// </summary>
    public async Task FillFirstAsync(IPersistentState<CityState> state, IHistorySource? local, DateTime now, CancellationToken cancellationToken)
    {
        var to = Hours.Floor(now);
        var from = to.AddDays(-options.BackfillDays);
        if (local is not null && await store.CountHoursAsync(city.Id, from, to.AddHours(1), cancellationToken) < (to - from).TotalHours * 0.9)
        {
            var fetch = await local.FetchHistoryAsync(city, from, to, cancellationToken);
            var hours = fetch.Readings.Select(r => MergePolicy.Merge(r.Hour, null, [r])).ToList();
            await store.SaveHoursAsync(city.Id, hours, cancellationToken);
            logger.LogInformation("Backfilled {Hours} {Source} hours for {City}", hours.Count, local.Name, city.Name);
        }
        state.State.Window = (await store.GetHoursAsync(city.Id, to.AddHours(1 - options.WindowHours), to.AddHours(1), cancellationToken)).ToList();
        state.State.BackfilledAt = now;
        await state.WriteStateAsync(cancellationToken);
    }

    /// <summary>The first start's history from a remote source (OpenWeather): the backfill days under the history timeout; null when it failed.</summary>
    public Task<PollResult?> FetchRemoteAsync(PollCycle cycle, IHistorySource remote, DateTime now, CancellationToken cancellationToken) =>
        cycle.FetchHistoryAsync(remote, now, options.BackfillDays, options.HistoryTimeout, cancellationToken);

    /// <summary>
    /// Merges readings into the window, with what the store holds of hours older than the window, and saves the raw
    /// readings and the merged hours; returns the merged hours.
    /// </summary>
    public async Task<IReadOnlyList<CityHour>> MergeAsync(CityWindow window, IReadOnlyList<SourceReading> readings, CancellationToken cancellationToken = default)
    {
        if (readings.Count == 0) return [];
        var older = window.HoursToLookUp(readings);
        var stored = new Dictionary<DateTime, CityHour>();
        // A run of hours (a backfill) is read at once; a few scattered late hours one by one.
        List<(DateTime From, DateTime To)> ranges = older.Count == 0 ? []
            : (older[^1] - older[0]).TotalHours < 2 * older.Count ? [(older[0], older[^1])] : older.Select(h => (h, h)).ToList();
        foreach (var (from, to) in ranges)
            foreach (var h in await store.GetHoursAsync(city.Id, from, to.AddHours(1), cancellationToken)) stored[h.Hour] = h;
        var changed = window.Merge(readings, stored);
        await store.SaveRawAsync(readings, cancellationToken);
        await store.SaveHoursAsync(city.Id, changed, cancellationToken);
        return changed;
    }

    /// <summary>Hours in [<paramref name="from"/>, <paramref name="to"/>): the window's from memory, only older ones from the store.</summary>
    public async Task<IReadOnlyList<CityHour>> BetweenAsync(IReadOnlyList<CityHour> window, DateTime from, DateTime to)
    {
        var windowStart = window.Count > 0 ? window[0].Hour : to;
        var result = from < windowStart ? (await store.GetHoursAsync(city.Id, from, windowStart < to ? windowStart : to)).ToList() : [];
        result.AddRange(window.Where(h => h.Hour >= from && h.Hour < to));
        return result;
    }
}
