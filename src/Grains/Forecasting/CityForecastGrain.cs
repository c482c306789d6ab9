using AirQuality.Forecasting.Evaluation;
using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;
using AirQuality.Forecasting.Training;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Cities;
using AirQuality.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Placement;

namespace AirQuality.Grains.Forecasting;

/// <summary>
/// A city's forecasting companion (`forecast-{city}`): holds the model registry, serves the champion's forecast and
/// decides when to retrain: 20 new samples in 24 h, live accuracy below the champion's validation accuracy, daily at
/// 02:00 UTC, or on request. Training jobs go on the cluster's <see cref="ITrainingQueue"/> (one per city at a time,
/// automatic ones spread over <see cref="ForecastOptions.RetrainSpread"/>, the cooldown kept by the queue) and run on a
/// silo's <see cref="TrainingWorker"/>; this grain only records results.
/// Reentrant so that forecasts are answered while a refresh computes; refreshes and state writes are serialised. The
/// history a forecast is computed from lives in memory: read from the store once per activation, then kept up to date
/// by the city's <see cref="CityHoursChanged"/> messages.
/// Placed at random, as the city grains are (see <see cref="CityGrain"/>).
/// </summary>
[Reentrant, RandomPlacement]
public sealed class CityForecastGrain(
    [PersistentState("forecast", GrainStorage.Name)] IPersistentState<ForecastState> state,
    IReadingStore readings,
    ServingModels models,
    ITrainingQueue queue,
    IModelArtifactStore artifacts,
    TimeProvider clock,
    IOptions<ForecastOptions> options,
    ILogger<CityForecastGrain> logger) : Grain, ICityForecastGrain, IRemindable
{
    public const string DailyReminder = "retrain-daily";

    private readonly AsyncLock _writes = new();
    private readonly SemaphoreSlim _refreshes = new(1, 1);
    private Task<CityWindow>? _history;
    private readonly ForecastOptions _options = options.Value;
    private readonly Dictionary<string, CityForecast> _forecasts = [];
    private string _cityId = null!;
    private int _baselineReuseHours;
    private long? _job;
    private bool _jobKnown;
    private DateTime? _cooldownUntil;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _cityId = GrainKeys.CityIdOfForecast(this.GetPrimaryKeyString());
        _baselineReuseHours = _options.BaselineReuseFor(_cityId);
        return Task.CompletedTask;
    }

    public async Task Start()
    {
        if (await this.GetReminder(DailyReminder) is null)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var next = now.Date.Add(_options.DailyRetrainAt);
            if (next <= now) next = next.AddDays(1);
            await this.RegisterOrUpdateReminder(DailyReminder, next - now, TimeSpan.FromDays(1));
        }
        // Cold start: the best baseline serves at once; models train in the background.
        if (state.State.Retrains == 0 && await PendingJobAsync() is null) await EnqueueAsync(RetrainReason.ColdStart);
        await RefreshAsync();
    }

    public async Task<CityForecast?> GetForecast(string target, int hours)
    {
        if (!_forecasts.ContainsKey(target)) await RefreshAsync();
        if (!_forecasts.TryGetValue(target, out var f)) return null;
        return f.Hours.Count <= hours ? f : f with { Hours = f.Hours.Take(Math.Max(0, hours)).ToList() };
    }

    public async Task<ModelRegistryView> GetModels()
    {
        var training = await PendingJobAsync() is not null;
        var s = state.State;
        var targets = _options.TargetCodes.Select(t =>
        {
            var r = s.Targets.GetValueOrDefault(t) ?? new TargetRegistry();
            var champion = r.ChampionVersion is { } v ? r.Versions.FirstOrDefault(x => x.Version == v) : null;
            var (live, pairs) = LiveAccuracy(t);
            return new TargetRegistryView(t, champion?.Model ?? ModelFamily.Persistence.Code(), champion?.Version, r.ChampionReason, r.PromotedAt,
                r.Versions.OrderByDescending(x => x.Version).ToList(), live, pairs, champion is null ? null : ValidationMae24(champion));
        }).ToList();
        var skill = _options.TargetCodes.SelectMany(t => s.Targets.GetValueOrDefault(t) is { } r ? LiveSkillBook.Summary(t, r.LiveSkill) : []).ToList();
        return new ModelRegistryView(_cityId, targets, s.Retrains, s.LastTrainedAt, s.LastTrainingReason, training, s.Events.ToList(), skill);
    }

    public async Task HoursChanged(CityHoursChanged change)
    {
        try
        {
            if (change.Hours.Count == 0) return;
            (await LoadHistoryAsync()).Put(change.Hours);
            var now = clock.GetUtcNow().UtcDateTime;
            var hour = change.Hours.Max(h => h.Hour);
            var samples = state.State.NewSamples;
            if (!samples.Contains(hour)) samples.Add(hour);
            samples.RemoveAll(h => h < now - _options.NewSamplesWindow);
            await RefreshAsync();
            // The queue keeps the cooldown (durable, cluster-wide); its answer is remembered so a cooling city does not ask every hour.
            var cooled = _cooldownUntil is not { } until || now >= until;
            if (samples.Count >= _options.RetrainNewSamples && cooled)
                await EnqueueAsync(RetrainReason.NewSamples(samples.Count, _options.NewSamplesWindow));
            else if (cooled && Degraded() is { } why)
                await EnqueueAsync(why);
            await WriteAsync();
        }
        finally
        {
            // One notification for the readings and the forecast made from them, once the forecast is in place.
            GrainFactory.GetGrain<INotifierGrain>(GrainKeys.Notifier).HoursChanged(change).Ignore();
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == DailyReminder) await EnqueueAsync(RetrainReason.Daily);
    }

    public async Task<RetrainAnswer> Retrain(string reason)
    {
        var result = await EnqueueAsync(RetrainReason.Manual(reason), throwOnFailure: true);
        var queued = result?.Status == EnqueueStatus.Queued;
        return new RetrainAnswer(_cityId, queued,
            queued ? "Retraining queued; the job's state is at /models/retrain/{job}, and /models/performance shows the result when it is done." : "A training of this city is already queued or running.",
            result?.JobId);
    }

    public async Task CompleteTraining(TrainingReport report)
    {
        var s = state.State;
        (_job, _jobKnown) = (null, true);
        s.LastTrainedAt = report.FinishedAt;
        s.LastTrainingReason = report.Reason;
        s.NewSamples.Clear();
        if (report.Error is not null)
        {
            Event($"training ({report.Reason}) failed: {report.Error}");
        }
        foreach (var t in report.Targets)
        {
            var registry = s.Targets.TryGetValue(t.Target, out var r) ? r : s.Targets[t.Target] = new TargetRegistry();
            var trained = t.Versions.Where(v => v.Problem is null && v.Version > 0).ToList();
            registry.Versions.AddRange(trained);
            var current = registry.ChampionVersion;
            var challenger = trained.FirstOrDefault(v => v.Model == t.Proposed);
            var persistenceMae = t.Persistence.Mae;
            string decision;
            var choice = ChampionSelection.Decide(challenger is not null, t.ChallengerMae ?? challenger?.Metrics.Mae ?? double.NaN, t.IncumbentMae, current is not null, persistenceMae);
            if (challenger is not null && choice == ServingDecision.Promote)
            {
                Promote(registry, challenger.Version, t.ProposedReason + (t.IncumbentMae is { } inc ? $"; replaces v{current} (MAE {inc:0.##} against {t.ChallengerMae ?? challenger.Metrics.Mae:0.##}: {t.ComparisonBasis})" : ""));
                decision = $"promoted {challenger.Model} v{challenger.Version}";
            }
            else if (challenger is not null)
            {
                registry.ChampionReason = $"v{current} keeps serving: its MAE {t.IncumbentMae:0.##} is not beaten by {challenger.Model} ({t.ChallengerMae ?? challenger.Metrics.Mae:0.##}) ({t.ComparisonBasis})";
                decision = $"kept v{current}";
            }
            else if (choice == ServingDecision.Keep && t.IncumbentMae is { } inc)
            {
                registry.ChampionReason = $"v{current} keeps serving: no new family beats persistence, v{current} still does (MAE {inc:0.##} vs {persistenceMae:0.##})";
                decision = $"kept v{current}";
            }
            else
            {
                Promote(registry, null, t.ProposedReason);
                decision = "persistence serves";
            }
            Prune(registry, t.Target);
            Event($"{t.Target}: training ({report.Reason}) gave {string.Join(", ", t.Versions.Select(v => v.Problem is null ? $"{v.Model} v{v.Version} MAE {v.Metrics.Mae:0.##}" : $"{v.Model} unavailable"))}; {decision}");
        }
        await RefreshAsync();
        // Counted once the forecast of the new champion is in place, so a reader who sees the count sees the forecast.
        s.Retrains++;
        logger.LogInformation("Retraining #{Count} of {City} ({Reason}) done: {Events}", s.Retrains, _cityId, report.Reason, s.Events.LastOrDefault());
        await WriteAsync();
        Publish(CityChangeKind.Model);
    }

    // Web fronts drop the city's cached forecasts and push the change to browsers.
    private void Publish(CityChangeKind kind) =>
        GrainFactory.GetGrain<INotifierGrain>(GrainKeys.Notifier)
            .Publish(new CityChange(_cityId, kind, clock.GetUtcNow().UtcDateTime, Detail: state.State.Events.LastOrDefault())).Ignore();

    private void Promote(TargetRegistry registry, int? version, string reason)
    {
        if (registry.ChampionVersion != version)
        {
            registry.PromotedAt = clock.GetUtcNow().UtcDateTime;
            registry.Issued.Clear();
        }
        registry.ChampionVersion = version;
        registry.ChampionReason = reason;
    }

    /// <summary>Keeps the newest versions and the champion; drops the artifacts of the rest.</summary>
    private void Prune(TargetRegistry registry, string target)
    {
        var keep = registry.Versions.OrderByDescending(v => v.Version).Take(_options.VersionsKept).Select(v => v.Version).ToHashSet();
        if (registry.ChampionVersion is { } c) keep.Add(c);
        foreach (var v in registry.Versions.Where(v => !keep.Contains(v.Version)).ToList())
        {
            registry.Versions.Remove(v);
            models.Forget(_cityId, target, v.Version);
            artifacts.DeleteAsync(_cityId, target, v.Version).Ignore();
        }
    }

    /// <summary>Puts a job on the queue; null when the queue cannot be reached (logged; the next trigger asks again).</summary>
    private async Task<EnqueueResult?> EnqueueAsync(RetrainReason reason, bool throwOnFailure = false)
    {
        var s = state.State;
        var incumbents = s.Targets.Where(kv => kv.Value.ChampionVersion is not null).ToDictionary(kv => kv.Key, kv => kv.Value.ChampionVersion!.Value);
        // Version numbers for every family and target of this run are reserved first (the grain is reentrant) and
        // given back when the queue refuses the job and nothing reserved more meanwhile.
        var first = s.NextVersion;
        var reserved = first + ModelFamilies.Trained.Count * Math.Max(1, _options.TargetCodes.Count);
        s.NextVersion = reserved;
        var spread = reason.Trigger is RetrainTrigger.NewSamples or RetrainTrigger.Degraded or RetrainTrigger.Daily;
        var cooldown = reason.Trigger is RetrainTrigger.NewSamples or RetrainTrigger.Degraded ? _options.RetrainCooldown : (TimeSpan?)null;
        EnqueueResult result;
        try
        {
            result = await queue.EnqueueAsync(new TrainingRequest(new TrainingJob(_cityId, reason.Text, first, incumbents), reason.Automatic,
                spread ? RetrainJitter.Offset(_cityId, _options.RetrainSpread) : TimeSpan.Zero, cooldown));
        }
        catch (Exception ex) when (!throwOnFailure && ex is not OutOfMemoryException)
        {
            if (s.NextVersion == reserved) s.NextVersion = first;
            logger.LogWarning("Retraining of {City} ({Reason}) not queued: the training queue ({Kind}) failed: {Error}", _cityId, reason, queue.Kind, ex.Message);
            return null;
        }
        if (result.Status != EnqueueStatus.Queued && s.NextVersion == reserved) s.NextVersion = first;
        if (result.Status == EnqueueStatus.CoolingDown) _cooldownUntil = result.CooldownUntil;
        if (result.JobId is { } id) (_job, _jobKnown) = (id, true);
        if (result.Status == EnqueueStatus.Queued)
            logger.LogInformation("Retraining of {City} requested: {Reason} (job {Job})", _cityId, reason, result.JobId);
        return result;
    }

    /// <summary>The city's job queued or running: remembered from this activation's requests, asked of the queue once after activation.</summary>
    private async Task<long?> PendingJobAsync()
    {
        if (_jobKnown) return _job;
        try
        {
            var job = await queue.ActiveJobAsync(_cityId);
            if (!_jobKnown) (_job, _jobKnown) = (job, true);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogWarning("Training queue ({Kind}) not reachable for {City}: {Error}", queue.Kind, _cityId, ex.Message);
        }
        return _job;
    }

    /// <summary>The serving history, read from the store once per activation (the last <see cref="ForecastOptions.ServingHistoryDays"/>).</summary>
    private Task<CityWindow> LoadHistoryAsync()
    {
        // A failed read (the store down) is tried again at the next refresh.
        if (_history is { IsFaulted: true } or { IsCanceled: true }) _history = null;
        return _history ??= LoadAsync();
    }

    private async Task<CityWindow> LoadAsync()
    {
        var to = Hours.Floor(clock.GetUtcNow().UtcDateTime).AddHours(1);
        var hours = await readings.GetHoursAsync(_cityId, to.AddDays(-_options.ServingHistoryDays), to);
        return new CityWindow(hours.ToList(), _options.ServingHistoryDays * 24);
    }

    /// <summary>
    /// Recomputes every target's forecast from the latest history and records it for live scoring. One refresh at a
    /// time, and a forecast is kept only if its champion still serves when it is done: an older refresh that finishes
    /// after a promotion never overwrites the new champion's forecast (the promotion's own refresh follows it).
    /// </summary>
    private async Task RefreshAsync()
    {
        await _refreshes.WaitAsync();
        try
        {
            await RefreshTargetsAsync();
        }
        finally
        {
            _refreshes.Release();
        }
    }

    private async Task RefreshTargetsAsync()
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var window = await LoadHistoryAsync();
        if (window.Count == 0) return;
        var history = window.Hours.ToList().ToSeries();
        foreach (var code in _options.TargetCodes)
        {
            if (!ForecastTargets.TryParse(code, out var target)) continue;
            var registry = state.State.Targets.GetValueOrDefault(code);
            var servingVersion = registry?.ChampionVersion;
            (IForecastModel Model, ModelArtifact Artifact)? loaded = null;
            if (servingVersion is { } version)
            {
                try
                {
                    loaded = await models.GetAsync(_cityId, code, version);
                }
                catch (Exception ex) when (ex is InvalidDataException or FamilyUnavailableException or InvalidOperationException)
                {
                    logger.LogWarning("Champion v{Version} of {City}/{Target} cannot load ({Error}); the best baseline serves", version, _cityId, code, ex.Message);
                }
            }
            // Everything the computation needs is read here: grain state is only reachable on the grain's scheduler.
            var champion = servingVersion is { } cv ? registry!.Versions.FirstOrDefault(x => x.Version == cv) : null;
            var baselineNote = servingVersion is null && state.State.Retrains > 0
                ? $"no trained model beats persistence: {registry?.ChampionReason}"
                : $"no trained model yet ({(_job is not null ? "training queued or in progress" : "waiting for training")})";
            var cityId = _cityId;
            var live = registry is null ? null : LiveSkillBook.Residuals(registry.LiveSkill, Hours.Floor(now));
            var kept = _baselines.GetValueOrDefault(code) is { } b && b.Fits(history, _baselineReuseHours) ? b : null;
            var (forecast, baseline) = await ForecastCompute.Run(() => Compute(cityId, history, target, champion, loaded, baselineNote, now, live, kept));
            if (baseline is not null) _baselines[code] = baseline;
            if (forecast is null) continue;
            registry = state.State.Targets.GetValueOrDefault(code);
            if (registry?.ChampionVersion != servingVersion)
            {
                logger.LogDebug("Forecast of {City}/{Target} by v{Version} dropped: the champion changed meanwhile", _cityId, code, servingVersion);
                continue;
            }
            _forecasts[code] = forecast;
            var issued = (registry ?? (state.State.Targets[code] = new TargetRegistry())).Issued;
            if (issued.All(i => i.Origin != forecast.IssuedFor))
                issued.Add(new IssuedForecast(forecast.IssuedFor, forecast.Hours.Take(_options.LiveHorizons).Select(h => h.Value).ToArray()));
            issued.RemoveAll(i => i.Origin < forecast.IssuedFor.AddHours(-_options.IssuedKeptHours));
            ScoreIssued(code, history, target);
            ScoreSkill(state.State.Targets[code].LiveSkill, forecast, history, target, now);
        }
    }

    /// <summary>
    /// The champion's forecast, or the better baseline's when no champion can serve, its bands rescaled by the live
    /// residuals (<see cref="LiveBands"/>). Runs off the grain scheduler.
    /// </summary>
    private static (CityForecast? Forecast, BaselineChoice? Baseline) Compute(string cityId, HourlySeries history, ForecastTarget target, ModelVersionInfo? champion,
        (IForecastModel Model, ModelArtifact Artifact)? loaded, string baselineNote, DateTime now, IReadOnlyDictionary<int, IReadOnlyList<double>>? live, BaselineChoice? kept)
    {
        var recent = history.Slice(Math.Max(0, history.Length - FeatureBuilder.Lookback - 24), history.Length);
        if (loaded is { } m && champion is not null)
        {
            var values = ForecastRun.Predict(m.Model, m.Artifact.Layout, m.Artifact.HalfWidth80, m.Artifact.HalfWidth90, recent, FeatureBuilder.MaxHorizon, live);
            if (values is not null)
                return (ToForecast(cityId, target, values, m.Artifact.Family.Code(), champion.Version, false, now,
                    $"champion {m.Artifact.Family.Code()} v{champion.Version} (validation MAE {champion.Metrics.Mae:0.##})"), null);
        }
        var choice = kept ?? new BaselineChoice(history.End, history.Length, ForecastRun.BestBaseline(history, target));
        var baseline = choice.Best;
        var b = ForecastRun.Predict(baseline.Model, baseline.Layout, baseline.HalfWidth80, baseline.HalfWidth90, recent, FeatureBuilder.MaxHorizon, live);
        if (b is null) return (null, choice);
        return (ToForecast(cityId, target, b, baseline.Model.Family.Code(), null, true, now,
            $"{baselineNote}; {baseline.Model.Family.Code()}, the better baseline on the last 14 days, serves"), choice);
    }

    /// <summary>The better baseline of a target as compared on a history ending at <paramref name="End"/> of <paramref name="Length"/> hours.</summary>
    private sealed record BaselineChoice(DateTime End, int Length,
        (IForecastModel Model, FeatureLayout Layout, double[] HalfWidth80, double[] HalfWidth90, double Mae) Best)
    {
        /// <summary>
        /// Still the choice for <paramref name="history"/>: it ends at most <paramref name="hours"/> later, and it did not
        /// grow by more hours than that (a backfill, a first window) nor shrink.
        /// </summary>
        public bool Fits(HourlySeries history, int hours) =>
            hours > 0 && history.End >= End && (history.End - End).TotalHours < hours && history.Length >= Length && history.Length - Length < hours;
    }

    private readonly Dictionary<string, BaselineChoice> _baselines = [];

    private static CityForecast ToForecast(string cityId, ForecastTarget target, ForecastValues v, string model, int? version, bool baseline, DateTime now, string note) =>
        new(cityId, target.Code(), v.Origin, now, model, version, baseline, note,
            v.Hours.Select(h => new ForecastHour(v.Origin.AddHours(h.Horizon), h.Horizon, Round(h.Value), Round(h.Lower80), Round(h.Upper80), Round(h.Lower90), Round(h.Upper90))).ToList());

    private static double Round(double v) => Math.Round(v, 1);

    /// <summary>Compares kept forecasts with the actual values that have arrived since.</summary>
    private readonly Dictionary<string, (double Mae, int Pairs)> _live = [];

    private void ScoreIssued(string code, HourlySeries history, ForecastTarget target)
    {
        var actual = target.Values(history);
        double sum = 0;
        var n = 0;
        foreach (var f in state.State.Targets[code].Issued)
            for (var h = 1; h <= f.Values.Length; h++)
            {
                var i = history.IndexOf(f.Origin.AddHours(h));
                if (i < 0 || i >= actual.Length || double.IsNaN(actual[i])) continue;
                sum += Math.Abs(actual[i] - f.Values[h - 1]);
                n++;
            }
        _live[code] = (n > 0 ? sum / n : double.NaN, n);
    }

    /// <summary>Records the forecast for live skill (with persistence's, the value at its origin) and scores what has matured.</summary>
    private void ScoreSkill(LiveSkillState skill, CityForecast forecast, HourlySeries history, ForecastTarget target, DateTime now)
    {
        var actual = target.Values(history);
        double Observed(DateTime hour)
        {
            var i = history.IndexOf(hour);
            return i >= 0 && i < actual.Length ? actual[i] : double.NaN;
        }
        // Persistence: the latest value at or just before the origin, as the forecast's own level.
        var persistence = double.NaN;
        for (var age = 0; age <= FeatureBuilder.MaxLevelAgeHours && double.IsNaN(persistence); age++)
            persistence = Observed(forecast.IssuedFor.AddHours(-age));
        var horizons = _options.LiveSkillHorizonList;
        LiveSkillBook.Issue(skill, forecast.IssuedFor, persistence, forecast.Hours.Select(h => h.Value).ToList(), horizons);
        LiveSkillBook.Score(skill, Observed, Hours.Floor(now), _options.LiveSkillDays, horizons);
    }

    private (double? Mae, int Pairs) LiveAccuracy(string target) =>
        _live.TryGetValue(target, out var l) && l.Pairs > 0 ? (Math.Round(l.Mae, 3), l.Pairs) : (null, 0);

    private double? ValidationMae24(ModelVersionInfo v) =>
        v.PerHorizon.Count >= _options.LiveHorizons ? v.PerHorizon.Take(_options.LiveHorizons).Average(m => m.Mae) : null;

    /// <summary>Why live accuracy calls for a retraining, or null when it does not.</summary>
    private RetrainReason? Degraded()
    {
        foreach (var (code, registry) in state.State.Targets)
        {
            if (registry.ChampionVersion is not { } v || registry.Versions.FirstOrDefault(x => x.Version == v) is not { } champion) continue;
            var (live, pairs) = LiveAccuracy(code);
            if (live is { } mae && pairs >= _options.DegradationMinimumPairs && ValidationMae24(champion) is { } reference && mae > _options.DegradationRatio * reference)
                return RetrainReason.Degraded(code, mae, pairs, _options.DegradationRatio, reference);
        }
        return null;
    }

    private void Event(string text)
    {
        var events = state.State.Events;
        events.Add($"{clock.GetUtcNow().UtcDateTime:yyyy-MM-dd HH:mm}Z {text}");
        if (events.Count > _options.EventsKept) events.RemoveRange(0, events.Count - _options.EventsKept);
    }

    private Task WriteAsync() => _writes.Run(() => state.WriteStateAsync());
}
