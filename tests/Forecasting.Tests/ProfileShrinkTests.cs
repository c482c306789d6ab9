using AirQuality.Forecasting.Evaluation;
using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;
using AirQuality.Forecasting.Training;

namespace AirQuality.Forecasting.Tests;

public class ProfileShrinkTests
{
    /// <summary>The truth's delta plus Gaussian noise of the given size (0: the truth itself).</summary>
    private static double[] Noisy(FeatureBuilder features, IReadOnlyList<ForecastPoint> points, double noise, int seed)
    {
        var random = new Random(seed);
        return points.Select(p =>
        {
            var truth = features.Delta(p.Origin, p.Horizon);
            return double.IsNaN(truth) ? double.NaN : truth + noise * Synthetic.Gaussian(random);
        }).ToArray();
    }

    private static (FeatureBuilder Features, List<ForecastPoint> Points) Window(int days, int from, int to) => Synthetic.Window(days, seed: 11, noise: 0.03, from, to);

    private static double Mae(FeatureBuilder features, IReadOnlyList<ForecastPoint> points, IReadOnlyList<double> deltas, int horizon) =>
        Synthetic.Mae(features, points, deltas, horizon);

    [Fact]
    public void The_profile_is_the_mean_of_the_same_hour_on_known_days()
    {
        var (features, _) = Window(20, 0, 1);
        var t = 10 * 24 + 5;
        var d = DailyProfile.Deltas(features, [new ForecastPoint(t, 3), new ForecastPoint(t, 30)]);
        features.TryLevel(t, out var level, out _);
        // 3 h ahead: days 1..7 before the target hour; 30 h ahead: days 2..8 (the day before is still ahead of the origin).
        var near = Enumerable.Range(1, DailyProfile.Days).Average(k => features.LogAt(t + 3 - 24 * k));
        var far = Enumerable.Range(2, DailyProfile.Days).Average(k => features.LogAt(t + 30 - 24 * k));
        Assert.Equal(near - level, d[0], 9);
        Assert.Equal(far - level, d[1], 9);
    }

    [Fact]
    public void An_exact_forecast_is_never_shrunk()
    {
        var (features, points) = Window(40, 20 * 24, 40 * 24);
        var exact = Noisy(features, points, 0, 1);
        var (weights, damping, crossed) = ProfileShrink.Fit(features, points, exact, DailyProfile.Deltas(features, points));
        Assert.All(weights, w => Assert.Equal(0, w));
        Assert.All(damping, d => Assert.Equal(0, d));
        Assert.Equal(exact, crossed);
    }

    [Fact]
    public void A_noisy_day_ahead_forecast_is_shrunk_and_the_weights_hold_on_later_hours()
    {
        // Fitted on days 20-40, judged on days 40-60 which the fit never saw.
        var (features, fitPoints) = Window(62, 20 * 24, 40 * 24);
        var later = new TrainingWindow(40 * 24, 60 * 24, features.Length).Points(features).ToList();
        var forecast = Noisy(features, fitPoints, 0.5, 2);
        var (weights, damping, crossed) = ProfileShrink.Fit(features, fitPoints, forecast, DailyProfile.Deltas(features, fitPoints));
        Assert.All(Enumerable.Range(0, ProfileShrink.FirstHorizon - 1), h => Assert.Equal(0, weights[h]));
        Assert.All(Enumerable.Range(0, ProfileShrink.FirstHorizon - 1), h => Assert.Equal(0, damping[h]));
        Assert.True(weights[23] > 0, "24 h weight");
        // The cross-fitted forecasts are out of sample for the weights, and better than the unshrunk ones.
        Assert.True(Mae(features, fitPoints, crossed, 24) < Mae(features, fitPoints, forecast, 24));

        var laterForecast = Noisy(features, later, 0.5, 3);
        var shrunk = new HorizonBlend(Enumerable.Repeat(1.0, 48).ToArray(), new double[48]) { Profile = weights, Damping = damping }
            .Apply(later, laterForecast, new double[later.Count], DailyProfile.Deltas(features, later));
        foreach (var h in new[] { 12, 24, 48 })
        {
            var (s, m) = (Mae(features, later, shrunk, h), Mae(features, later, laterForecast, h));
            Assert.True(s < m, $"{h} h on later hours: shrunk {s:0.00} vs unshrunk {m:0.00}");
        }
    }

    [Fact]
    public void Weights_are_not_kept_where_the_profile_does_not_help_out_of_sample()
    {
        // A good forecast (small noise), which the week's profile can only blur: at no horizon may the weights chosen
        // make it worse on hours after the fit.
        var (features, fitPoints) = Window(62, 20 * 24, 40 * 24);
        var later = new TrainingWindow(40 * 24, 60 * 24, features.Length).Points(features).ToList();
        var forecast = Noisy(features, fitPoints, 0.05, 4);
        var (weights, damping, _) = ProfileShrink.Fit(features, fitPoints, forecast, DailyProfile.Deltas(features, fitPoints));
        var laterForecast = Noisy(features, later, 0.05, 5);
        var shrunk = new HorizonBlend(Enumerable.Repeat(1.0, 48).ToArray(), new double[48]) { Profile = weights, Damping = damping }
            .Apply(later, laterForecast, new double[later.Count], DailyProfile.Deltas(features, later));
        for (var h = ProfileShrink.FirstHorizon; h <= 48; h++)
        {
            var (s, m) = (Mae(features, later, shrunk, h), Mae(features, later, laterForecast, h));
            Assert.True(s <= m * 1.02, $"{h} h (weight {weights[h - 1]}): shrunk {s:0.00} vs unshrunk {m:0.00}");
        }
    }

    [Fact]
    public void The_artifact_keeps_the_profile_weights_and_the_loaded_model_forecasts_alike()
    {
        var series = Synthetic.DailyCycle(24);
        var outcome = new ForecastTrainer([new LinearFamily()], ForecastSettings.Quick).Train(series, ForecastTarget.Pm25);
        var linear = outcome.Of(ModelFamily.Linear);
        var blended = Assert.IsType<BlendedModel>(linear.Model);
        var profile = Enumerable.Range(0, 48).Select(h => h < 6 ? 0 : 0.3).ToArray();
        var damping = Enumerable.Range(0, 48).Select(h => h < 6 ? 0 : 0.1).ToArray();
        var model = BlendedModel.Wrap(blended, blended.Blend with { Profile = profile, Damping = damping });
        var artifact = ModelArtifact.Unpack(ModelArtifact.Of(model, outcome.Layout, linear.HalfWidths[0.8], linear.HalfWidths[0.9], linear.TrainedThrough).Pack());
        Assert.Equal(profile, artifact.Blend!.Profile);
        Assert.Equal(damping, artifact.Blend.Damping);
        var loaded = artifact.Load([new LinearFamily()]);
        var features = new FeatureBuilder(ForecastTarget.Pm25.Values(series), series, outcome.Layout);
        var points = new[] { new ForecastPoint(series.Length - 60, 1), new ForecastPoint(series.Length - 60, 24), new ForecastPoint(series.Length - 60, 48) };
        var served = loaded.PredictDeltas(features, points);
        Assert.Equal(model.PredictDeltas(features, points), served);
        // At 24 h the served delta is the blend's shrunk toward the profile, not the blend's alone.
        Assert.NotEqual(blended.PredictDeltas(features, points)[1], served[1]);
    }
}
