using AirQuality.Domain.Quality;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Ingestion;

/// <summary>
/// Rejects what cannot be air: values negative, not a number, or beyond physical plausibility; weather no place on
/// Earth has; reported AQIs off the scale; hours in the future, before any record, or not on the hour. Each rejection
/// carries a reason, so rejections are counted per source and reason.
/// </summary>
public static class ReadingValidator
{
    /// <summary>No source holds data this old; an hour before it is a parse error (a zero Unix time).</summary>
    public static readonly DateTime Earliest = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Splits a reading into its acceptable part and the rejected values with reasons.</summary>
    public static (SourceReading? Accepted, List<Rejection> Rejections) Validate(SourceReading reading, DateTime now)
    {
        var rejections = new List<Rejection>();
        var whole = reading.Hour > now.AddHours(1) ? ("future_timestamp", $"{reading.Hour:O} is after {now:O}")
            : reading.Hour < Earliest ? ("too_old", $"{reading.Hour:O} is before {Earliest:yyyy}")
            : reading.Hour.Minute != 0 || reading.Hour.Second != 0 || reading.Hour.Millisecond != 0 ? ("not_on_the_hour", $"{reading.Hour:O}")
            : ((string Reason, string Detail)?)null;
        if (whole is { } w)
        {
            rejections.Add(new Rejection(reading.Source, reading.CityId, w.Reason, w.Detail));
            return (null, rejections);
        }
        var kept = new Dictionary<Pollutant, double>();
        foreach (var (p, v) in reading.Values)
        {
            var reason = v switch
            {
                double.NaN or double.PositiveInfinity or double.NegativeInfinity => "not_a_number",
                < 0 => "negative",
                _ when v > p.PlausibleMaximum() => QualityFlags.OutOfRange,
                _ => null,
            };
            if (reason is null) kept[p] = v;
            else rejections.Add(new Rejection(reading.Source, reading.CityId, reason, $"{p.Code()}={v} at {reading.Hour:O}", p));
        }
        var weather = reading.Weather;
        if (weather is not null && ImplausibleWeather(weather) is { } bad)
        {
            rejections.Add(new Rejection(reading.Source, reading.CityId, "implausible_weather", $"{bad} at {reading.Hour:O}"));
            weather = null;
        }
        var aqi = reading.ReportedUsAqi;
        if (aqi is < 0 or > 999)
        {
            rejections.Add(new Rejection(reading.Source, reading.CityId, "aqi_out_of_range", $"reported US AQI {aqi} at {reading.Hour:O}"));
            aqi = null;
        }
        if (kept.Count == 0 && weather is null && aqi is null) return (null, rejections);
        return (reading with { Values = kept, Weather = weather, ReportedUsAqi = aqi }, rejections);
    }

    /// <summary>The first weather field outside what the atmosphere allows, or null. Pressure allows hill stations (~800 hPa).</summary>
    private static string? ImplausibleWeather(Weather w) =>
        w.TemperatureC is { } t && (double.IsNaN(t) || t is < -70 or > 60) ? $"temperature {t} C"
        : w.HumidityPercent is { } h && (double.IsNaN(h) || h is < 0 or > 100) ? $"humidity {h} %"
        : w.WindSpeedMs is { } s && (double.IsNaN(s) || s is < 0 or > 100) ? $"wind {s} m/s"
        : w.PressureHpa is { } p && (double.IsNaN(p) || p is < 500 or > 1100) ? $"pressure {p} hPa"
        : null;
}
