using AirQuality.Forecasting.Features;

namespace AirQuality.Forecasting.Models;

/// <summary>
/// The station's recent daily profile: for a target hour, the mean of log(1 + y) at the same hour of the
/// <see cref="Days"/> most recent days whose value is known at the origin (from 1 day back at horizons up to 24 h, from 2
/// days back beyond), as a delta from the origin's level. A climatology of the last week that a day-ahead forecast can
/// lean on where the model's own signal has faded.
/// </summary>
public static class DailyProfile
{
    /// <summary>Days averaged.</summary>
    public const int Days = 7;

    /// <summary>Fewest known same-hour values for a profile; with fewer it is unknown (NaN).</summary>
    public const int MinimumDays = 3;

    /// <summary>The profile's delta of each point, NaN where the origin has no level or too few days are known.</summary>
    public static double[] Deltas(FeatureBuilder features, IReadOnlyList<ForecastPoint> points)
    {
        var result = new double[points.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var (t, h) = (points[i].Origin, points[i].Horizon);
            if (!features.TryLevel(t, out var level, out _)) { result[i] = double.NaN; continue; }
            var first = (h + 23) / 24;
            double sum = 0;
            var c = 0;
            for (var d = first; d < first + Days; d++)
            {
                var v = features.LogAt(t + h - 24 * d);
                if (double.IsNaN(v)) continue;
                sum += v;
                c++;
            }
            result[i] = c >= MinimumDays ? sum / c - level : double.NaN;
        }
        return result;
    }
}

/// <summary>
/// Per-horizon shrinkage of a forecast toward the <see cref="DailyProfile"/> and persistence beyond the short horizons:
/// the served delta at horizon h is <c>(1 - w[h] - d[h]) * forecast + w[h] * profile</c> (persistence's delta is 0, so
/// d[h] is its share). The weights are chosen on validation forecasts by cross-fitting (fitted on the other folds, scored
/// on each fold), and kept only at horizons where the cross-fitted shrinkage beats the unshrunk forecast on those
/// out-of-sample pairs; elsewhere both are 0 and the forecast serves as it is.
/// </summary>
public static class ProfileShrink
{
    /// <summary>Grid step of the weight.</summary>
    public const double Step = 0.1;

    /// <summary>Largest share the profile and persistence take together: the model always keeps a share.</summary>
    public const double MaxWeight = 0.8;

    /// <summary>First horizon shrunk; the shorter ones are <see cref="HorizonBlend"/>'s.</summary>
    public const int FirstHorizon = HorizonBlend.MaxHorizon + 1;

    /// <summary>Contiguous folds (by origin) of the validation forecasts for the cross-fitting.</summary>
    public const int Folds = 4;

    /// <summary>Fewest pooled pairs a fit needs; with fewer the weight is 0.</summary>
    public const int MinimumPairs = 96;

    /// <summary>Most pairs one fit reads (thinned evenly).</summary>
    public const int MaxPairs = 1000;

    /// <summary>Horizons either side pooled when fitting or judging horizon h (as <see cref="HorizonBlend.Neighbours"/>).</summary>
    public static int Neighbours(int h) => HorizonBlend.Neighbours(h);

    /// <summary>The shrunk delta (<paramref name="w"/> the profile's share, <paramref name="d"/> persistence's); a missing profile gives its share to the forecast.</summary>
    public static double Combine(double w, double d, double forecast, double profile)
    {
        if (double.IsNaN(forecast)) return forecast;
        if (double.IsNaN(profile)) w = 0;
        if (w == 0) return d == 0 ? forecast : (1 - d) * forecast;
        return (1 - w - d) * forecast + w * profile;
    }

    /// <summary>The absolute error, in the target's unit, of a forecast delta shrunk by the shares (w, d) from the origin's level.</summary>
    private static double AbsoluteError(double actual, double level, double forecast, double profile, double w, double d) =>
        Math.Abs(actual - Math.Max(0, Math.Exp(level + Combine(w, d, forecast, profile)) - 1));

