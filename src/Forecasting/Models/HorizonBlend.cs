using AirQuality.Forecasting.Features;

namespace AirQuality.Forecasting.Models;

/// <summary>
/// Per-horizon shrinkage of a model toward the baselines at the short horizons (up to <see cref="MaxHorizon"/>): the served delta at horizon h is
/// <c>Model[h] * model + Seasonal[h] * seasonal naive + (1 - Model[h] - Seasonal[h]) * persistence</c> (persistence's
/// delta is 0). The weights are chosen per horizon on validation forecasts out of sample, from a grid that includes
/// "persistence alone" and "seasonal naive alone", so on the hours they were fitted on the blend is never worse than
/// either baseline at any horizon, and a model that is poor at short horizons hands them over to persistence.
/// </summary>
public sealed record HorizonBlend(IReadOnlyList<double> Model, IReadOnlyList<double> Seasonal)
{
    /// <summary>Grid step of the weights.</summary>
    public const double Step = 0.1;

    /// <summary>
    /// Horizons either side pooled when fitting horizon h's weights (smooths them): none at the shortest horizons, where
    /// the right weight changes fastest, h / 8 (rounded) beyond.
    /// </summary>
    public static int Neighbours(int h) => (int)Math.Round(h / 8.0);

    /// <summary>
    /// Longest horizon blended: the short horizons, where the latest value carries most of what is known. Beyond,
    /// shrinking toward persistence fitted on one season was seen to carry badly into the next, so the model serves alone.
    /// </summary>
    public const int MaxHorizon = 6;

    /// <summary>Fewest pooled pairs a horizon needs; with fewer it keeps the model alone.</summary>
    public const int MinimumPairs = 48;

    /// <summary>
    /// Beyond the short horizons, the weight of the station's recent <see cref="DailyProfile"/> the blended delta is shrunk
    /// toward (<see cref="ProfileShrink"/>); null or 0 where there is none.
    /// </summary>
    public IReadOnlyList<double>? Profile { get; init; }

    /// <summary>Beyond the short horizons, persistence's share beside the profile's (<see cref="ProfileShrink"/>); null or 0 where there is none.</summary>
    public IReadOnlyList<double>? Damping { get; init; }

    /// <summary>True when some horizon is shrunk toward the daily profile.</summary>
    public bool UsesProfile => Profile is not null && Profile.Any(w => w != 0);

    private bool Shrinks => UsesProfile || (Damping is not null && Damping.Any(d => d != 0));

    /// <summary>The model alone at every horizon.</summary>
    public static HorizonBlend Identity { get; } = new(Enumerable.Repeat(1.0, FeatureBuilder.MaxHorizon).ToArray(), new double[FeatureBuilder.MaxHorizon]);

    /// <summary>The blended deltas of points whose model and seasonal-naive deltas are given.</summary>
    /// <param name="profile">The <see cref="DailyProfile"/> deltas of the points; needed only when <see cref="UsesProfile"/>.</param>
    public double[] Apply(IReadOnlyList<ForecastPoint> points, IReadOnlyList<double> model, IReadOnlyList<double> seasonal, IReadOnlyList<double>? profile = null)
    {
        var result = new double[points.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var h = points[i].Horizon - 1;
            result[i] = Combine(Model[h], Seasonal[h], model[i], seasonal[i]);
            if (Shrinks) result[i] = ProfileShrink.Combine(Profile?[h] ?? 0, Damping?[h] ?? 0, result[i], profile is null ? double.NaN : profile[i]);
        }
        return result;
    }

    private static double Combine(double a, double b, double model, double seasonal)
    {
        if (double.IsNaN(model)) return double.NaN;
        // Where a weight is zero its delta does not enter (a missing seasonal value cannot poison the blend).
        var v = a == 0 ? 0 : a * model;
        if (b != 0) v += b * (double.IsNaN(seasonal) ? model : seasonal);
        return v;
    }

