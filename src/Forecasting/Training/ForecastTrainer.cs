using System.Diagnostics;
using AirQuality.Forecasting.Evaluation;
using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;

namespace AirQuality.Forecasting.Training;

/// <summary>A serving model to score against the challengers, with the layout it was trained on.</summary>
/// <param name="TrainedThrough">The last hour it learned from; null when unknown (then it is treated as having seen everything).</param>
public sealed record IncumbentModel(IForecastModel Model, FeatureLayout Layout, DateTime? TrainedThrough = null);

/// <summary>
/// Trains every family on a history, scores them and the baselines on its newest part (never shuffled) over several
/// validation windows (rolling origin), calibrates the bands out of sample and picks the champion. The one trainer of
/// the service and of `evaluate`. Pure computation: no grains, no storage, safe on any thread.
/// </summary>
public sealed class ForecastTrainer(IReadOnlyList<IForecastFamily> families, ForecastSettings settings)
{
    /// <summary>The four trained families; the LSTM reports itself unavailable when TorchSharp cannot load.</summary>
    public static IReadOnlyList<IForecastFamily> DefaultFamilies(string? lstmUnavailableReason = null) =>
        [new LinearFamily(), new RandomForestFamily(), new GradientBoostingFamily(), new LstmFamily(lstmUnavailableReason)];

    /// <summary>First origin used for training: enough hours for the shorter lags to exist.</summary>
    public const int FirstOrigin = 24;

    /// <summary>Fewest hours a history needs: a validation window of two days after enough training.</summary>
    public const int MinimumHours = 14 * 24;

    /// <summary>Fewest forecast origins after the serving model's training on which it can be compared directly.</summary>
    public const int MinimumComparisonOrigins = 24;

    public IReadOnlyList<IForecastFamily> Families => families;

    public ForecastSettings Settings => settings;

    /// <summary>What a candidate forecast on the validation windows: the points and predicted deltas of each window.</summary>
    private sealed class Scored
    {
        public List<ForecastPoint> Points { get; } = [];
        public List<double> Deltas { get; } = [];
    }