    /// <summary>
    /// Fits the weights on validation forecasts (<paramref name="forecast"/>, with their <paramref name="profile"/>
    /// deltas) and returns them with the forecasts as cross-fitted: each fold's shrunk by weights fitted on the other
    /// folds where the shrinkage is kept, unshrunk elsewhere.
    /// </summary>
    /// <returns>The profile's weights, persistence's, and the cross-fitted forecasts.</returns>
    public static (double[] Weights, double[] Damping, double[] CrossFitted) Fit(FeatureBuilder features, IReadOnlyList<ForecastPoint> points,
        IReadOnlyList<double> forecast, IReadOnlyList<double> profile)
    {
        var weights = new double[FeatureBuilder.MaxHorizon];
        var damping = new double[FeatureBuilder.MaxHorizon];
        var crossed = forecast.ToArray();
        var usable = new List<int>[FeatureBuilder.MaxHorizon];
        for (var h = 0; h < usable.Length; h++) usable[h] = [];
        var level = new double[points.Count];
        var actual = new double[points.Count];
        int minOrigin = int.MaxValue, maxOrigin = int.MinValue;
        for (var i = 0; i < points.Count; i++)
        {
            var (t, h) = (points[i].Origin, points[i].Horizon);
            if (h < FirstHorizon || double.IsNaN(forecast[i]) || !features.TryLevel(t, out level[i], out _)) continue;
            actual[i] = features.Target[t + h];
            if (double.IsNaN(actual[i])) continue;
            usable[h - 1].Add(i);
            minOrigin = Math.Min(minOrigin, t);
            maxOrigin = Math.Max(maxOrigin, t);
        }
        if (minOrigin > maxOrigin) return (weights, damping, crossed);
        var span = maxOrigin - minOrigin + 1;
        var folds = new int[points.Count];
        for (var h = 0; h < usable.Length; h++)
            foreach (var i in usable[h]) folds[i] = (int)Math.Min(Folds - 1, (long)(points[i].Origin - minOrigin) * Folds / span);

        double Error(int i, (double W, double D) x) => AbsoluteError(actual[i], level[i], forecast[i], profile[i], x.W, x.D);

        (double W, double D) Best(List<int> pool)
        {
            if (pool.Count < MinimumPairs) return (0, 0);
            var stride = Math.Max(1, (pool.Count + MaxPairs - 1) / MaxPairs);
            // The thinned pairs side by side, read once per grid point.
            var m = (pool.Count + stride - 1) / stride;
            var (a, l, f, p) = (new double[m], new double[m], new double[m], new double[m]);
            for (var j = 0; j < m; j++)
            {
                var i = pool[j * stride];
                (a[j], l[j], f[j], p[j]) = (actual[i], level[i], forecast[i], profile[i]);
            }
            var best = (W: 0.0, D: 0.0, Sum: double.PositiveInfinity);
            var steps = (int)Math.Round(MaxWeight / Step);
            // Every pair of shares on the grid, the smaller total first: ties go to more weight on the forecast.
            for (var total = 0; total <= steps; total++)
                for (var s = total; s >= 0; s--)
                {
                    var x = (W: s * Step, D: (total - s) * Step);
                    double sum = 0;
                    for (var j = 0; j < m; j++) sum += AbsoluteError(a[j], l[j], f[j], p[j], x.W, x.D);
                    if (sum < best.Sum - 1e-9) best = (x.W, x.D, sum);
                }
            return (best.W, best.D);
        }

        for (var h = FirstHorizon; h <= FeatureBuilder.MaxHorizon; h++)
        {
            var r = Neighbours(h);
            var pool = new List<int>();
            for (var g = Math.Max(FirstHorizon, h - r); g <= Math.Min(FeatureBuilder.MaxHorizon, h + r); g++) pool.AddRange(usable[g - 1]);
            if (pool.Count < MinimumPairs) continue;
            // Cross-fitted weights per fold, and the out-of-sample error of shrunk against unshrunk on the pooled pairs.
            var foldWeights = new (double W, double D)[Folds];
            for (var f = 0; f < Folds; f++)
            {
                var others = new List<int>(pool.Count);
                foreach (var i in pool)
                    if (folds[i] != f) others.Add(i);
                foldWeights[f] = Best(others);
            }
            double shrunk = 0, plain = 0;
            foreach (var i in pool)
            {
                shrunk += Error(i, foldWeights[folds[i]]);
                plain += Error(i, (0, 0));
            }
            if (!(shrunk < plain - 1e-9)) continue;
            (weights[h - 1], damping[h - 1]) = Best(pool);
            foreach (var i in usable[h - 1]) crossed[i] = Combine(foldWeights[folds[i]].W, foldWeights[folds[i]].D, forecast[i], profile[i]);
        }
        return (weights, damping, crossed);
    }
}
