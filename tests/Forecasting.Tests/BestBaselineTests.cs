using AirQuality.Domain.Readings;
using AirQuality.Forecasting.Evaluation;
using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;
using AirQuality.Forecasting.Training;

namespace AirQuality.Forecasting.Tests;

public class BestBaselineTests
{
    [Fact]
    public void A_strong_daily_cycle_is_served_by_the_seasonal_naive_with_bands_of_its_own_residuals()
    {
        var series = Synthetic.DailyCycle(15, seed: 4, noise: 0.05);
        var best = ForecastRun.BestBaseline(series, ForecastTarget.Pm25);
        Assert.Same(SeasonalNaiveModel.Instance, best.Model);

        var features = new FeatureBuilder(ForecastTarget.Pm25.Values(series), series, new FeatureLayout(ForecastTarget.Pm25, [], false));
        var window = new TrainingWindow(series.Length - 14 * 24, series.Length, series.Length);
        var seasonal = Backtest.Run(SeasonalNaiveModel.Instance, features, window);
        var persistence = Backtest.Run(PersistenceModel.Instance, features, window);
        double Mae(HorizonPredictions p) => ForecastMetrics.Average(TrainingWindow.AllHorizons.Select(p.Metrics)).Mae;
        Assert.Equal(Mae(seasonal), best.Mae, 9);
        Assert.True(best.Mae < Mae(persistence), $"seasonal {best.Mae}, persistence {Mae(persistence)}");
        for (var i = 0; i < TrainingWindow.AllHorizons.Count; i++)
        {
            var residuals = seasonal.Residuals(TrainingWindow.AllHorizons[i]);
            Assert.Equal(ConformalInterval.HalfWidth(residuals, 0.8), best.HalfWidth80[i], 12);
            Assert.Equal(ConformalInterval.HalfWidth(residuals, 0.9), best.HalfWidth90[i], 12);
            Assert.True(best.HalfWidth90[i] >= best.HalfWidth80[i]);
        }
    }

    [Fact]
    public void A_wandering_level_without_a_daily_cycle_is_served_by_persistence()
    {
        var random = new Random(5);
        var level = Math.Log(80);
        var observations = new List<HourlyObservation>();
        for (var i = 0; i < 15 * 24; i++)
        {
            level += 0.08 * Synthetic.Gaussian(random);
            observations.Add(new HourlyObservation(Synthetic.Start.AddHours(i), new Dictionary<Pollutant, double> { [Pollutant.Pm25] = Math.Round(Math.Exp(level), 1) }));
        }
        var best = ForecastRun.BestBaseline(HourlySeries.From(observations), ForecastTarget.Pm25);
        Assert.Same(PersistenceModel.Instance, best.Model);
        Assert.True(double.IsFinite(best.Mae) && best.Mae > 0);
        Assert.DoesNotContain(best.HalfWidth90, double.IsNaN);
    }

    [Fact]
    public void Too_short_a_history_for_every_horizon_serves_persistence_with_the_wide_fallback_bands()
    {
        var best = ForecastRun.BestBaseline(Synthetic.DailyCycle(2, seed: 6), ForecastTarget.Pm25);
        Assert.Same(PersistenceModel.Instance, best.Model);
        Assert.True(double.IsPositiveInfinity(best.Mae));
        Assert.All(best.HalfWidth80.Concat(best.HalfWidth90), w => Assert.Equal(0.7, w));
        Assert.Equal(FeatureBuilder.MaxHorizon, best.HalfWidth80.Length);
    }
}
