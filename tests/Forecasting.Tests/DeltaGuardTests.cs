using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;

namespace AirQuality.Forecasting.Tests;

public class DeltaGuardTests
{
    /// <summary>A regression gone astray: far above anything seen at 48 h, the truth elsewhere.</summary>
    private sealed class Exploding : IForecastModel
    {
        public ModelFamily Family => ModelFamily.Linear;

        public double[] PredictDeltas(FeatureBuilder features, IReadOnlyList<ForecastPoint> points) =>
            points.Select(p => p.Horizon == 48 ? 12.0 : features.Delta(p.Origin, p.Horizon)).ToArray();

        public byte[] Save() => [];
    }

    [Fact]
    public void A_served_forecast_stays_within_reach_of_the_last_week_and_sane_forecasts_are_untouched()
    {
        var series = Synthetic.DailyCycle(20, seed: 2);
        var features = new FeatureBuilder(ForecastTarget.Pm25.Values(series), series, new FeatureLayout(ForecastTarget.Pm25, [], false));
        var t = 15 * 24;
        var points = new[] { new ForecastPoint(t, 24), new ForecastPoint(t, 48) };
        var served = new BlendedModel(new Exploding(), HorizonBlend.Identity).PredictDeltas(features, points);
        var weekMax = Enumerable.Range(t - FeatureBuilder.Lookback + 1, FeatureBuilder.Lookback).Max(i => features.Target[i]);
        Assert.True(features.ToValue(t, served[1]) <= 3 * (weekMax + 1), $"48 h: {features.ToValue(t, served[1]):0} against the week's highest {weekMax:0}");
        Assert.Equal(features.Delta(t, 24), served[0], 12);
    }
}
