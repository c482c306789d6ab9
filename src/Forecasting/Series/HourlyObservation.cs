using AirQuality.Domain.Readings;

namespace AirQuality.Forecasting.Series;

/// <summary>
/// One hour of a place's air as forecasting sees it: pollutant values (µg/m³; CO mg/m³) and weather where known.
/// Absent keys and nulls are missing values, never zeros.
/// </summary>
/// <param name="Hour">Start of the hour, UTC.</param>
public sealed record HourlyObservation(
    DateTime Hour,
    IReadOnlyDictionary<Pollutant, double> Pollutants,
    double? TemperatureC = null,
    double? HumidityPercent = null,
    double? WindSpeedMs = null,
    double? PressureHpa = null,
    double? SolarRadiationWm2 = null,
    double? RainfallMm = null);
