using AirQuality.Forecasting.Evaluation;
using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;
using AirQuality.Forecasting.Training;

namespace AirQuality.Forecasting.Tests;

public class HorizonBlendTests
{
    /// <summary>A model whose forecasts are good only from 12 h on: at short horizons it adds noise to the truth's delta.</summary>
    private sealed class PoorAtShortHorizons(int seed) : IForecastModel
    {
        public ModelFamily Family => ModelFamily.Linear;

        public double[] PredictDeltas(FeatureBuilder features, IReadOnlyList<ForecastPoint> points)
        {
            var random = new Random(seed);
            return points.Select(p =>
            {
                var truth = features.Delta(p.Origin, p.Horizon);
                var noise = p.Horizon < 12 ? 0.6 : 0.02;
                return double.IsNaN(truth) ? double.NaN : truth + noise * Synthetic.Gaussian(random);
            }).ToArray();
        }

        public byte[] Save() => [];
    }

    private static (FeatureBuilder Features, List<ForecastPoint> Points) Window(int days, int from) => Synthetic.Window(days, seed: 5, noise: 0.02, from);

    private static double Mae(FeatureBuilder features, IReadOnlyList<ForecastPoint> points, IReadOnlyList<double> deltas, int horizon) =>
        Synthetic.Mae(features, points, deltas, horizon);

    [Fact]
    public void On_the_forecasts_it_was_fitted_on_the_blend_loses_to_neither_baseline_nor_the_model_at_any_horizon()
    {
        var (features, points) = Window(30, 20 * 24);
        var model = new PoorAtShortHorizons(3).PredictDeltas(features, points);
        var seasonal = SeasonalNaiveModel.Instance.PredictDeltas(features, points);
        var persistence = PersistenceModel.Instance.PredictDeltas(features, points);
        // Horizons 1-3 are fitted on their own pairs (no neighbours pooled), so the guarantee is exact there.
        var blend = HorizonBlend.Fit(features, points, model, seasonal, maxPairs: int.MaxValue);
        var blended = blend.Apply(points, model, seasonal);
        foreach (var h in new[] { 1, 2, 3 })
        {
            var b = Mae(features, points, blended, h);
            Assert.True(b <= Mae(features, points, persistence, h) + 1e-9, $"{h} h: blend {b:0.00} vs persistence");
            Assert.True(b <= Mae(features, points, seasonal, h) + 1e-9, $"{h} h: blend {b:0.00} vs seasonal naive");
            Assert.True(b <= Mae(features, points, model, h) + 1e-9, $"{h} h: blend {b:0.00} vs model");
        }
        // The noisy short horizons are handed mostly to the baselines, the good long ones to the model.
        Assert.True(blend.Model[0] <= 0.5, $"1 h model weight {blend.Model[0]}");
        // Beyond the short horizons the model serves alone.
        Assert.All(Enumerable.Range(HorizonBlend.MaxHorizon, 48 - HorizonBlend.MaxHorizon), h => Assert.Equal((1.0, 0.0), (blend.Model[h], blend.Seasonal[h])));
    }

    [Fact]
    public void Fitted_weights_hold_out_of_sample_at_short_horizons()
    {
        var (features, points) = Window(40, 20 * 24);
        var cut = points.FindIndex(p => p.Origin >= 30 * 24);
        var model = new PoorAtShortHorizons(9).PredictDeltas(features, points);
        var seasonal = SeasonalNaiveModel.Instance.PredictDeltas(features, points);
        var blend = HorizonBlend.Fit(features, points, model, seasonal, i => i < cut);
        var later = points.Skip(cut).ToList();
        var blended = blend.Apply(later, model.Skip(cut).ToList(), seasonal.Skip(cut).ToList());
        var b = Mae(features, later, blended, 1);
        var m = Mae(features, later, model.Skip(cut).ToList(), 1);
        Assert.True(b < 0.8 * m, $"1 h out of sample: blend {b:0.00} vs model alone {m:0.00}");
    }

    [Fact]
    public void A_trained_candidate_is_served_through_its_blend_and_the_artifact_keeps_it()
    {
        var series = Synthetic.DailyCycle(24);
        var outcome = new ForecastTrainer([new LinearFamily()], ForecastSettings.Quick).Train(series, ForecastTarget.Pm25);
        var linear = outcome.Of(ModelFamily.Linear);
        var blended = Assert.IsType<BlendedModel>(linear.Model);
        var artifact = ModelArtifact.Unpack(ModelArtifact.Of(linear.Model!, outcome.Layout, linear.HalfWidths[0.8], linear.HalfWidths[0.9], linear.TrainedThrough).Pack());
        Assert.Equal(blended.Blend.Model, artifact.Blend!.Model);
        Assert.Equal(blended.Blend.Seasonal, artifact.Blend.Seasonal);
        var loaded = Assert.IsType<BlendedModel>(artifact.Load([new LinearFamily()]));
        var features = new FeatureBuilder(ForecastTarget.Pm25.Values(series), series, outcome.Layout);
        var points = new[] { new ForecastPoint(series.Length - 60, 1), new ForecastPoint(series.Length - 60, 24), new ForecastPoint(series.Length - 60, 48) };
        Assert.Equal(linear.Model!.PredictDeltas(features, points), loaded.PredictDeltas(features, points));

        var alone = new ForecastTrainer([new LinearFamily()], ForecastSettings.Quick with { BlendWithBaselines = false }).Train(series, ForecastTarget.Pm25);
        Assert.IsNotType<BlendedModel>(alone.Of(ModelFamily.Linear).Model);
        Assert.Null(ModelArtifact.Unpack(ModelArtifact.Of(alone.Of(ModelFamily.Linear).Model!, alone.Layout, linear.HalfWidths[0.8], linear.HalfWidths[0.9], null).Pack()).Blend);
    }
}
