using AirQuality.Domain.Cities;
using AirQuality.Grains.Abstractions;
using AirQuality.Domain.Quality;
using AirQuality.Grains.Ingestion;
using AirQuality.Grains.Quality;
using AirQuality.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Storage;

namespace AirQuality.Grains.Cities;

/// <summary>
/// One city, the flow of a reading: the `poll` reminder (or the start timer, a request, the watchdog) runs one
/// <see cref="PollCycle"/> at a time; what it brings is merged into the <see cref="CityWindow"/> and the store
/// (<see cref="CityHistory"/>); the state is written when something changed; then <see cref="CityAnnouncer"/> tells the
/// rankings and sends one <see cref="CityHoursChanged"/> to the forecast grain, which passes it to the notifier.
/// Reentrant so that reads are answered while a poll waits on the network; changes are serialised by <see cref="_mutation"/>.
/// </summary>
[Reentrant]
public sealed class CityGrain(
    [PersistentState("city", GrainStorage.Name)] IPersistentState<CityState> state,
    CityCatalog catalog,
    IEnumerable<IAirQualitySource> sources,
    IReadingStore store,
    TimeProvider clock,
    IOptions<CityOptions> options,
    SourceHealthReporter health,
    CityMetrics metrics,
    QualityMetrics qualityMetrics,
    WriteBufferMonitor writes,
    IOptions<WriteBufferOptions> writeOptions,
    ILogger<CityGrain> logger) : Grain, ICityGrain, IRemindable
{
    public const string PollReminder = "poll";

    private readonly SemaphoreSlim _mutation = new(1, 1);
    private readonly CityOptions _options = options.Value;
    private readonly TimeSpan _retryPeriod = writeOptions.Value.StateRetryPeriod;
    private City _city = null!;
    private PollCycle _cycle = null!;
    private CityHistory _history = null!;
    private CityAnnouncer _announcer = null!;
    private CityWindow _window = null!;
    private CityQualityTracker _quality = null!;
    private CityCurrent? _current;
    private readonly SingleFlight _polls = new();
    private IGrainTimer? _historyTimer;
    private IGrainTimer? _stateRetry;
    private bool _stateUnsaved;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var id = GrainKeys.CityIdOf(this.GetPrimaryKeyString());
        _city = catalog.ById(id) ?? throw new InvalidOperationException($"City '{id}' is not in the catalog");
        _cycle = new PollCycle(_city, sources.ToList(), health, GrainFactory, _options.SourceTimeout, logger);
        _history = new CityHistory(_city, store, _options, logger);
        _announcer = new CityAnnouncer(_city, GrainFactory, logger);
        if (state.State.BackfilledAt is null)
            await _history.FillFirstAsync(state, _cycle.LocalHistory, Now, cancellationToken);
        _window = new CityWindow(state.State.Window, _options.WindowHours);
        _quality = new CityQualityTracker(_city, state.State.Quality, DataQualityRules.Default);
        _current = Assess(Now);
        if (state.State.HistoryBackfilledAt is null && _cycle.RemoteHistory is { } remote)
            _historyTimer = this.RegisterGrainTimer(ct => BackfillHistoryAsync(remote, ct),
                new GrainTimerCreationOptions(TimeSpan.Zero, _options.HistoryRetryPeriod) { Interleave = true });
        // Not awaited: after a silo loss the rankings grain may be moving too, and the city answers at once rather than after it.
        if (_current is not null) _announcer.AnnounceAsync(_current, null, Now).Ignore();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A failed activation has no city.
        if (_city is not null) qualityMetrics.Forget(_city.Id);
        // A state the store refused so far gets one last try; a silo stopping gracefully hands the city over with it.
        if (_stateUnsaved) await SaveStateAsync();
    }

    public async Task Start()
    {
        if (await this.GetReminder(PollReminder) is null) await RegisterReminderAsync();
        // Not polled within a period (first start, a long outage): poll at once rather than at the next reminder.
        var lastPoll = state.State.Sources.Values.Select(s => s.LastAttempt).Max();
        if (lastPoll is null || Now - lastPoll.Value >= _options.PollPeriod)
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

    public Task<CityCurrent?> GetCurrent() => Task.FromResult(_current);

    public Task<IReadOnlyList<CityHour>> GetRecent(int hours) => Task.FromResult(_window.Recent(hours));

    // A copy of the window: it may change while the store is read (the grain is reentrant).
    public Task<IReadOnlyList<CityHour>> GetHistory(DateTime from, DateTime to) => _history.BetweenAsync(_window.Hours.ToList(), from, to);

    public Task<IReadOnlyList<SourcePollStatus>> GetSourceStatus() => Task.FromResult<IReadOnlyList<SourcePollStatus>>([.. state.State.Sources.Values.OrderBy(s => s.Source)]);

    public async Task<int> Ingest(IReadOnlyList<SourceReading> readings)
    {
        var result = _cycle.Accept(readings, Now);
        await ApplyAsync(result, Now, polled: false);
        return result.Fresh.Count;
    }

    /// <summary>One poll in flight per city: a request while one runs joins it rather than fetching (and spending budgets) again.</summary>
    private Task Poll(string trigger) => _polls.Run(async () =>
    {
        metrics.Polled(trigger);
        var now = Now;
        await ApplyAsync(await _cycle.FetchAsync(now), now);
        GrainFactory.GetGrain<IPollWatchdogGrain>(GrainKeys.PollWatchdog).Polled(_city.Id).Ignore();
    }, metrics.Joined);

    /// <summary>Merges what a poll brought and records the sources' outcomes; writes the state only on a change; announces outside the lock.</summary>
    private async Task ApplyAsync(PollResult result, DateTime now, bool changedState = false, bool polled = true)
    {
        IReadOnlyList<CityHour> changed;
        bool qualityChanged;
        await _mutation.WaitAsync();
        try
        {
            changedState |= PollCycle.Record(state.State.Sources, result.Outcomes, now);
            changedState |= _quality.Record(result, now, polled);
            changed = await _history.MergeAsync(_window, result.Fresh);
            if (changedState || changed.Count > 0 || _stateUnsaved) await SaveStateAsync();
            var before = _current?.Quality;
            _current = Assess(now);
            qualityChanged = !(_current?.Quality?.SameAs(before) ?? before is null);
            _cycle.Commit(result);
        }
        finally
        {
            _mutation.Release();
        }
        // Outside the lock: a slow or moving rankings grain never holds up the next poll.
        if (changed.Count > 0) await _announcer.AnnounceAsync(_current, changed, Now);
        // Flags that changed without the hours (a stale source, rejected values): cached answers of the city are dropped too.
        else if (qualityChanged) await _announcer.AnnounceAsync(_current, null, Now);
    }

    /// <summary>The current air with the city's data-quality flags; reports the flags to metrics and the quality grain.</summary>
    private CityCurrent? Assess(DateTime now)
    {
        var current = _window.Current(_city);
        var quality = _quality.Assess(now, current?.Quality?.Excluded);
        qualityMetrics.Checked(_city.Id, quality.Flags);
        if (!quality.SameAs(_current?.Quality))
            GrainFactory.GetGrain<IDataQualityGrain>(GrainKeys.Quality).Report(quality).Ignore();
        return current is null ? null : current with { Quality = quality };
    }

    /// <summary>
    /// Writes the state. While the store refuses it (down, read-only) the city keeps serving and merging from memory and
    /// a timer writes it again every <see cref="WriteBufferOptions.StateRetryPeriod"/>; a conflicting write (another
    /// activation wrote meanwhile) is not a store failure and is thrown.
    /// </summary>
    private async Task SaveStateAsync()
    {
        try
        {
            await WriteAsync();
        }
        catch (Exception ex) when (ex is not InconsistentStateException and not OutOfMemoryException)
        {
            if (!_stateUnsaved) logger.LogWarning("State of {City} not written ({Error}); kept in memory and retried", _city.Name, ex.Message);
            _stateUnsaved = true;
            writes.StateUnsaved(this.GetPrimaryKeyString(), ex);
            _stateRetry ??= this.RegisterGrainTimer(RetryStateAsync, new GrainTimerCreationOptions(_retryPeriod, _retryPeriod) { Interleave = true });
            return;
        }
        if (!_stateUnsaved) return;
        _stateUnsaved = false;
        writes.StateSaved(this.GetPrimaryKeyString());
        _stateRetry?.Dispose();
        _stateRetry = null;
        logger.LogInformation("State of {City} written again", _city.Name);
    }

    /// <summary>
    /// Writes the state. After a refused write, a version conflict means that write reached the store before its
    /// connection broke (the store holds this activation's own newer version): the store's version tag is taken and
    /// this activation's state, the city's state, written again.
    /// </summary>
    private async Task WriteAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException) when (_stateUnsaved)
        {
            var mine = state.State;
            await state.ReadStateAsync();
            state.State = mine;
            await state.WriteStateAsync();
        }
    }

    private async Task RetryStateAsync(CancellationToken cancellationToken)
    {
        await _mutation.WaitAsync(cancellationToken);
        try
        {
            if (_stateUnsaved) await SaveStateAsync();
        }
        finally
        {
            _mutation.Release();
        }
    }

    /// <summary>The first start's history from a remote source (OpenWeather), in the background, retried by its timer until it succeeds once.</summary>
    private async Task BackfillHistoryAsync(IHistorySource remote, CancellationToken cancellationToken)
    {
        if (state.State.HistoryBackfilledAt is null)
        {
            var now = Now;
            if (await _cycle.FetchHistoryAsync(remote, now, _options.BackfillDays, _options.HistoryTimeout, cancellationToken) is not { } result) return;
            state.State.HistoryBackfilledAt = now;
            await ApplyAsync(result, now, changedState: true);
        }
        _historyTimer?.Dispose();
        _historyTimer = null;
    }

    private Task RegisterReminderAsync() =>
        this.RegisterOrUpdateReminder(PollReminder, PollSchedule.DueTime(Now, _options, catalog, _city.Id), _options.PollPeriod);
}
