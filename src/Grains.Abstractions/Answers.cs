using AirQuality.Domain.Aqi;

namespace AirQuality.Grains.Abstractions;

/// <summary>A city's current air: the latest complete hour, its AQI in both standards and where the values came from.</summary>
/// <param name="Timestamp">The hour the AQI is for (start of the hour, UTC).</param>
/// <param name="Latest">The latest hourly value of each pollutant, with its source.</param>
/// <param name="Sources">Every source that contributed to the answer.</param>
/// <param name="Simulated">True when any value shown comes from the built-in simulated source.</param>
/// <param name="Quality">The city's data-quality flags and the values its AQI leaves out (null before the first check).</param>
[GenerateSerializer, Immutable]
public sealed record CityCurrent(
    string CityId,
    string City,
    DateTime Timestamp,
    AqiResult India,
    AqiResult Us,
    CityHour Latest,
    IReadOnlyList<string> Sources,
    bool Simulated,
    int WindowHours,
    CityQuality? Quality = null)
{
    public AqiResult For(AqiStandard s) => s == AqiStandard.India ? India : Us;
}

/// <summary>One row of the rankings: a city's latest AQI in both standards.</summary>
[GenerateSerializer, Immutable]
public sealed record CityAqiSummary(
    string CityId,
    string City,
    string State,
    DateTime Timestamp,
    int? IndiaAqi,
    string? IndiaCategory,
    bool IndiaComplete,
    int? UsAqi,
    string? UsCategory,
    string? Dominant,
    bool Simulated,
    double? Latitude = null,
    double? Longitude = null);

/// <summary>The last poll of one source for a city.</summary>
[GenerateSerializer, Immutable]
public sealed record SourcePollStatus(string Source, DateTime? LastAttempt, DateTime? LastSuccess, string? LastError, int ConsecutiveFailures, int ReadingsAccepted, int ReadingsRejected);
