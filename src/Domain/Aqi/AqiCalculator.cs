using AirQuality.Domain.Readings;

namespace AirQuality.Domain.Aqi;

/// <summary>The calculator behind `GET /api/v1/aqi/calculate` and the `aqi` command: averages in, AQI out.</summary>
public static class AqiCalculator
{
    /// <param name="averages">Concentrations in µg/m³ (CO in mg/m³), each the average over its pollutant's period.</param>
    /// <param name="at">When the values were measured; picks the US PM2.5 table.</param>
    public static AqiResult Calculate(AqiStandard standard, IReadOnlyDictionary<Pollutant, double> averages, DateTime at) =>
        standard == AqiStandard.India ? IndiaAqi.FromAverages(averages) : UsAqi.FromAverages(averages, at);
}
