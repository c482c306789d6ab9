using AirQuality.Domain.Aqi;
using AirQuality.Domain.Cities;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains;
using AirQuality.WebFront.Contracts;

namespace AirQuality.WebFront.Apis;

/// <summary>The highest forecast hour of a city's India AQI forecast, for comparisons.</summary>
public sealed class ForecastPeek(IGrainFactory grains) : ICityForecastPeek
{
    public async Task<ForecastPeakDto?> PeakAsync(City city, int hours)
    {
        var f = await grains.GetGrain<ICityForecastGrain>(GrainKeys.Forecast(city.Id)).GetForecast("aqi", hours);
        if (f is null || f.Hours.Count == 0) return null;
        var top = f.Hours.MaxBy(h => h.Value)!;
        var aqi = (int)Math.Round(top.Value);
        return new ForecastPeakDto(top.Time, Math.Round(top.Value, 1), f.Target, aqi, IndiaAqi.Category(aqi),
            f.Version is { } v ? $"{f.Model} v{v}" : f.Model);
    }
}
