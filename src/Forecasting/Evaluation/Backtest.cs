using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;

namespace AirQuality.Forecasting.Evaluation;

/// <summary>Forecasts and what happened, per horizon, over a window of origins.</summary>
public sealed class HorizonPredictions
{
    private readonly Dictionary<int, (List<double> Actual, List<double> Predicted)> _byHorizon = [];

    /// <summary>Horizons with at least one pair, ascending.</summary>
    public IReadOnlyList<int> Horizons => _byHorizon.Keys.Order().ToList();

    public void Add(int horizon, double actual, double predicted)
    {
        if (!_byHorizon.TryGetValue(horizon, out var lists)) _byHorizon[horizon] = lists = ([], []);
        lists.Actual.Add(actual);
        lists.Predicted.Add(predicted);
    }

    public IReadOnlyList<double> Actual(int horizon) => _byHorizon.TryGetValue(horizon, out var l) ? l.Actual : [];

    public IReadOnlyList<double> Predicted(int horizon) => _byHorizon.TryGetValue(horizon, out var l) ? l.Predicted : [];

    /// <summary>Metrics of one horizon.</summary>
    public ForecastMetrics Metrics(int horizon) => ForecastMetrics.Of(Actual(horizon), Predicted(horizon));

    /// <summary>Absolute residuals of one horizon in the bands' log space.</summary>
    public IReadOnlyList<double> Residuals(int horizon) =>
        Actual(horizon).Zip(Predicted(horizon), ConformalInterval.Residual).ToList();
}

/// <summary>Runs a model over every origin of a window, as if each forecast had been issued at its origin.</summary>
public static class Backtest
{
    /// <summary>
    /// Forecasts every (origin, horizon) of the window whose level and actual value are known. All models asked
    /// about the same window and builder answer on the same points, so their metrics compare like with like.
    /// </summary>
    public static HorizonPredictions Run(IForecastModel model, FeatureBuilder features, TrainingWindow window, IReadOnlyList<int>? horizons = null)
    {
        var points = window.Points(features, horizons).ToList();
        var deltas = model.PredictDeltas(features, points);
        var result = new HorizonPredictions();
        for (var i = 0; i < points.Count; i++)
        {
            var (t, h) = (points[i].Origin, points[i].Horizon);
            result.Add(h, features.Target[t + h], features.ToValue(t, deltas[i]));
        }
        return result;
    }
}
