using AirQuality.Domain.Aqi;
using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Ingestion;
using AirQuality.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace AirQuality.Grains.Cities;

/// <summary>
/// One city: polls its sources hourly through the `poll` reminder, merges and validates what they give, keeps the
/// last hours in memory and in its persisted state, writes every hour to the reading store, and reports its AQI to
/// the rankings. Reentrant so that reads are answered while a poll waits on the network; changes to the window are
/// serialised by <see cref="_mutation"/>.
/// </summary>
[Reentrant]
public sealed partial class CityGrain(
    [PersistentState("city", GrainStorage.Name)] IPersistentState<CityState> state,
    CityCatalog catalog,
    IEnumerable<IAirQualitySource> sources,
    IReadingStore store,
    TimeProvider clock,
    IOptions<CityOptions> options,
    SourceHealthReporter health,
    ILogger<CityGrain> logger) : Grain, ICityGrain, IRemindable
{
    public const string PollReminder = "poll";

    private readonly SemaphoreSlim _mutation = new(1, 1);
    private readonly CityOptions _options = options.Value;
    private City _city = null!;
    private CityCurrent? _current;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var id = GrainKeys.CityIdOf(this.GetPrimaryKeyString());
        _city = catalog.ById(id) ?? throw new InvalidOperationException($"City '{id}' is not in the catalog");
        if (state.State.BackfilledAt is null)
            await BackfillAsync(cancellationToken);
        ScheduleHistoryBackfill();
        _current = ComputeCurrent();
        if (_current is null) return;
        // Answers cached while this city was inactive or not yet started may be stale. Not awaited: after a silo loss the
        // rankings grain may be moving too, and the city answers at once rather than after it.
        AnnounceAsync(publish: true).Ignore();
    }

    public async Task Start()
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (await this.GetReminder(PollReminder) is null)
            await this.RegisterOrUpdateReminder(PollReminder, DueTime(now), _options.PollPeriod);
        // A city that has not polled within a period (first start, or a long outage) polls at once rather than
        // waiting for the next reminder; a silo restart within the period does not poll the upstreams again.
        var lastPoll = state.State.Sources.Values.Select(s => s.LastAttempt).Max();
        if (lastPoll is null || now - lastPoll.Value >= _options.PollPeriod)
            this.RegisterGrainTimer(async _ => await PollNow(), new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { Interleave = true });
        await GrainFactory.GetGrain<ICityForecastGrain>(GrainKeys.Forecast(_city.Id)).Start();
    }

    public Task<CityCurrent?> GetCurrent() => Task.FromResult(_current);

    public Task<IReadOnlyList<CityHour>> GetRecent(int hours)
    {
        var window = state.State.Window;
        var n = Math.Clamp(hours, 0, window.Count);
        return Task.FromResult<IReadOnlyList<CityHour>>(window.GetRange(window.Count - n, n));
    }

    public async Task<IReadOnlyList<CityHour>> GetHistory(DateTime from, DateTime to)
    {
        // Copy first: the window may change while the store is read (the grain is reentrant).
        var window = state.State.Window.ToList();
        var windowStart = window.Count > 0 ? window[0].Hour : to;
        var result = new List<CityHour>();
        if (from < windowStart)
            result.AddRange(await store.GetHoursAsync(_city.Id, from, windowStart < to ? windowStart : to));
        result.AddRange(window.Where(h => h.Hour >= from && h.Hour < to));
        return result;
    }

    public Task<IReadOnlyList<SourcePollStatus>> GetSourceStatus() =>
        Task.FromResult<IReadOnlyList<SourcePollStatus>>(state.State.Sources.Values.OrderBy(s => s.Source).ToList());

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == PollReminder) await PollNow();
    }

    public async Task PollNow()
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var active = sources.Where(s => s.Enabled).ToList();
        // Sources run side by side, each under its own timeout: one slow or failing upstream never holds the rest.
        var fetches = await Task.WhenAll(active.Select(s => FetchAsync(s, now)));
        bool? announce = null;
        await _mutation.WaitAsync();
        try
        {
            var accepted = new List<SourceReading>();
            var reports = new List<SourcePollReport>();
            foreach (var (source, fetch, error) in fetches)
            {
                if (fetch?.Skipped is { } skipped)
                {
                    reports.Add(SourceHealthReporter.Skipped(source.Name, _city.Id, now, skipped));
                    continue;
                }
                var (ok, rejected) = Validate(fetch?.Readings ?? [], now);
                var (fresh, duplicates) = _ledger.Filter(ok);
                accepted.AddRange(fresh);
                RecordStatus(source.Name, now, error, fresh.Count, rejected.Count + (fetch?.Rejections.Count ?? 0));
                foreach (var r in rejected.Concat(fetch?.Rejections ?? []))
                    logger.LogWarning("Rejected {Source} value for {City}: {Reason} ({Detail})", r.Source, _city.Name, r.Reason, r.Detail);
                reports.Add(SourceHealthReporter.Polled(source.Name, _city.Id, now, error, fresh.Count, duplicates, rejected.Concat(fetch?.Rejections ?? [])));
            }
            announce = await ApplyAsync(accepted);
            _ledger.Commit(accepted);
            health.Report(GrainFactory, reports);
        }
        finally
        {
            _mutation.Release();
        }
        await AnnounceAfterApplyAsync(announce);
    }

    public async Task<int> Ingest(IReadOnlyList<SourceReading> readings)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        bool? announce = null;
        int count;
        await _mutation.WaitAsync();
        try
        {
            var mine = readings.Where(r => r.CityId == _city.Id).ToList();
            var (ok, rejected) = Validate(mine, now);
            foreach (var source in mine.Select(r => r.Source).Distinct())
                RecordStatus(source, now, null, ok.Count(r => r.Source == source), rejected.Count(r => r.Source == source));
            var (fresh, _) = _ledger.Filter(ok);
            announce = await ApplyAsync(fresh);
            _ledger.Commit(fresh);
            count = fresh.Count;
        }
        finally
        {
            _mutation.Release();
        }
        await AnnounceAfterApplyAsync(announce);
        return count;
    }

    private async Task<(IAirQualitySource Source, SourceFetch? Fetch, string? Error)> FetchAsync(IAirQualitySource source, DateTime now)
    {
        using var cts = new CancellationTokenSource(_options.SourceTimeout);
        try
        {
            return (source, await source.FetchAsync(_city, now, cts.Token), null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var message = cts.IsCancellationRequested ? $"timed out after {_options.SourceTimeout.TotalSeconds:0} s" : ex.Message;
            logger.LogWarning("Source {Source} failed for {City}: {Error}", source.Name, _city.Name, message);
            return (source, null, message);
        }
    }

    private static (List<SourceReading> Accepted, List<Rejection> Rejected) Validate(IEnumerable<SourceReading> readings, DateTime now)
    {
        var accepted = new List<SourceReading>();
        var rejected = new List<Rejection>();
        foreach (var r in readings)
        {
            var (ok, why) = ReadingValidator.Validate(r, now);
            if (ok is not null) accepted.Add(ok);
            rejected.AddRange(why);
        }
        return (accepted, rejected);
    }

    private void RecordStatus(string source, DateTime now, string? error, int accepted, int rejected)
    {
        var previous = state.State.Sources.GetValueOrDefault(source);
        state.State.Sources[source] = error is null
            ? new SourcePollStatus(source, now, now, previous?.LastError, 0, accepted, rejected)
            : new SourcePollStatus(source, now, previous?.LastSuccess, error, (previous?.ConsecutiveFailures ?? 0) + 1, 0, rejected);
    }

    /// <summary>
    /// Merges accepted readings into the window and the store and refreshes the AQI; returns whether readings changed.
    /// Callers announce the result (<see cref="AnnounceAfterApplyAsync"/>) after releasing the mutation lock: a slow or
    /// moving rankings grain must never hold up the city's next poll.
    /// </summary>
    private async Task<bool> ApplyAsync(IReadOnlyList<SourceReading> readings)
    {
        if (readings.Count > 0)
        {
            var window = state.State.Window;
            var changed = new List<CityHour>();
            foreach (var byHour in readings.GroupBy(r => r.Hour).OrderBy(g => g.Key))
            {
                var index = window.FindIndex(h => h.Hour == byHour.Key);
                CityHour? existing = index >= 0 ? window[index] : null;
                if (existing is null && window.Count > 0 && byHour.Key < window[0].Hour)
                {
                    // Older than the window: merge with what the store holds for that hour.
                    var stored = await store.GetHoursAsync(_city.Id, byHour.Key, byHour.Key.AddHours(1));
                    existing = stored.Count > 0 ? stored[0] : null;
                }
                var merged = MergePolicy.Merge(byHour.Key, existing, byHour);
                changed.Add(merged);
                if (index >= 0) window[index] = merged;
                else if (window.Count == 0 || byHour.Key > window[0].Hour) InsertSorted(window, merged);
            }
            if (window.Count > _options.WindowHours) window.RemoveRange(0, window.Count - _options.WindowHours);
            await store.SaveRawAsync(readings);
            await store.SaveHoursAsync(_city.Id, changed);
            GrainFactory.GetGrain<ICityForecastGrain>(GrainKeys.Forecast(_city.Id)).NewHour(changed.Max(h => h.Hour)).Ignore();
        }
        await state.WriteStateAsync();
        _current = ComputeCurrent();
        return readings.Count > 0;
    }

    /// <summary>Tells the rankings and the web fronts after <see cref="ApplyAsync"/>, outside the mutation lock.</summary>
    private async Task AnnounceAfterApplyAsync(bool? publish)
    {
        if (publish is { } p && _current is not null) await AnnounceAsync(p);
    }

    private static void InsertSorted(List<CityHour> window, CityHour hour)
    {
        var i = window.Count;
        while (i > 0 && window[i - 1].Hour > hour.Hour) i--;
        window.Insert(i, hour);
    }

    /// <summary>First start: take what the store already has, and fill the rest with the simulator when it is on.</summary>
    private async Task BackfillAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var to = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc);
        var from = to.AddDays(-_options.BackfillDays);
        var simulated = sources.FirstOrDefault(s => s is SimulatedSource { Enabled: true });
        var have = await store.CountHoursAsync(_city.Id, from, to.AddHours(1), cancellationToken);
        if (simulated is not null && have < (to - from).TotalHours * 0.9)
        {
            var readings = SimulatedSource.Range(_city, from, to).ToList();
            var hours = readings.Select(r => MergePolicy.Merge(r.Hour, null, [r])).ToList();
            await store.SaveHoursAsync(_city.Id, hours, cancellationToken);
            logger.LogInformation("Backfilled {Hours} simulated hours for {City}", hours.Count, _city.Name);
        }
        var recent = await store.GetHoursAsync(_city.Id, to.AddHours(1 - _options.WindowHours), to.AddHours(1), cancellationToken);
        state.State.Window = recent.ToList();
        state.State.BackfilledAt = now;
        await state.WriteStateAsync(cancellationToken);
    }

    private CityCurrent? ComputeCurrent()
    {
        var window = state.State.Window;
        if (window.Count == 0) return null;
        var latest = window[^1];
        var series = CityHourSeries.Window(window, latest.Hour);
        var sourcesUsed = latest.Values.Select(m => m.Source).Distinct().Order(StringComparer.Ordinal).ToList();
        return new CityCurrent(
            _city.Id,
            _city.Name,
            latest.Hour,
            IndiaAqi.FromHourly(series),
            UsAqi.FromHourly(series, latest.Hour),
            latest,
            sourcesUsed,
            sourcesUsed.Contains(SourceNames.Simulated),
            window.Count);
    }

    private static readonly TimeSpan RankingsTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Tells the rankings the city's AQI, then (when <paramref name="publish"/>) tells the web fronts the city changed.
    /// In that order: a web front that drops its cached rankings on the change must find the new AQI when it asks again.
    /// </summary>
    private async Task AnnounceAsync(bool publish)
    {
        var c = _current!;
        var summary = new CityAqiSummary(c.CityId, c.City, _city.State, c.Timestamp, c.India.Headline, c.India.Category,
            c.India.Complete, c.Us.Aqi, c.Us.Category, c.India.Dominant?.Code(), c.Simulated);
        try
        {
            // Bounded: a rankings grain on a silo that just died is not waited for past the next poll's time.
            await GrainFactory.GetGrain<IRankingsGrain>(GrainKeys.Rankings).Report(summary).WaitAsync(RankingsTimeout);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The next poll reports again; the city's own answers are already up to date.
            logger.LogWarning("Rankings did not take {City}'s AQI: {Error}", _city.Name, ex.Message);
        }
        if (publish)
            GrainFactory.GetGrain<INotifierGrain>(GrainKeys.Notifier)
                .Publish(new CityChange(_city.Id, CityChangeKind.Readings, clock.GetUtcNow().UtcDateTime, c.India.Headline)).Ignore();
    }

    private TimeSpan DueTime(DateTime now)
    {
        var next = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc).Add(_options.PollOffset + PollStagger());
        while (next <= now) next = next.Add(_options.PollPeriod);
        return next - now;
    }
}
