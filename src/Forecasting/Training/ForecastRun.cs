using AirQuality.Forecasting.Evaluation;
using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;

namespace AirQuality.Forecasting.Training;

/// <summary>One forecast: values and bands for horizons 1..n from the latest known hour.</summary>
/// <param name="Origin">The latest hour with a usable level.</param>
public sealed record ForecastValues(DateTime Origin, IReadOnlyList<(int Horizon, double Value, double Lower80, double Upper80, double Lower90, double Upper90)> Hours);

/// <summary>Turns a model and recent history into a forecast, and scores baselines on recent history.</summary>
public static class ForecastRun
{
    /// <summary>
    /// Forecasts from the newest hour of <paramref name="recent"/> that has a usable level (at most
    /// <see cref="FeatureBuilder.MaxLevelAgeHours"/> old at the end of the history); null when there is none.
    /// </summary>
    /// <param name="liveResiduals">The served forecasts' matured residuals per live horizon (<see cref="LiveBands"/>), which rescale the bands.</param>
    public static ForecastValues? Predict(IForecastModel model, FeatureLayout layout, IReadOnlyList<double> halfWidth80, IReadOnlyList<double> halfWidth90,
        HourlySeries recent, int hours, IReadOnlyDictionary<int, IReadOnlyList<double>>? liveResiduals = null)
    {
        if (liveResiduals is { Count: > 0 })
        {
            var adjusted = LiveBands.Adjust(new Dictionary<double, IReadOnlyList<double>> { [0.8] = halfWidth80, [0.9] = halfWidth90 }, liveResiduals);
            (halfWidth80, halfWidth90) = (adjusted[0.8], adjusted[0.9]);
        }
        if (recent.Length == 0) return null;
        var extended = Extend(recent, FeatureBuilder.MaxHorizon);
        var features = new FeatureBuilder(layout.Target.Values(extended), extended, layout);
        var origin = recent.Length - 1;
        if (!features.TryLevel(origin, out _, out _)) return null;
        hours = Math.Clamp(hours, 1, FeatureBuilder.MaxHorizon);
        var points = Enumerable.Range(1, hours).Select(h => new ForecastPoint(origin, h)).ToList();
        var deltas = model.PredictDeltas(features, points);
        var result = new List<(int, double, double, double, double, double)>(hours);
        for (var h = 1; h <= hours; h++)
        {
            var value = features.ToValue(origin, deltas[h - 1]);
            if (double.IsNaN(value)) return null;
            var (l80, u80) = ConformalInterval.Band(value, halfWidth80[h - 1]);
            var (l90, u90) = ConformalInterval.Band(value, halfWidth90[h - 1]);
            result.Add((h, value, l80, u80, l90, u90));
        }
        return new ForecastValues(recent.HourAt(origin), result);
    }

    /// <summary>
    /// The better baseline on the last <paramref name="days"/> days of a history, with bands calibrated on the same
    /// days: what serves on a cold start, before any model is trained.
    /// </summary>
    public static (IForecastModel Model, FeatureLayout Layout, double[] HalfWidth80, double[] HalfWidth90, double Mae) BestBaseline(
        HourlySeries history, ForecastTarget target, int days = 14)
    {
        var layout = new FeatureLayout(target, [], false);
        var features = new FeatureBuilder(target.Values(history), history, layout);
        var window = new TrainingWindow(Math.Max(0, history.Length - days * 24), history.Length, history.Length);
        // The lower MAE wins (persistence on a tie); bands are calibrated for the winner only, with one sort of each
        // horizon's residuals for both levels, and a model whose bands cannot be calibrated gives way to the other.
        // OrderBy is stable: on a tie persistence, listed first, stays first.
        var scored = new IForecastModel[] { PersistenceModel.Instance, SeasonalNaiveModel.Instance }
            .Select(model =>
            {
                var p = Backtest.Run(model, features, window);
                return (Model: model, Predictions: p, Mae: ForecastMetrics.Average(TrainingWindow.AllHorizons.Select(p.Metrics)).Mae);
            })
            .Where(x => !double.IsNaN(x.Mae))
            .OrderBy(x => x.Mae);
        foreach (var (model, p, mae) in scored)
        {
            var w80 = new double[TrainingWindow.AllHorizons.Count];
            var w90 = new double[w80.Length];
            for (var i = 0; i < w80.Length; i++)
            {
                var sorted = ConformalInterval.Sorted(p.Residuals(TrainingWindow.AllHorizons[i]));
                (w80[i], w90[i]) = (ConformalInterval.HalfWidthOfSorted(sorted, 0.8), ConformalInterval.HalfWidthOfSorted(sorted, 0.9));
            }
            if (w80.Any(double.IsNaN) || w90.Any(double.IsNaN)) continue;
            return (model, layout, w80, w90, mae);
        }
        return (PersistenceModel.Instance, layout, Fallback(), Fallback(), double.PositiveInfinity);
    }

    /// <summary>Bands when there is too little history to calibrate: wide (a factor of about 2 either way).</summary>
    private static double[] Fallback() => Enumerable.Repeat(0.7, FeatureBuilder.MaxHorizon).ToArray();

    /// <summary>The history with empty hours appended, so calendar features of future hours can be computed.</summary>
    private static HourlySeries Extend(HourlySeries s, int hours)
    {
        var channels = s.Channels.ToDictionary(c => c, c =>
        {
            var a = new double[s.Length + hours];
            Array.Fill(a, double.NaN);
            s.Channel(c)!.CopyTo(a, 0);
            return a;
        });
        if (channels.Count == 0) channels["pm25"] = Enumerable.Repeat(double.NaN, s.Length + hours).ToArray();
        return HourlySeries.FromArrays(s.Start, channels);
    }
}
