namespace AirQuality.WebFront.Infrastructure;

/// <summary>Thrown inside a cache factory when a city has no data yet, so that nothing is cached.</summary>
public sealed class CityNotReadyException(string city) : Exception($"{city} has no data yet")
{
    public string City { get; } = city;
}