    /// <summary>
    /// Trains on the whole series. The newest <see cref="ForecastSettings.ValidationFraction"/> is cut into
    /// <see cref="ForecastSettings.ValidationWindows"/> consecutive windows; each family is trained on all the history
    /// before a window and scored on it. The champion has the lowest MAE over all windows; the bands are calibrated on
    /// the newest out-of-sample residuals.
    /// </summary>
    /// <param name="progress">Told each family's result as it finishes (for logs).</param>
    public TrainingOutcome Train(HourlySeries series, ForecastTarget target, IncumbentModel? incumbent = null,
        Action<FamilyOutcome>? progress = null, CancellationToken cancellationToken = default)
    {
        if (series.Length < MinimumHours)
            throw new InsufficientHistoryException($"{series.Length} hours of history; at least {MinimumHours} are needed to train and validate");
        var y = target.Values(series);
        var n = series.Length;
        var held = Math.Max(FeatureBuilder.MaxHorizon * 2, (int)Math.Round(n * settings.ValidationFraction));
        var validationStart = n - held;
        var k = Math.Clamp(settings.ValidationWindows, 1, Math.Max(1, held / FeatureBuilder.MaxHorizon));
        var bounds = Enumerable.Range(0, k + 1).Select(i => validationStart + (int)((long)held * i / k)).ToArray();
        var layout = FeatureLayout.Choose(series, target, 0, validationStart, settings.Covariates);
        var features = new FeatureBuilder(y, series, layout);
        var windows = Enumerable.Range(0, k).Select(i => new TrainingWindow(bounds[i], bounds[i + 1], n)).ToArray();
        var windowPoints = windows.Select(w => w.Points(features).ToList()).ToArray();
        var all = new TrainingWindow(FirstOrigin, n, n);
        var lastFitEnd = series.HourAt(bounds[k - 1] - 1);

        var outcomes = new List<FamilyOutcome>();
        var scored = new Dictionary<ModelFamily, Scored>();
        var lastModels = new Dictionary<ModelFamily, IForecastModel>();
        foreach (var baseline in new IForecastModel[] { PersistenceModel.Instance, SeasonalNaiveModel.Instance })
        {
            var sc = new Scored();
            for (var i = 0; i < k; i++) Add(sc, windowPoints[i], baseline.PredictDeltas(features, windowPoints[i]));
            scored[baseline.Family] = sc;
            var o = Outcome(baseline.Family, baseline, features, sc, bounds, 0, 0) with { TrainedThrough = null };
            outcomes.Add(o);
            progress?.Invoke(o);
        }
        // Candidates are blended with the baselines (scored above) when the settings ask; their bands are then computed
        // only as blended.
        var blending = settings.BlendWithBaselines;
        // Per window, the deltas of each family that trained there (for the ensemble).
        var windowDeltas = Enumerable.Range(0, k).Select(_ => new Dictionary<ModelFamily, double[]>()).ToArray();
        // Every (family, window) fit is independent: they run side by side (settings.Parallelism at a time), each with
        // its own settings.Threads, and are gathered in a fixed order, so the outcome does not depend on the parallelism.
        var available = families.Where(f => f.UnavailableReason is null).ToList();
        var jobs = Enumerable.Range(0, k).SelectMany(i => available.Select((f, fi) => (Family: fi, Window: i))).OrderByDescending(j => j.Family).ThenBy(j => j.Window).ToArray();   // the slower families (listed last) first
        var fitted = new (IForecastModel? Model, double[]? Deltas, int Samples, double Seconds, Exception? Error)[jobs.Length];
        // Taken one at a time in order (no chunking), so a slow fit does not hold back a chunk of others.
        var order = System.Collections.Concurrent.Partitioner.Create(Enumerable.Range(0, jobs.Length), System.Collections.Concurrent.EnumerablePartitionerOptions.NoBuffering);
        Parallel.ForEach(order, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, settings.Parallelism), CancellationToken = cancellationToken }, j =>
        {
            var (fi, i) = jobs[j];
            var watch = Stopwatch.StartNew();
            try
            {
                var fit = new TrainingWindow(FirstOrigin, bounds[i], bounds[i]);
                var model = available[fi].Fit(features, fit, settings, cancellationToken);
                var d = DeltaGuard.Clamp(features, windowPoints[i], model.PredictDeltas(features, windowPoints[i]));   // as served (BlendedModel)
                fitted[fi * k + i] = (model, d, i == k - 1 ? fit.Points(features).Count() : 0, watch.Elapsed.TotalSeconds, null);
            }
            catch (Exception ex) when (IsFamilyFailure(ex))
            {
                fitted[fi * k + i] = (null, null, 0, watch.Elapsed.TotalSeconds, ex);
            }
        });
        foreach (var family in families)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (family.UnavailableReason is { } why)
            {
                outcomes.Add(Failed(family.Family, why));
                progress?.Invoke(outcomes[^1]);
                continue;
            }
            var fi = available.IndexOf(family);
            var sc = new Scored();
            IForecastModel? model = null;
            var samples = 0;
            double seconds = 0;
            string? problem = null;
            for (var i = 0; i < k; i++)
            {
                var r = fitted[fi * k + i];
                seconds += r.Seconds;
                if (problem is not null) continue;
                if (r.Error is not null) { problem = r.Error.Message; continue; }
                model = r.Model;
                windowDeltas[i][family.Family] = r.Deltas!;
                Add(sc, windowPoints[i], r.Deltas!);
                if (i == k - 1) samples = r.Samples;
            }
            FamilyOutcome o;
            if (problem is not null || model is null)
            {
                for (var i = 0; i < k; i++) windowDeltas[i].Remove(family.Family);
                o = Failed(family.Family, problem ?? "not trained") with { TrainSeconds = seconds };
            }
            else
            {
                scored[family.Family] = sc;
                lastModels[family.Family] = model;
                o = Outcome(family.Family, model, features, sc, bounds, seconds, samples, bands: !blending) with { TrainedThrough = lastFitEnd };
            }
            outcomes.Add(o);
            progress?.Invoke(o);
        }
        var members = lastModels.Keys.ToList();
        if (settings.Ensemble && members.Count >= 2)
        {
            var sc = new Scored();
            for (var i = 0; i < k; i++)
            {
                var present = windowDeltas[i].Where(kv => members.Contains(kv.Key)).Select(kv => kv.Value).ToList();
                var d = new double[windowPoints[i].Count];
                for (var j = 0; j < d.Length; j++)
                {
                    double sum = 0;
                    var c = 0;
                    foreach (var m in present)
                        if (!double.IsNaN(m[j])) { sum += m[j]; c++; }
                    d[j] = c > 0 ? sum / c : double.NaN;
                }
                Add(sc, windowPoints[i], d);
            }
            var ensemble = new EnsembleModel(members.Select(f => lastModels[f]).ToList());
            scored[ModelFamily.Ensemble] = sc;
            var o = Outcome(ModelFamily.Ensemble, ensemble, features, sc, bounds, 0, outcomes.Where(x => members.Contains(x.Family)).Sum(x => x.Samples), bands: !blending)
                with { TrainedThrough = lastFitEnd };
            outcomes.Add(o);
            progress?.Invoke(o);
        }
        // Each candidate is shrunk per horizon toward the baselines (weights fitted on the validation windows), and
        // judged, calibrated and served as blended.
        var blends = new Dictionary<ModelFamily, HorizonBlend>();
        if (blending)
        {
            var seasonal = scored[ModelFamily.SeasonalNaive];
            for (var i = 0; i < outcomes.Count; i++)
            {
                var o = outcomes[i];
                if (o.Family.IsBaseline() || !o.Trained || !scored.TryGetValue(o.Family, out var sc)) continue;
                var (blended, blend) = Blend(features, sc, seasonal, windowPoints, settings.ShrinkToProfile);
                blends[o.Family] = blend;
                outcomes[i] = Outcome(o.Family, BlendedModel.Wrap(o.Model!, blend), features, blended, bounds, o.TrainSeconds, o.Samples)
                    with { TrainedThrough = o.TrainedThrough };
            }
        }
        var (champion, reason) = ChampionSelection.Choose(outcomes, settings.EnsembleMargin);

        // The run's choice as it stands after validation (trained before the last window), for the comparison below.
        var validatedChampion = outcomes.First(o => o.Family == champion).Model;
        if (settings.RefitOnAllData)
        {
            // Only what will serve is trained again on all history (for the ensemble: its members); the others are
            // kept as validated, which keeps a retraining's cost near that of validation.
            var refit = new Dictionary<ModelFamily, IForecastModel>();
            var wanted = settings.RefitAllFamilies ? members : champion == ModelFamily.Ensemble ? members : members.Where(f => f == champion).ToList();
            var refits = new (IForecastModel? Model, double Seconds)[wanted.Count];
            Parallel.For(0, wanted.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, settings.Parallelism), CancellationToken = cancellationToken }, j =>
            {
                var watch = Stopwatch.StartNew();
                try
                {
                    refits[j] = (families.First(x => x.Family == wanted[j]).Fit(features, all, settings, cancellationToken), watch.Elapsed.TotalSeconds);
                }
                catch (Exception ex) when (IsFamilyFailure(ex))
                {
                    // The validated model still serves: it is what the figures describe.
                    refits[j] = (null, watch.Elapsed.TotalSeconds);
                }
            });
            var allSamples = wanted.Count > 0 ? all.Points(features).Count() : 0;
            for (var j = 0; j < wanted.Count; j++)
            {
                var f = wanted[j];
                var i = outcomes.FindIndex(o => o.Family == f);
                if (refits[j].Model is { } model)
                {
                    refit[f] = model;
                    outcomes[i] = outcomes[i] with { Model = BlendedModel.Wrap(model, blends.GetValueOrDefault(f)), Samples = allSamples, TrainSeconds = outcomes[i].TrainSeconds + refits[j].Seconds, Refitted = true, TrainedThrough = series.End };
                }
                else
                    outcomes[i] = outcomes[i] with { TrainSeconds = outcomes[i].TrainSeconds + refits[j].Seconds };
            }
            var e = outcomes.FindIndex(o => o.Family == ModelFamily.Ensemble);
            if (e >= 0 && (champion == ModelFamily.Ensemble || settings.RefitAllFamilies) && members.All(refit.ContainsKey))
                outcomes[e] = outcomes[e] with { Model = BlendedModel.Wrap(new EnsembleModel(members.Select(f => refit[f]).ToList()), blends.GetValueOrDefault(ModelFamily.Ensemble)), Refitted = true, TrainedThrough = series.End, Samples = allSamples };
        }

        FamilyOutcome? scoredIncumbent = null;
        IncumbentComparison? comparison = null;
        if (incumbent is not null)
            (scoredIncumbent, comparison) = CompareIncumbent(incumbent, series, target, features, layout, bounds, outcomes, champion, validatedChampion);
        return new TrainingOutcome(target, series.Start, series.End, n, validationStart, layout, outcomes, champion, reason, scoredIncumbent)
        {
            Comparison = comparison,
            ValidationBounds = bounds,
        };
    }

    /// <summary>
    /// Scores the serving model only on forecasts whose origin is after the last hour it learned from and inside the
    /// last validation window (where the run's choice, trained before that window, is out of sample too): both are
    /// compared on the same hours neither was fitted on. When too few such forecasts exist (a model retrained daily has
    /// seen nearly everything), the serving model is represented by its family as trained in this run, out of sample.
    /// </summary>
    private (FamilyOutcome? Scored, IncumbentComparison Comparison) CompareIncumbent(IncumbentModel incumbent, HourlySeries series, ForecastTarget target,
        FeatureBuilder features, FeatureLayout layout, int[] bounds, List<FamilyOutcome> outcomes, ModelFamily champion, IForecastModel? validatedChampion)
    {
        var n = series.Length;
        var from = bounds[^2];
        if (incumbent.TrainedThrough is { } through) from = Math.Max(from, series.IndexOf(through) + 1);
        else from = n;
        var window = new TrainingWindow(from, n, n);
        var points = window.Points(features).ToList();
        var origins = points.Select(p => p.Origin).Distinct().Count();
        if (origins >= MinimumComparisonOrigins && validatedChampion is not null)
        {
            try
            {
                var incumbentFeatures = incumbent.Layout == layout ? features : new FeatureBuilder(target.Values(series), series, incumbent.Layout);
                var inc = incumbent.Model.PredictDeltas(incumbentFeatures, points);
                var cha = validatedChampion.PredictDeltas(features, points);
                var incMetrics = PerHorizon(features, points, inc);
                var chaMetrics = PerHorizon(features, points, cha);
                var incMae = ForecastMetrics.Average(incMetrics).Mae;
                var chaMae = ForecastMetrics.Average(chaMetrics).Mae;
                var o = new FamilyOutcome(incumbent.Model.Family, incMetrics, ForecastMetrics.Average(incMetrics), new Dictionary<double, double[]>(), incumbent.Model, 0, 0, null);
                return (o, new IncumbentComparison(double.IsNaN(incMae) ? null : incMae, double.IsNaN(chaMae) ? null : chaMae, points.Count,
                    $"{points.Count} forecasts from {origins} origins after the serving model's training, out of sample for both"));
            }
            catch (Exception ex) when (ex is InvalidOperationException or FamilyUnavailableException)
            {
                return (Failed(incumbent.Model.Family, $"the serving model could not be scored: {ex.Message}"),
                    new IncumbentComparison(null, null, 0, $"the serving model could not be scored: {ex.Message}"));
            }
        }
        var chosen = outcomes.First(o => o.Family == champion).ValidationAverage.Mae;
        var family = outcomes.FirstOrDefault(o => o.Family == incumbent.Model.Family && o.Trained);
        // The same family trained afresh is the serving model made newer: it stands in for it, unless it is the choice itself.
        double? standIn = family is not null && family.Family != champion && !double.IsNaN(family.ValidationAverage.Mae) ? family.ValidationAverage.Mae : null;
        var basis = incumbent.TrainedThrough is null
            ? "the serving model's training span is unknown, so it is judged by its family's out-of-sample score in this run"
            : $"the serving model learned from all but {origins} of the validation origins (too few to judge it on), so it is judged by its family's out-of-sample score in this run";
        return (Failed(incumbent.Model.Family, "trained on the validation hours: not scored on them"),
            new IncumbentComparison(standIn, double.IsNaN(chosen) ? null : chosen, 0, basis));
    }

    /// <summary>
    /// Whatever one family throws while training fails that family only (too little history, an unavailable runtime, a
    /// native library error such as TorchSharp's <see cref="System.Runtime.InteropServices.ExternalException"/>); the
    /// others still train and serve. Cancellation and running out of memory are not a family's failure.
    /// </summary>
    private static bool IsFamilyFailure(Exception ex) => ex is not (OperationCanceledException or OutOfMemoryException);

    /// <summary>
    /// A candidate's validation forecasts blended with the baselines. Each window's forecasts use weights fitted on the
    /// other windows (cross-fitted, so the scores and the bands' residuals stay out of sample for the weights too); the
    /// weights that serve are fitted on all windows. Then, beyond the short horizons, the blended forecasts are shrunk
    /// toward the daily profile by cross-fitted weights where that beats them out of sample (<see cref="ProfileShrink"/>).
    /// </summary>
    private static (Scored Blended, HorizonBlend Blend) Blend(FeatureBuilder features, Scored sc, Scored seasonal, List<ForecastPoint>[] windowPoints, bool shrinkToProfile)
    {
        var k = windowPoints.Length;
        var window = new int[sc.Points.Count];
        var offset = 0;
        for (var i = 0; i < k; i++)
        {
            Array.Fill(window, i, offset, windowPoints[i].Count);
            offset += windowPoints[i].Count;
        }
        var final = HorizonBlend.Fit(features, sc.Points, sc.Deltas, seasonal.Deltas);
        var result = new Scored();
        offset = 0;
        for (var i = 0; i < k; i++)
        {
            var w = i;
            var blend = k > 1 ? HorizonBlend.Fit(features, sc.Points, sc.Deltas, seasonal.Deltas, j => window[j] != w) : final;
            var count = windowPoints[i].Count;
            var points = sc.Points.GetRange(offset, count);
            Add(result, points, blend.Apply(points, sc.Deltas.GetRange(offset, count), seasonal.Deltas.GetRange(offset, count)));
            offset += count;
        }
        if (!shrinkToProfile) return (result, final);
        // Beyond the short horizons, shrunk toward the daily profile and persistence where that is better out of sample (ProfileShrink).
        var (weights, damping, crossed) = ProfileShrink.Fit(features, result.Points, result.Deltas, DailyProfile.Deltas(features, result.Points));
        var shrunk = new Scored();
        Add(shrunk, result.Points, crossed);
        return (shrunk, final with { Profile = weights, Damping = damping });
    }

    private static void Add(Scored sc, List<ForecastPoint> points, double[] deltas)
    {
        sc.Points.AddRange(points);
        sc.Deltas.AddRange(deltas);
    }

    private static IReadOnlyList<ForecastMetrics> PerHorizon(FeatureBuilder features, IReadOnlyList<ForecastPoint> points, IReadOnlyList<double> deltas)
    {
        var predictions = ToPredictions(features, points, deltas);
        return TrainingWindow.AllHorizons.Select(predictions.Metrics).ToArray();
    }

    private static HorizonPredictions ToPredictions(FeatureBuilder features, IReadOnlyList<ForecastPoint> points, IReadOnlyList<double> deltas, Func<ForecastPoint, bool>? where = null)
    {
        var result = new HorizonPredictions();
        for (var i = 0; i < points.Count; i++)
        {
            var (t, h) = (points[i].Origin, points[i].Horizon);
            if (where is not null && !where(points[i])) continue;
            result.Add(h, features.Target[t + h], features.ToValue(t, deltas[i]));
        }
        return result;
    }

    /// <summary>
    /// A candidate's figures over all validation windows. Bands: calibrated on the newest out-of-sample residuals
    /// (<see cref="BandCalibration"/>); coverage: of bands calibrated on the earlier windows only, on the last window.
    /// </summary>
    /// <param name="bands">False when the outcome is only a step (a candidate before its blend, which is judged and calibrated
    /// again as blended): its figures without the bands.</param>
    private FamilyOutcome Outcome(ModelFamily family, IForecastModel model, FeatureBuilder features, Scored sc, int[] bounds, double seconds, int samples, bool bands = true)
    {
        var perHorizon = PerHorizon(features, sc.Points, sc.Deltas);
        if (!bands)
            return new FamilyOutcome(family, perHorizon, ForecastMetrics.Average(perHorizon), new Dictionary<double, double[]>(), model, seconds, samples, null);
        var n = bounds[^1];
        var halfWidths = BandCalibration.HalfWidths(features, sc.Points, sc.Deltas, n - settings.BandWindowHours, n, settings.BandsWiderOfAll);
        // Out of sample: calibrated on what came before the last window (or before the second half of a single one).
        var split = bounds.Length > 2 ? bounds[^2] : (bounds[0] + bounds[1]) / 2;
        var earlier = BandCalibration.HalfWidths(features, sc.Points, sc.Deltas, split - settings.BandWindowHours, split, settings.BandsWiderOfAll);
        var later = ToPredictions(features, sc.Points, sc.Deltas, p => p.Origin >= split);
        var coverage = new Dictionary<double, double>();
        var byHorizon = new Dictionary<double, double[]>();
        foreach (var level in ConformalInterval.Levels)
        {
            byHorizon[level] = TrainingWindow.AllHorizons
                .Select(h => ConformalInterval.Coverage(later.Actual(h), later.Predicted(h), earlier[level][h - 1])).ToArray();
            coverage[level] = byHorizon[level].Where(c => !double.IsNaN(c)).DefaultIfEmpty(double.NaN).Average();
        }
        return new FamilyOutcome(family, perHorizon, ForecastMetrics.Average(perHorizon), halfWidths, model, seconds, samples, null)
        {
            ValidationCoverage = coverage,
            ValidationCoverageByHorizon = byHorizon,
        };
    }

    private static FamilyOutcome Failed(ModelFamily family, string problem) =>
        new(family, [], new ForecastMetrics(double.NaN, double.NaN, double.NaN, null, 0), new Dictionary<double, double[]>(), null, 0, 0, problem);
}
