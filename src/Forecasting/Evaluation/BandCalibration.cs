using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;

namespace AirQuality.Forecasting.Evaluation;

/// <summary>
/// Adaptive, out-of-sample band calibration: a rolling per-horizon buffer of the newest residuals of forecasts the
/// model was not fitted on. The half-width of a horizon is the conformal quantile of the residuals of forecasts whose
/// origin lies in the buffer's span and whose target hour had arrived by its end, so a band only ever uses what was
/// known when it was made, and a change of regime reaches the bands within one buffer length instead of being averaged
/// over the whole history. Retrained daily, the service's bands follow the last <see cref="ForecastSettings.BandWindowHours"/>.
/// </summary>
public static class BandCalibration
{
    /// <summary>Fewest residuals a horizon needs in the buffer; with fewer, older out-of-sample residuals are added.</summary>
    public const int MinimumResiduals = 30;

    /// <summary>The half-width when nothing can be calibrated: wide (a factor of about 2 either way).</summary>
    public const double Fallback = 0.7;

    /// <summary>
    /// Half-widths per level (0.8, 0.9) and horizon (index h - 1) from the forecasts (<paramref name="points"/>,
    /// <paramref name="deltas"/>) with origin in [<paramref name="from"/>, <paramref name="to"/>) and target before
    /// <paramref name="to"/>. With <paramref name="widerOfAll"/>, a horizon's half-width is at least the quantile of
    /// all the out-of-sample residuals before <paramref name="to"/>, not only of the buffer's.
    /// </summary>
    public static Dictionary<double, double[]> HalfWidths(FeatureBuilder features, IReadOnlyList<ForecastPoint> points, IReadOnlyList<double> deltas, int from, int to, bool widerOfAll = true)
    {
        var recent = new List<double>[FeatureBuilder.MaxHorizon];
        var older = new List<double>[FeatureBuilder.MaxHorizon];
        for (var h = 0; h < recent.Length; h++) (recent[h], older[h]) = ([], []);
        for (var i = 0; i < points.Count; i++)
        {
            var (t, h) = (points[i].Origin, points[i].Horizon);
            if (t + h >= to || double.IsNaN(deltas[i])) continue;
            var actual = features.Target[t + h];
            var predicted = features.ToValue(t, deltas[i]);
            if (double.IsNaN(actual) || double.IsNaN(predicted)) continue;
            (t >= from ? recent : older)[h - 1].Add(ConformalInterval.Residual(actual, predicted));
        }
        var result = new Dictionary<double, double[]>();
        foreach (var level in ConformalInterval.Levels) result[level] = new double[FeatureBuilder.MaxHorizon];
        for (var h = 0; h < FeatureBuilder.MaxHorizon; h++)
        {
            IEnumerable<double> use = recent[h];
            if (recent[h].Count < MinimumResiduals && older[h].Count > 0)
                use = older[h].Skip(Math.Max(0, older[h].Count - (MinimumResiduals - recent[h].Count))).Concat(recent[h]);
            // Sorted once for every level.
            var buffer = ConformalInterval.Sorted(use);
            var all = older[h].Count > 0 && widerOfAll ? ConformalInterval.Sorted(older[h].Concat(recent[h])) : null;
            foreach (var level in ConformalInterval.Levels)
            {
                var w = ConformalInterval.HalfWidthOfSorted(buffer, level);
                // A calm recent buffer does not narrow the band below what all the out-of-sample residuals ask for:
                // a regime that came back once can come back (the wider of the two quantiles).
                if (all is not null && !double.IsNaN(w))
                {
                    var wide = ConformalInterval.HalfWidthOfSorted(all, level);
                    if (wide > w) w = wide;
                }
                result[level][h] = double.IsNaN(w) ? Fallback : w;
            }
        }
        return result;
    }
}
