using AirQuality.Domain.Readings;

namespace AirQuality.Domain.Aqi;

/// <summary>Converts mass concentrations to mixing ratios at 25 °C and 1 atm, the EPA reference conditions.</summary>
public static class UnitConversion
{
    /// <summary>Molar volume of an ideal gas at 25 °C and 101.325 kPa, in litres.</summary>
    public const double MolarVolume = 24.45;

    /// <summary>µg/m³ to ppb for a gas.</summary>
    public static double MicrogramsToPpb(Pollutant gas, double microgramsPerCubicMetre) =>
        microgramsPerCubicMetre * MolarVolume / (gas.MolarMass() ?? throw new ArgumentException($"{gas} is not a gas", nameof(gas)));

    /// <summary>mg/m³ to ppm for a gas (the same ratio as µg/m³ to ppb).</summary>
    public static double MilligramsToPpm(Pollutant gas, double milligramsPerCubicMetre) =>
        MicrogramsToPpb(gas, milligramsPerCubicMetre);

    /// <summary>ppb to µg/m³ for a gas.</summary>
    public static double PpbToMicrograms(Pollutant gas, double ppb) =>
        ppb * (gas.MolarMass() ?? throw new ArgumentException($"{gas} is not a gas", nameof(gas))) / MolarVolume;

    /// <summary>Converts a canonical value (µg/m³, CO mg/m³) to the unit a US table is written in.</summary>
    public static double ToUsUnit(Pollutant p, double canonical, string usUnit) => (p, usUnit) switch
    {
        (_, "ug/m3") => canonical,
        (Pollutant.Co, "ppm") => MilligramsToPpm(p, canonical),
        (_, "ppm") => MicrogramsToPpb(p, canonical) / 1000.0,
        (_, "ppb") => MicrogramsToPpb(p, canonical),
        _ => throw new ArgumentException($"No conversion of {p} to {usUnit}"),
    };
}
