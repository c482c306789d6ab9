using AirQuality.Domain.Cities;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Ingestion;
using AirQuality.Grains.Quality;
using AirQuality.Grains.Storage;
using Orleans.Concurrency;
using Orleans.Placement;

namespace AirQuality.Grains.Cities;

/// <summary>
/// One city, the flow of a reading: the `poll` reminder (or the start timer, a request, the watchdog) runs one
/// <see cref="PollCycle"/> at a time; the <see cref="CityAssessor"/> records what it brings, <see cref="CityHistory"/>
/// merges it into the <see cref="CityWindow"/> and the store, the <see cref="StateWriter{T}"/> writes the state when it
/// changed, and <see cref="CityAnnouncer"/> tells the rankings and the forecast grain (one <see cref="CityHoursChanged"/>).
/// Reentrant: reads are answered while a poll waits on the network; changes are serialised by <see cref="_mutation"/>.
/// Placed at random, not by the default resource-optimised placement: thousands of alike grains activated in one burst
/// at start herded onto whichever silo looked least loaded (2,546 / 1,866 / 588 of 5,000 over three silos).
/// </summary>
[Reentrant, RandomPlacement]
public sealed class CityGrain([PersistentState("city", GrainStorage.Name)] IPersistentState<CityState> state, CityParts parts)
    : Grain, ICityGrain, IRemindable
{
    public const string PollReminder = "poll";

    private readonly AsyncLock _mutation = new();
    private readonly SingleFlight _polls = new();
    private City _city = null!;
    private PollCycle _cycle = null!;
    private CityHistory _history = null!;
    private CityAnnouncer _announcer = null!;
    private CityWindow _window = null!;
    private CityAssessor _assessor = null!;
    private StateWriter<CityState> _writer = null!;
    private IGrainTimer? _historyTimer;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _city = parts.CityOf(this.GetPrimaryKeyString());
        _cycle = parts.Cycle(_city, GrainFactory);
        _history = parts.History(_city);
        _announcer = parts.Announcer(_city, GrainFactory);
        _writer = parts.Writer(state, this, _city, _mutation);
        if (state.State.BackfilledAt is null)
            await _history.FillFirstAsync(state, _cycle.LocalHistory, parts.Now, cancellationToken);
        _window = new CityWindow(state.State.Window, parts.Options.WindowHours);
        _assessor = parts.Assessor(_city, state.State.Quality, GrainFactory);
        _assessor.Assess(_window.Current(_city), parts.Now);
        if (state.State.HistoryBackfilledAt is null && _cycle.RemoteHistory is { } remote)
            _historyTimer = this.RegisterGrainTimer(ct => BackfillHistoryAsync(remote, ct),
                new GrainTimerCreationOptions(TimeSpan.Zero, parts.Options.HistoryRetryPeriod) { Interleave = true });
        // Not awaited: after a silo loss the rankings grain may be moving too, and the city answers at once rather than after it.
        if (_assessor.Current is { } current) _announcer.AnnounceAsync(current, null, parts.Now).Ignore();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A failed activation may have neither (hence the ?.).
        _assessor?.Forget();
        // A state the store refused so far gets one last try; a silo stopping gracefully hands the city over with it.
        await (_writer?.SaveAsync(changed: false) ?? Task.CompletedTask);
    }

    public async Task Start()
    {
        if (await this.GetReminder(PollReminder) is null) await RegisterReminderAsync();
        // Not polled within a period (first start, a long outage): poll at once rather than at the next reminder.
        if (PollSchedule.Overdue(state.State.Sources.Values, parts.Now, parts.Options.PollPeriod))
            this.RegisterGrainTimer(_ => Poll("start"), new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { Interleave = true });
        await GrainFactory.GetGrain<ICityForecastGrain>(GrainKeys.Forecast(_city.Id)).Start();
    }

    public async Task EnsurePolling()
    {
        await RegisterReminderAsync();
        await Poll("watchdog");
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => reminderName == PollReminder ? Poll("reminder") : Task.CompletedTask;

    public Task PollNow() => Poll("request");

    public Task<CityCurrent?> GetCurrent() => Task.FromResult(_assessor.Current);

    public Task<IReadOnlyList<CityHour>> GetRecent(int hours) => Task.FromResult(_window.Recent(hours));

    // A copy of the window: it may change while the store is read (the grain is reentrant).
    public Task<IReadOnlyList<CityHour>> GetHistory(DateTime from, DateTime to) => _history.BetweenAsync(_window.Hours.ToList(), from, to);

    public Task<IReadOnlyList<SourcePollStatus>> GetSourceStatus() => Task.FromResult<IReadOnlyList<SourcePollStatus>>([.. state.State.Sources.Values.OrderBy(s => s.Source)]);

    public async Task<int> Ingest(IReadOnlyList<SourceReading> readings)
    {
        var now = parts.Now;
        var result = _cycle.Accept(readings, now);
        await ApplyAsync(result, now, polled: false);
        return result.Fresh.Count;
    }

    /// <summary>
    /// One poll in flight per city: a request while one runs joins it rather than fetching (and spending budgets) again.
    /// The fetch and merge run in one of the silo's <see cref="PollSlots"/> (the poll's hour is the time it gets one);
    /// the announcement follows outside it, so a slot is not held while the forecast grain recomputes.
    /// </summary>
    private Task Poll(string trigger) => _polls.Run(async () =>
    {
        var merged = await parts.Slots.Run(async () =>
        {
            parts.Metrics.Polled(trigger);
            var now = parts.Now;
            return await MergeAsync(await _cycle.FetchAsync(now), now);
        });
        await AnnounceAsync(merged);
        GrainFactory.GetGrain<IPollWatchdogGrain>(GrainKeys.PollWatchdog).Polled(_city.Id).Ignore();
    }, parts.Metrics.Joined);

    /// <summary>Merges what a poll brought and records the sources' outcomes; writes the state only on a change; announces outside the lock.</summary>
    private async Task ApplyAsync(PollResult result, DateTime now, bool changedState = false, bool polled = true) =>
        await AnnounceAsync(await MergeAsync(result, now, changedState, polled));

    /// <summary>Merges what a poll brought and records the sources' outcomes under the lock; writes the state only on a change.</summary>
    private Task<(IReadOnlyList<CityHour> Changed, bool FlagsChanged)> MergeAsync(PollResult result, DateTime now, bool changedState = false, bool polled = true) =>
        _mutation.Run(async () =>
        {
            changedState |= PollCycle.Record(state.State.Sources, result.Outcomes, now);
            changedState |= _assessor.Record(result, now, polled);
            var changed = await _history.MergeAsync(_window, result.Fresh);
            await _writer.SaveAsync(changedState || changed.Count > 0);
            var flagsChanged = _assessor.Assess(_window.Current(_city), now);
            _cycle.Commit(result);
            return (changed, flagsChanged);
        });

    /// <summary>Tells the rankings and the forecast grain what a merge changed; outside the lock, so a slow or moving rankings grain never holds up the next poll.</summary>
    private async Task AnnounceAsync((IReadOnlyList<CityHour> Changed, bool FlagsChanged) merged)
    {
        var (changed, flagsChanged) = merged;
        if (changed.Count > 0) await _announcer.AnnounceAsync(_assessor.Current, changed, parts.Now);
        // Flags that changed without the hours (a stale source, rejected values): cached answers of the city are dropped too.
        else if (flagsChanged) await _announcer.AnnounceAsync(_assessor.Current, null, parts.Now);
    }

    /// <summary>The first start's history from a remote source (OpenWeather), in the background, retried by its timer until it succeeds once.</summary>
    private async Task BackfillHistoryAsync(IHistorySource remote, CancellationToken cancellationToken)
    {
        if (state.State.HistoryBackfilledAt is null)
        {
            var now = parts.Now;
            if (await _history.FetchRemoteAsync(_cycle, remote, now, cancellationToken) is not { } result) return;
            state.State.HistoryBackfilledAt = now;
            await ApplyAsync(result, now, changedState: true);
        }
        _historyTimer?.Dispose();
        _historyTimer = null;
    }

    private Task RegisterReminderAsync() => this.RegisterOrUpdateReminder(PollReminder, parts.PollDue(_city), parts.Options.PollPeriod);
}
