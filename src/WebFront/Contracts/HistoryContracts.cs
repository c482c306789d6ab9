namespace AirQuality.WebFront.Contracts;

/// <summary>A city's hourly history.</summary>
/// <param name="From">Start of the first hour asked for (UTC).</param>
/// <param name="To">End of the last hour asked for (UTC, exclusive).</param>
/// <param name="SpanHours">Hours in [from, to).</param>
/// <param name="Count">Hours with data; hours without any value are left out.</param>
/// <param name="Simulated">True when any value shown comes from the built-in simulator.</param>
/// <param name="Readings">The hours with data, oldest first.</param>
public sealed record HistoryDto(
    string City,
    string CityId,
    string Standard,
    DateTime From,
    DateTime To,
    int SpanHours,
    int Count,
    bool Simulated,
    IReadOnlyList<HistoryHourDto> Readings);

/// <summary>One hour of a city's merged series, with its AQI.</summary>
/// <param name="Timestamp">Start of the hour (UTC).</param>
/// <param name="Aqi">The AQI of the hour in the requested standard (India: 24-h averages, 8-h for CO and O3; US: NowCast for particles); null when the standard's minimum-data rules are not met.</param>
/// <param name="ProvisionalAqi">The highest sub-index available, even when the AQI is incomplete.</param>
/// <param name="Pm25">PM2.5 of the hour in µg/m³.</param>
/// <param name="Pm10">PM10 of the hour in µg/m³.</param>
/// <param name="Co">CO of the hour in mg/m³ (every other pollutant in µg/m³).</param>
/// <param name="Source">Sources of the hour's values, comma separated.</param>
/// <param name="Sources">The source of each value, by pollutant.</param>
/// <param name="Simulated">True when a value of the hour comes from the built-in simulator.</param>
public sealed record HistoryHourDto(
    DateTime Timestamp,
    int? Aqi,
    int? ProvisionalAqi,
    string? Category,
    string? DominantPollutant,
    bool Complete,
    double? Pm25,
    double? Pm10,
    double? No2,
    double? So2,
    double? Co,
    double? O3,
    double? Nh3,
    double? Pb,
    string Source,
    IReadOnlyDictionary<string, string> Sources,
    bool Simulated,
    WeatherDto? Weather);

/// <summary>Weather of an hour, where a source gives it.</summary>
public sealed record WeatherDto(double? TemperatureC, double? HumidityPercent, double? WindSpeedMs, double? PressureHpa);