    /// <summary>
    /// Fits the weights on the forecasts <paramref name="use"/> selects (all when null): per horizon, the weights on the
    /// grid (coordinate search) with the lowest MAE in the target's unit over the pairs of that horizon and its
    /// <see cref="Neighbours"/> either side (at most <paramref name="maxPairs"/>, thinned evenly). Ties go to more weight on the model.
    /// </summary>
    public static HorizonBlend Fit(FeatureBuilder features, IReadOnlyList<ForecastPoint> points, IReadOnlyList<double> model, IReadOnlyList<double> seasonal,
        Func<int, bool>? use = null, int maxPairs = 600)
    {
        var byHorizon = new List<int>[FeatureBuilder.MaxHorizon];
        for (var h = 0; h < byHorizon.Length; h++) byHorizon[h] = [];
        for (var i = 0; i < points.Count; i++)
        {
            if (use is not null && !use(i)) continue;
            var (t, h) = (points[i].Origin, points[i].Horizon);
            if (double.IsNaN(model[i]) || double.IsNaN(features.Target[t + h]) || !features.TryLevel(t, out _, out _)) continue;
            byHorizon[h - 1].Add(i);
        }
        var steps = (int)Math.Round(1 / Step);
        var a = new double[FeatureBuilder.MaxHorizon];
        var b = new double[FeatureBuilder.MaxHorizon];
        for (var h = 0; h < FeatureBuilder.MaxHorizon; h++)
        {
            var r = Neighbours(h + 1);
            var (g0, g1) = (Math.Max(0, h - r), Math.Min(FeatureBuilder.MaxHorizon - 1, h + r));
            var total = 0;
            for (var g = g0; g <= g1; g++) total += byHorizon[g].Count;
            if (total < MinimumPairs || h + 1 > MaxHorizon) { a[h] = 1; continue; }
            // Every horizon of the pool thinned alike, each evenly over its origins.
            var stride = Math.Max(1, (total + maxPairs - 1) / maxPairs);
            var level = new List<double>();
            var actual = new List<double>();
            var dm = new List<double>();
            var ds = new List<double>();
            for (var g = g0; g <= g1; g++)
                for (var j = 0; j < byHorizon[g].Count; j += stride)
                {
                    var i = byHorizon[g][j];
                    var t = points[i].Origin;
                    features.TryLevel(t, out var l, out _);
                    level.Add(l);
                    actual.Add(features.Target[t + points[i].Horizon]);
                    dm.Add(model[i]);
                    ds.Add(seasonal[i]);
                }
            var best = (A: 1.0, B: 0.0, Mae: double.PositiveInfinity);
            void Try(double ga, double gb)
            {
                double sum = 0;
                for (var j = 0; j < level.Count; j++)
                    sum += Math.Abs(actual[j] - Math.Max(0, Math.Exp(level[j] + Combine(ga, gb, dm[j], ds[j])) - 1));
                if (sum < best.Mae - 1e-9) best = (ga, gb, sum);
            }
            // Coordinate search: the model's weight alone (persistence the rest), the seasonal weight alone, then the
            // other weight beside the better of the two. Model alone, persistence alone and seasonal naive alone are
            // all tried, so none of them beats the result on these pairs.
            for (var ai = steps; ai >= 0; ai--) Try(ai * Step, 0);
            for (var bi = 1; bi <= steps; bi++) Try(0, bi * Step);
            var (ba, bb) = (best.A, best.B);
            if (bb == 0) for (var bi = 1; ba + bi * Step <= 1 + 1e-9; bi++) Try(ba, bi * Step);
            else for (var ai = 1; bb + ai * Step <= 1 + 1e-9; ai++) Try(ai * Step, bb);
            (a[h], b[h]) = (best.A, best.B);
        }
        return new HorizonBlend(a, b);
    }
}

/// <summary>A trained model served through its <see cref="HorizonBlend"/>; it keeps the inner model's family and bytes.</summary>
public sealed class BlendedModel(IForecastModel inner, HorizonBlend blend) : IForecastModel
{
    public IForecastModel Inner => inner;

    public HorizonBlend Blend => blend;

    public ModelFamily Family => inner.Family;

    public double[] PredictDeltas(FeatureBuilder features, IReadOnlyList<ForecastPoint> points) =>
        blend.Apply(points, DeltaGuard.Clamp(features, points, inner.PredictDeltas(features, points)), SeasonalNaiveModel.Instance.PredictDeltas(features, points),
            blend.UsesProfile ? DailyProfile.Deltas(features, points) : null);

    /// <summary>The inner model's bytes; the weights travel in the artifact's header.</summary>
    public byte[] Save() => inner.Save();

    /// <summary>The model with its blend, or the model alone when there is none.</summary>
    public static IForecastModel Wrap(IForecastModel model, HorizonBlend? blend) => blend is null ? model : new BlendedModel(model is BlendedModel b ? b.Inner : model, blend);
}
