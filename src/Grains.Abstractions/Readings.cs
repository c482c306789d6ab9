using AirQuality.Domain.Readings;

namespace AirQuality.Grains.Abstractions;

/// <summary>Where a value came from. Names appear in every answer that shows a value.</summary>
public static class SourceNames
{
    public const string Cpcb = "cpcb";
    public const string OpenWeather = "openweather";
    public const string IqAir = "iqair";
    public const string Simulated = "simulated";
    public const string ImportOpenAq = "import:openaq";
    public const string ImportAirNow = "import:airnow";
}

/// <summary>One pollutant's hourly value (canonical unit: µg/m³, CO mg/m³) and its source.</summary>
/// <remarks>A value type: a place keeps thousands of hours of up to seven of these each, and inline in the hour's array
/// one costs 24 bytes where an object cost 40 and a reference 8 more (bench/scale/README.md, "Memory"). Look one up
/// with <see cref="CityHour.Find"/>, which says "absent" with null, never with a default value.</remarks>
[GenerateSerializer, Immutable]
public readonly record struct Measurement(Pollutant Pollutant, double Value, string Source);

/// <summary>Weather of an hour where a source gives it.</summary>
/// <param name="Source">Where the weather came from (null in data written before weather carried its source).</param>
[GenerateSerializer, Immutable]
public sealed record Weather(double? TemperatureC, double? HumidityPercent, double? WindSpeedMs, double? PressureHpa, string? Source = null);

/// <summary>One city-hour: the merged value of each pollutant with its provenance.</summary>
/// <param name="Hour">The start of the hour, UTC.</param>
[GenerateSerializer, Immutable]
public sealed record CityHour(DateTime Hour, IReadOnlyList<Measurement> Values, Weather? Weather)
{
    public double? Get(Pollutant p) => Find(p)?.Value;

    /// <summary>The measurement of <paramref name="p"/> in this hour, or null when the hour has none.</summary>
    public Measurement? Find(Pollutant p)
    {
        for (var i = 0; i < Values.Count; i++)
            if (Values[i].Pollutant == p) return Values[i];
        return null;
    }
}

/// <summary>What a source reports for one city and hour, before merging.</summary>
/// <param name="ReportedUsAqi">A US AQI the source computed itself (IQAir), kept for provenance; never shown as this system's AQI.</param>
/// <param name="ReportedMainPollutant">The pollutant code the source names as dominant (`pm25`), when it does.</param>
[GenerateSerializer, Immutable]
public sealed record SourceReading(string CityId, DateTime Hour, string Source, IReadOnlyDictionary<Pollutant, double> Values, Weather? Weather, int? ReportedUsAqi = null, string? ReportedMainPollutant = null);
