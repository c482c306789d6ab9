using AirQuality.Domain.Aqi;
using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;

namespace AirQuality.Grains.Abstractions;

// The domain types that cross grain calls, serialized through surrogates here so the Domain project stays free of
// Orleans. Field ids follow the records' parameter order (what [GenerateSerializer] gave them), so the wire form of
// a message does not change. Enums (Pollutant, AqiStandard) need no surrogate.

/// <summary>Wire form of <see cref="City"/>.</summary>
[GenerateSerializer, Immutable]
public readonly record struct CitySurrogate(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string State,
    [property: Id(3)] double Latitude,
    [property: Id(4)] double Longitude,
    [property: Id(5)] int Stations,
    [property: Id(6)] IReadOnlyList<string> Aliases);

[RegisterConverter]
public sealed class CitySurrogateConverter : IConverter<City, CitySurrogate>
{
    public City ConvertFromSurrogate(in CitySurrogate s) => new(s.Id, s.Name, s.State, s.Latitude, s.Longitude, s.Stations, s.Aliases);

    public CitySurrogate ConvertToSurrogate(in City c) => new(c.Id, c.Name, c.State, c.Latitude, c.Longitude, c.Stations, c.Aliases);
}

/// <summary>Wire form of <see cref="SubIndex"/>.</summary>
[GenerateSerializer, Immutable]
public readonly record struct SubIndexSurrogate(
    [property: Id(0)] Pollutant Pollutant,
    [property: Id(1)] double Concentration,
    [property: Id(2)] string Unit,
    [property: Id(3)] string Averaging,
    [property: Id(4)] int Value,
    [property: Id(5)] string Category,
    [property: Id(6)] int? ValidHours);

[RegisterConverter]
public sealed class SubIndexSurrogateConverter : IConverter<SubIndex, SubIndexSurrogate>
{
    public SubIndex ConvertFromSurrogate(in SubIndexSurrogate s) => new(s.Pollutant, s.Concentration, s.Unit, s.Averaging, s.Value, s.Category, s.ValidHours);

    public SubIndexSurrogate ConvertToSurrogate(in SubIndex x) => new(x.Pollutant, x.Concentration, x.Unit, x.Averaging, x.Value, x.Category, x.ValidHours);
}

/// <summary>Wire form of <see cref="AqiResult"/>.</summary>
[GenerateSerializer, Immutable]
public readonly record struct AqiResultSurrogate(
    [property: Id(0)] AqiStandard Standard,
    [property: Id(1)] int? Aqi,
    [property: Id(2)] int? MaxSubIndex,
    [property: Id(3)] string? Category,
    [property: Id(4)] Pollutant? Dominant,
    [property: Id(5)] bool Complete,
    [property: Id(6)] IReadOnlyList<SubIndex> SubIndices,
    [property: Id(7)] IReadOnlyList<string> Notes,
    [property: Id(8)] string Table);

[RegisterConverter]
public sealed class AqiResultSurrogateConverter : IConverter<AqiResult, AqiResultSurrogate>
{
    public AqiResult ConvertFromSurrogate(in AqiResultSurrogate s) =>
        new(s.Standard, s.Aqi, s.MaxSubIndex, s.Category, s.Dominant, s.Complete, s.SubIndices, s.Notes, s.Table);

    public AqiResultSurrogate ConvertToSurrogate(in AqiResult r) =>
        new(r.Standard, r.Aqi, r.MaxSubIndex, r.Category, r.Dominant, r.Complete, r.SubIndices, r.Notes, r.Table);
}
