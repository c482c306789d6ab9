using System.Diagnostics;
using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;
using AirQuality.Forecasting.Training;

namespace AirQuality.Forecasting.Evaluation;

/// <summary>
/// The rolling protocol of `evaluate`: replays the service over a history. From the first hour at which the service's
/// minimum history exists, it retrains every <c>retrainEvery</c> hours on exactly the window the service reads (the
/// last <c>historyHours</c>), lets the service's champion rule (<see cref="ChampionSelection.Decide"/>) decide between
/// the serving model and the run's choice, and forecasts from every hour until the next retraining with what serves,
/// with its bands. Each forecast is scored when its target hour arrives; nothing after an origin reaches its forecast.
/// </summary>
public static class RollingEvaluation
{
    private sealed record Serving(IForecastModel Model, FeatureLayout Layout, IReadOnlyDictionary<double, IReadOnlyList<double>> HalfWidths, DateTime? TrainedThrough);

    public static EvaluationReport Run(HourlySeries series, ForecastTarget target, string location, IReadOnlyList<int> horizons,
        int retrainEvery, int historyHours, ForecastTrainer trainer, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retrainEvery, 1);
        var wall = Stopwatch.StartNew();
        var cpu = CpuClock.Start();
        var n = series.Length;
        var first = ForecastTrainer.MinimumHours;
        if (n <= first) throw new InsufficientHistoryException($"{n} hours in the input; the rolling protocol needs more than {first}");
        var y = target.Values(series);
        var builders = new Dictionary<FeatureLayout, FeatureBuilder>();
        FeatureBuilder Features(FeatureLayout l) => builders.TryGetValue(l, out var f) ? f : builders[l] = new FeatureBuilder(y, series, l);
        var baseFeatures = Features(EvaluationParts.BaselineLayout(target));
        var book = new Scorebook(series, target);
        // The served forecasts' matured residuals, kept across retrainings as the forecast grain keeps them.
        var live = trainer.Settings.LiveBands ? new LiveBandReplay(LiveBands.DefaultHorizons) : null;
        Serving? serving = null;
        var retrains = 0;
        var seconds = new Dictionary<string, double>(StringComparer.Ordinal);
        var unavailable = new Dictionary<string, string>(StringComparer.Ordinal);
        var validation = new Dictionary<string, List<ForecastMetrics>>(StringComparer.Ordinal);
        var covariates = new SortedSet<string>(StringComparer.Ordinal);
        string champion = ModelFamily.Persistence.Code(), reason = "";
        for (var r = first; r < n; r += retrainEvery)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var history = series.Slice(Math.Max(0, r - historyHours), r);
            TrainingOutcome outcome;
            var trainCpu = CpuClock.Start();
            try
            {
                outcome = trainer.Train(history, target, serving is null ? null : new IncumbentModel(serving.Model, serving.Layout, serving.TrainedThrough), null, cancellationToken);
            }
            catch (InsufficientHistoryException ex)
            {
                log?.Invoke($"{series.HourAt(r):yyyy-MM-dd HH:mm}: no training ({ex.Message})");
                continue;
            }
            retrains++;
            var trainSeconds = trainCpu.Seconds;
            var predictCpu = CpuClock.Start();
            foreach (var c in outcome.Layout.Covariates) covariates.Add(c);
            foreach (var o in outcome.Families)
            {
                var code = o.Family.Code();
                if (o.Model is null) { unavailable[code] = o.Problem ?? "not trained"; continue; }
                if (!o.Family.IsBaseline()) seconds[code] = seconds.GetValueOrDefault(code) + o.TrainSeconds;
                (validation.TryGetValue(code, out var l) ? l : validation[code] = []).Add(o.ValidationAverage);
            }

            // The service's rule, as the city's forecast grain applies it.
            var proposed = outcome.Of(outcome.Champion);
            var challengerTrained = !outcome.Champion.IsBaseline() && proposed.Trained;
            var decision = ChampionSelection.Decide(challengerTrained, outcome.Comparison?.ChallengerMae ?? proposed.ValidationAverage.Mae,
                outcome.Comparison?.IncumbentMae, serving is not null, outcome.Of(ModelFamily.Persistence).ValidationAverage.Mae);
            if (decision == ServingDecision.Promote)
            {
                serving = new Serving(proposed.Model!, outcome.Layout, proposed.HalfWidths.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<double>)kv.Value), proposed.TrainedThrough);
                (champion, reason) = (outcome.Champion.Code(), outcome.ChampionReason);
            }
            else if (decision == ServingDecision.Baseline)
            {
                serving = null;
                (champion, reason) = (ModelFamily.Persistence.Code(), outcome.ChampionReason);
            }
            else reason = $"kept {champion}: {outcome.Comparison?.Basis}";

            // Forecasts from every hour until the next retraining, with what serves.
            var end = Math.Min(n, r + retrainEvery);
            var points = new TrainingWindow(r, end, n).Points(baseFeatures).ToList();
            if (points.Count == 0) continue;
            var deltas = EvaluationParts.Deltas(outcome, Features, points);
            double[] served;
            string servedCode;
            IReadOnlyDictionary<double, IReadOnlyList<double>> bands;
            if (serving is not null)
            {
                served = serving.Model.PredictDeltas(Features(serving.Layout), points);
                servedCode = serving.Model.Family.Code();
                bands = serving.HalfWidths;
            }
            else
            {
                var b = ForecastRun.BestBaseline(history, target);
                served = b.Model.PredictDeltas(baseFeatures, points);
                servedCode = b.Model.Family.Code();
                bands = new Dictionary<double, IReadOnlyList<double>> { [0.8] = b.HalfWidth80, [0.9] = b.HalfWidth90 };
            }
            book.Add(Features(serving?.Layout ?? EvaluationParts.BaselineLayout(target)), points, deltas, servedCode, served, bands, live);
            log?.Invoke($"{series.HourAt(r):yyyy-MM-dd HH:mm}: trained on {history.Length} h, {decision.ToString().ToLowerInvariant()} -> {servedCode} serves; {book.Count} pairs scored (train {trainSeconds:0.0} s [{string.Join(" ", outcome.Families.Where(o => o.TrainSeconds > 0).Select(o => $"{o.Family.Code()} {o.TrainSeconds:0.0}"))}], forecasts {predictCpu.Seconds:0.0} s of CPU; so far {wall.Elapsed.TotalSeconds:0} s wall, {cpu.Seconds:0} s CPU)");
        }
        if (retrains == 0) throw new InsufficientHistoryException("no retraining of the rolling protocol had enough history");
        var (from, to) = book.Span();
        return new EvaluationReport("rolling", target.Code(), location, EvaluationParts.WeatherLabel(trainer.Settings.Covariates),
            trainer.Settings.Covariates == CovariateUse.AllWithTargetWeather, covariates.ToList(), null, null, from, to, horizons,
            book.Models(horizons), book.Average148(), book.Served(horizons), book.ServedAverage148(), book.ServedShares(), book.Skill(horizons),
            book.SkillIntervals(horizons), book.ByMonth(horizons), book.CategoryAccuracy(horizons), book.CategoryAccuracy(horizons, persistence: true),
            champion, reason, book.Intervals(horizons), book.IntervalsAverage148(),
            seconds.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 1)),
            unavailable.Where(kv => !validation.ContainsKey(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value),
            validation.ToDictionary(kv => kv.Key, kv => ForecastMetrics.Average(kv.Value)),
            retrains, retrainEvery, Math.Round(wall.Elapsed.TotalSeconds, 1), Math.Round(cpu.Seconds, 1));
    }
}
