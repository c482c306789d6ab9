using AirQuality.Domain.Readings;
using AirQuality.Forecasting.Series;

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
}
