using AirQuality.Forecasting.Evaluation;

namespace AirQuality.Forecasting.Tests;

public class MetricsTests
{
    [Fact]
    public void Metrics_match_hand_computed_values()
    {
        var m = ForecastMetrics.Of([10, 20, 30], [12, 18, 33]);
        Assert.Equal(7.0 / 3, m.Mae, 10);
        Assert.Equal(Math.Sqrt(17.0 / 3), m.Rmse, 10);
        Assert.Equal(1 - 17.0 / 200, m.R2, 10);               // SS_tot = 100 + 0 + 100 around the mean 20
        Assert.Equal(100 * (0.2 + 0.1 + 0.1) / 3, m.Mape!.Value, 10);
        Assert.Equal(3, m.Count);
    }

    [Fact]
    public void Mape_skips_actual_values_below_1_and_nan_pairs_are_ignored()
    {
        var m = ForecastMetrics.Of([0.5, 10, double.NaN], [1.5, 12, 5]);
        Assert.Equal(20, m.Mape!.Value, 10);
        Assert.Equal(1.5, m.Mae, 10);
        Assert.Equal(2, m.Count);
        Assert.Null(ForecastMetrics.Of([0.2], [0.4]).Mape);
    }

    [Fact]
    public void A_perfect_forecast_has_r2_of_1_and_the_mean_has_r2_of_0()
    {
        Assert.Equal(1, ForecastMetrics.Of([1, 2, 3], [1, 2, 3]).R2, 12);
        Assert.Equal(0, ForecastMetrics.Of([1, 2, 3], [2, 2, 2]).R2, 12);
    }
}
