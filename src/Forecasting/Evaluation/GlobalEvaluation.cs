using System.Diagnostics;
using AirQuality.Forecasting.Global;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;
using AirQuality.Forecasting.Training;

namespace AirQuality.Forecasting.Evaluation;

/// <summary>One station's figures in `evaluate-global`: its split evaluation with the global family among the candidates.</summary>
/// <param name="BestPerCity">The per-city family (linear, random forest, gradient boosting, LSTM) with the lowest test MAE, chosen after the fact.</param>
/// <param name="GlobalVsBest">Per horizon and "1-48": global MAE / best per-city MAE - 1 (negative: the global family is better).</param>
public sealed record GlobalStationFigures(string Station, EvaluationReport Report, string BestPerCity, IReadOnlyDictionary<string, double> GlobalVsBest,
    TrainingCost? Cost);

/// <summary>
/// CPU seconds of one station and target trained as the service trains (validation windows, then only the champion
/// refitted; one fit at a time), with all per-city families and with the linear and global families only.
/// </summary>
public sealed record TrainingCost(double AllFamiliesCpuSeconds, double LinearAndGlobalCpuSeconds);

/// <summary>What `evaluate-global` reports.</summary>
/// <param name="GlobalFitCpuSeconds">CPU seconds of fitting the two global models on the pool (grows with the capped pool, not with the cities).</param>
/// <param name="PoolCpuSecondsPerCity">CPU seconds of adding one city to the pool (features of its sampled rows).</param>
public sealed record GlobalEvaluationReport(string Target, int Stations, int PoolRows, double GlobalFitCpuSeconds, double PoolCpuSecondsPerCity,
    IReadOnlyList<GlobalStationFigures> Figures, double WallSeconds)
{
    /// <summary>
    /// CPU hours of one full retraining round of <paramref name="cities"/> cities x <paramref name="targets"/> targets,
    /// extrapolated from the measured per-station costs: with every per-city family, and with the global family (its
    /// shared fit once per target, the pool a city at a time) plus the linear family per city.
    /// </summary>
    public (double AllFamiliesHours, double GlobalAndLinearHours)? Extrapolate(int cities, int targets)
    {
        var costs = Figures.Where(f => f.Cost is not null).Select(f => f.Cost!).ToList();
        if (costs.Count == 0) return null;
        var all = costs.Average(c => c.AllFamiliesCpuSeconds) * cities * targets;
        var global = targets * (GlobalFitCpuSeconds + PoolCpuSecondsPerCity * cities) + costs.Average(c => c.LinearAndGlobalCpuSeconds) * cities * targets;
        return (all / 3600, global / 3600);
    }
}

/// <summary>
/// `evaluate-global`: the split protocol on several stations at once. The global family is trained on the training
/// parts of all stations pooled; then each station is evaluated as `evaluate` does (the service's trainer, champion
/// rule and bands), with the global family among its candidates. The test parts are never pooled or seen.
/// </summary>
public static class GlobalEvaluation
{
    private static readonly ModelFamily[] PerCity = [ModelFamily.Linear, ModelFamily.RandomForest, ModelFamily.GradientBoosting, ModelFamily.Lstm];

    public static GlobalEvaluationReport Run(IReadOnlyList<(string Name, HourlySeries Series)> stations, ForecastTarget target, IReadOnlyList<int> horizons,
        double testFraction, ForecastSettings settings, GlobalSettings globalSettings, bool measureCost, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        var wall = Stopwatch.StartNew();
        var parts = stations.Select(s => s.Series.Slice(0, s.Series.Length - (int)Math.Round(s.Series.Length * testFraction))).ToList();
        var cpu = CpuClock.Start();
        var pool = new GlobalPool(target, parts.Count, globalSettings, settings.ValidationFraction);
        foreach (var p in parts) pool.Add(p, cancellationToken);
        var poolSeconds = cpu.Seconds;
        cpu = CpuClock.Start();
        var artifact = GlobalArtifact.Fit(pool, globalSettings, parts.Max(p => p.End), cancellationToken);
        var fitSeconds = cpu.Seconds;
        log?.Invoke($"global: {pool.Cities} stations pooled, {pool.Serving.Count} serving rows and {pool.Validation.Count} validation rows; pooling {poolSeconds:0.0} s CPU, fitting both models {fitSeconds:0.0} s CPU");
        var set = new GlobalModelSet();
        set.Publish(artifact);
        var global = new GlobalFamily(set, globalSettings);
        var trainer = new ForecastTrainer([.. ForecastTrainer.DefaultFamilies(), global], settings);
        var figures = new List<GlobalStationFigures>();
        for (var i = 0; i < stations.Count; i++)
        {
            var (name, series) = stations[i];
            log?.Invoke($"== {name}");
            var report = HoldoutEvaluation.Run(series, target, name, horizons, testFraction, trainer, log, cancellationToken);
            var best = PerCity.Select(f => f.Code()).Where(report.Average148.ContainsKey).OrderBy(c => report.Average148[c].Mae).First();
            var vs = new Dictionary<string, double>();
            if (report.Models.TryGetValue(ModelFamily.Global.Code(), out var g))
            {
                foreach (var h in horizons.Select(h => h.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                    vs[h] = g[h].Mae / report.Models[best][h].Mae - 1;
                vs["1-48"] = report.Average148[ModelFamily.Global.Code()].Mae / report.Average148[best].Mae - 1;
            }
            TrainingCost? cost = null;
            if (measureCost)
            {
                // As the service trains: one fit at a time, only the champion refitted.
                var service = settings with { Parallelism = 1, RefitAllFamilies = false };
                var c = CpuClock.Start();
                new ForecastTrainer(ForecastTrainer.DefaultFamilies(), service).Train(parts[i], target, cancellationToken: cancellationToken);
                var allSeconds = c.Seconds;
                c = CpuClock.Start();
                new ForecastTrainer([new LinearFamily(), global], service).Train(parts[i], target, cancellationToken: cancellationToken);
                cost = new TrainingCost(Math.Round(allSeconds, 2), Math.Round(c.Seconds, 2));
                log?.Invoke($"training cost of {name} as the service trains: all per-city families {cost.AllFamiliesCpuSeconds:0.0} s CPU, linear + global {cost.LinearAndGlobalCpuSeconds:0.0} s CPU");
            }
            figures.Add(new GlobalStationFigures(name, report, best, vs, cost));
        }
        return new GlobalEvaluationReport(target.Code(), pool.Cities, pool.Serving.Count, Math.Round(fitSeconds, 2), Math.Round(poolSeconds / Math.Max(1, pool.Cities), 3),
            figures, Math.Round(wall.Elapsed.TotalSeconds, 1));
    }
}
