using AirQuality.Domain.Readings;
using AirQuality.Forecasting.Evaluation;
using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;
using AirQuality.Forecasting.Training;

namespace AirQuality.Forecasting.Tests;

/// <summary>Hourly series with known structure: a daily cycle on a slowly wandering level, plus noise.</summary>
internal static class Synthetic
{
    public static readonly DateTime Start = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>PM2.5 = 60 x exp(0.6 sin(daily phase) + AR(1) regime + noise): persistence misses the daily swing.</summary>
    public static HourlySeries DailyCycle(int days, int seed = 1, double noise = 0.05)
    {
        var random = new Random(seed);
        var regime = 0.0;
        var observations = new List<HourlyObservation>();
        for (var i = 0; i < days * 24; i++)
        {
            regime = 0.97 * regime + 0.04 * Gaussian(random);
            var hour = Start.AddHours(i);
            var pm = 60 * Math.Exp(0.6 * Math.Sin(2 * Math.PI * hour.Hour / 24) + regime + noise * Gaussian(random));
            observations.Add(new HourlyObservation(hour, new Dictionary<Pollutant, double> { [Pollutant.Pm25] = Math.Round(pm, 1) }));
        }
        return HourlySeries.From(observations);
    }

    public static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    /// <summary>A <see cref="DailyCycle"/> series of PM2.5 with its features, and the points of origins <paramref name="from"/> to <paramref name="to"/> (default: its end).</summary>
    public static (FeatureBuilder Features, List<ForecastPoint> Points) Window(int days, int seed, double noise, int from, int? to = null)
    {
        var series = DailyCycle(days, seed, noise);
        var features = new FeatureBuilder(ForecastTarget.Pm25.Values(series), series, new FeatureLayout(ForecastTarget.Pm25, [], false));
        return (features, new TrainingWindow(from, to ?? series.Length, series.Length).Points(features).ToList());
    }

    /// <summary>MAE at <paramref name="horizon"/> of the forecasts that <paramref name="deltas"/> (one per point) give.</summary>
    public static double Mae(FeatureBuilder features, IReadOnlyList<ForecastPoint> points, IReadOnlyList<double> deltas, int horizon)
    {
        var p = new HorizonPredictions();
        for (var i = 0; i < points.Count; i++)
            if (points[i].Horizon == horizon) p.Add(horizon, features.Target[points[i].Origin + horizon], features.ToValue(points[i].Origin, deltas[i]));
        return p.Metrics(horizon).Mae;
    }
}
