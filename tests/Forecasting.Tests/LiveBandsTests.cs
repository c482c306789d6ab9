using AirQuality.Forecasting.Evaluation;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;
using AirQuality.Forecasting.Training;

namespace AirQuality.Forecasting.Tests;

public class LiveBandsTests
{
    private static IReadOnlyDictionary<double, IReadOnlyList<double>> Trained(double w) =>
        new Dictionary<double, IReadOnlyList<double>> { [0.8] = Enumerable.Repeat(w * 0.8, 48).ToArray(), [0.9] = Enumerable.Repeat(w, 48).ToArray() };

    [Fact]
    public void Matured_residuals_rescale_the_bands_and_horizons_between_are_interpolated()
    {
        // At 1 h the live residuals are twice the trained 90 % half-width, at 24 h equal to it; nothing at 48 h.
        var residuals = new Dictionary<int, IReadOnlyList<double>>
        {
            [1] = Enumerable.Range(1, 100).Select(i => 0.2 * i / 90.0).ToArray(),
            [24] = Enumerable.Range(1, 100).Select(i => 0.1 * i / 90.0).ToArray(),
            [48] = [0.01, 0.02],   // too few to count
        };
        var bands = LiveBands.Adjust(Trained(0.1), residuals);
        var q1 = ConformalInterval.HalfWidth(residuals[1], 0.9);
        var q24 = ConformalInterval.HalfWidth(residuals[24], 0.9);
        Assert.Equal(q1, bands[0.9][0], 9);
        Assert.Equal(q24, bands[0.9][23], 9);
        var (f1, f24) = (q1 / 0.1, q24 / 0.1);
        Assert.Equal(0.1 * (f1 + (f24 - f1) * 11.0 / 23), bands[0.9][11], 9);
        Assert.True(bands[0.9][5] < bands[0.9][0] && bands[0.9][5] > bands[0.9][23]);
        Assert.Equal(bands[0.9][23], bands[0.9][47], 9);   // held beyond the last horizon with enough residuals
        Assert.Equal(Trained(0.1)[0.9], LiveBands.Adjust(Trained(0.1), new Dictionary<int, IReadOnlyList<double>> { [1] = [0.5] })[0.9]);
    }

    [Fact]
    public void The_replay_uses_only_residuals_matured_before_the_origin_and_within_the_window()
    {
        var replay = new LiveBandReplay([1]);
        for (var t = 0; t < 40; t++) replay.Record(1, t, 1.0);
        for (var t = 40; t < 80; t++) replay.Record(1, t, 3.0);
        // At origin 40 only targets 0..39 (residual 1) count: the 90 % quantile is 1, twice the trained 0.5.
        Assert.Equal(1.0, replay.At(40, Trained(0.5))[0.9][0], 9);
        // Far later, the old residuals have left the window and only the 3s remain.
        Assert.Equal(3.0, replay.At(LiveBands.WindowHours + 40, Trained(0.5))[0.9][0], 9);
    }

    [Fact]
    public void After_a_regime_shift_live_bands_hold_coverage_out_of_sample_where_trained_bands_fail()
    {
        // Calm for 45 days, then the noise grows fivefold for the last 25: the test part (last 30 %) is mostly stormy.
        var calm = Synthetic.DailyCycle(70, seed: 21, noise: 0.03);
        var stormy = Synthetic.DailyCycle(70, seed: 21, noise: 0.3);
        var shift = 45 * 24;
        var pm = calm.Channel("pm25")!.Select((v, i) => i < shift ? v : stormy.Channel("pm25")![i]).ToArray();
        var series = HourlySeries.FromArrays(calm.Start, new Dictionary<string, double[]> { ["pm25"] = pm });
        double Coverage(bool live, int h)
        {
            var trainer = new ForecastTrainer([new LinearFamily()], ForecastSettings.Quick with { LiveBands = live });
            var report = HoldoutEvaluation.Run(series, ForecastTarget.Pm25, "test", [1, 24], 0.3, trainer);
            return report.Intervals["0.9"][h.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        }
        foreach (var h in new[] { 1, 24 })
        {
            var trained = Coverage(false, h);
            var live = Coverage(true, h);
            Assert.True(trained < 0.8, $"{h} h: trained bands cover {trained:P0}; the storm should break them");
            Assert.InRange(live, 0.82, 0.97);
        }
    }
}
