using AirQuality.Grains.Ingestion;
using Microsoft.Extensions.Logging;

namespace AirQuality.Grains.Cities;

/// <summary>The city's side of the real sources: repeat detection, a staggered poll time, and the keyed history backfill.</summary>
public sealed partial class CityGrain
{
    private readonly ReadingLedger _ledger = new();
    private IGrainTimer? _historyTimer;

    /// <summary>This city's place in the poll wave: cities in catalog order, spread evenly over <see cref="CityOptions.PollSpread"/>.</summary>
    private TimeSpan PollStagger()
    {
        var all = catalog.All;
        var index = 0;
        while (index < all.Count && all[index].Id != _city.Id) index++;
        return all.Count == 0 || index == all.Count ? TimeSpan.Zero : _options.PollSpread * index / all.Count;
    }

    /// <summary>
    /// On a city's first start with a history source keyed (OpenWeather), fetches its past <see cref="CityOptions.BackfillDays"/>
    /// in the background: activation does not wait for it, and a failure is tried again every
    /// <see cref="CityOptions.HistoryRetryPeriod"/> until it succeeds once.
    /// </summary>
    private void ScheduleHistoryBackfill()
    {
        if (state.State.HistoryBackfilledAt is not null || _historyTimer is not null) return;
        var history = sources.OfType<IHistorySource>().FirstOrDefault(s => s.Enabled);
        if (history is null) return;
        _historyTimer = this.RegisterGrainTimer(ct => BackfillHistoryAsync(history, ct),
            new GrainTimerCreationOptions(TimeSpan.Zero, _options.HistoryRetryPeriod) { Interleave = true });
    }

    private async Task BackfillHistoryAsync(IHistorySource history, CancellationToken cancellationToken)
    {
        if (state.State.HistoryBackfilledAt is not null)
        {
            StopHistoryTimer();
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var to = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc);
        var from = to.AddDays(-_options.BackfillDays);
        if (from < history.HistoryStart) from = history.HistoryStart;
        SourceFetch fetch;
        using (var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            cts.CancelAfter(_options.HistoryTimeout);
            try
            {
                fetch = await history.FetchHistoryAsync(_city, from, to, cts.Token);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                var message = cts.IsCancellationRequested ? $"history timed out after {_options.HistoryTimeout.TotalMinutes:0} min" : ex.Message;
                logger.LogWarning("History backfill of {City} from {Source} failed, next try in {Minutes:0} min: {Error}",
                    _city.Name, history.Name, _options.HistoryRetryPeriod.TotalMinutes, message);
                health.Report(GrainFactory, [SourceHealthReporter.Polled(history.Name, _city.Id, now, "history: " + message, 0, 0, [])]);
                return;
            }
        }

        var (ok, rejected) = Validate(fetch.Readings, now);
        var (fresh, duplicates) = _ledger.Filter(ok);
        bool? announce = null;
        await _mutation.WaitAsync(cancellationToken);
        try
        {
            // One read of the range, not one per hour: a backfill is thousands of hours.
            var known = (await store.GetHoursAsync(_city.Id, from, to.AddHours(1), cancellationToken)).ToDictionary(h => h.Hour);
            var window = state.State.Window;
            foreach (var h in window) known[h.Hour] = h;
            var merged = fresh.GroupBy(r => r.Hour).OrderBy(g => g.Key)
                .Select(g => MergePolicy.Merge(g.Key, known.GetValueOrDefault(g.Key), g)).ToList();
            await store.SaveRawAsync(fresh, cancellationToken);
            await store.SaveHoursAsync(_city.Id, merged, cancellationToken);
            var windowStart = to.AddHours(1 - _options.WindowHours);
            foreach (var h in merged.Where(h => h.Hour >= windowStart))
            {
                var index = window.FindIndex(w => w.Hour == h.Hour);
                if (index >= 0) window[index] = h;
                else InsertSorted(window, h);
            }
            if (window.Count > _options.WindowHours) window.RemoveRange(0, window.Count - _options.WindowHours);
            state.State.HistoryBackfilledAt = now;
            announce = await ApplyAsync([]);
            _ledger.Commit(fresh);
            logger.LogInformation("Backfilled {Hours} hours of {Source} history for {City} ({From:yyyy-MM-dd} to {To:yyyy-MM-dd HH}:00)",
                merged.Count, history.Name, _city.Name, from, to);
        }
        finally
        {
            _mutation.Release();
        }
        await AnnounceAfterApplyAsync(announce);
        health.Report(GrainFactory, [SourceHealthReporter.Polled(history.Name, _city.Id, now, null, fresh.Count, duplicates, rejected.Concat(fetch.Rejections))]);
        StopHistoryTimer();
    }

    private void StopHistoryTimer()
    {
        _historyTimer?.Dispose();
        _historyTimer = null;
    }
}
