using AirQuality.Forecasting.Series;
using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Forecasting;

/// <summary>Merged city-hours as forecasting reads them.</summary>
public static class HistoryConversion
{
    public static HourlyObservation ToObservation(this CityHour h) =>
        new(h.Hour, h.Values.GroupBy(m => m.Pollutant).ToDictionary(g => g.Key, g => g.Last().Value),
            h.Weather?.TemperatureC, h.Weather?.HumidityPercent, h.Weather?.WindSpeedMs, h.Weather?.PressureHpa);

    public static HourlySeries ToSeries(this IEnumerable<CityHour> hours) => HourlySeries.From(hours.Select(ToObservation));
}
