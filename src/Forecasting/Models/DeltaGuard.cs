using AirQuality.Forecasting.Features;

namespace AirQuality.Forecasting.Models;

/// <summary>
/// Keeps a model's forecast within reach of what the station has just shown: in log space, no higher than the last
/// <see cref="FeatureBuilder.Lookback"/> hours' highest value plus <see cref="Margin"/> and no lower than their lowest
/// minus it. A model that extrapolates far out of its training range (a regression on a covariate it rarely saw) then
/// costs a bounded error instead of an absurd one; forecasts inside the range are untouched.
/// </summary>
public static class DeltaGuard
{
    /// <summary>log(3): up to three times the week's highest value (a third of its lowest).</summary>
    public static readonly double Margin = Math.Log(3);

    /// <summary>The deltas clamped, in place; returns them.</summary>
    public static double[] Clamp(FeatureBuilder features, IReadOnlyList<ForecastPoint> points, double[] deltas)
    {
        var origin = -1;
        double lo = double.NaN, hi = double.NaN, level = double.NaN;
        for (var i = 0; i < deltas.Length; i++)
        {
            if (double.IsNaN(deltas[i])) continue;
            var t = points[i].Origin;
            if (t != origin)
            {
                origin = t;
                (lo, hi) = (double.PositiveInfinity, double.NegativeInfinity);
                for (var j = Math.Max(0, t - FeatureBuilder.Lookback + 1); j <= t; j++)
                {
                    var v = features.LogAt(j);
                    if (double.IsNaN(v)) continue;
                    lo = Math.Min(lo, v);
                    hi = Math.Max(hi, v);
                }
                if (!features.TryLevel(t, out level, out _)) level = double.NaN;
            }
            if (double.IsNaN(level) || lo > hi) continue;
            deltas[i] = Math.Clamp(deltas[i], Math.Max(0, lo - Margin) - level, hi + Margin - level);
        }
        return deltas;
    }
}
