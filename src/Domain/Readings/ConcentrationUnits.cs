using AirQuality.Domain.Aqi;

namespace AirQuality.Domain.Readings;

/// <summary>
/// Converts concentrations as upstreams and exports write them (µg/m³, mg/m³, ng/m³, ppb, ppm, in any common
/// spelling) to this system's canonical units: µg/m³, and mg/m³ for CO. Mixing ratios use 25 °C and 1 atm.
/// </summary>
public static class ConcentrationUnits
{
    /// <summary>Converts <paramref name="value"/>, given in <paramref name="unit"/>, to the canonical unit of <paramref name="pollutant"/>.</summary>
    /// <returns>False when the unit is unknown or makes no sense for the pollutant (particles in ppm).</returns>
    public static bool TryToCanonical(Pollutant pollutant, double value, string? unit, out double canonical)
    {
        canonical = double.NaN;
        var microgramsPerCubicMetre = Normalize(unit) switch
        {
            "ug/m3" => value,
            "mg/m3" => value * 1000,
            "ng/m3" => value / 1000,
            "ppb" when pollutant.MolarMass() is not null => UnitConversion.PpbToMicrograms(pollutant, value),
            "ppm" when pollutant.MolarMass() is not null => UnitConversion.PpbToMicrograms(pollutant, value * 1000),
            _ => double.NaN,
        };
        if (double.IsNaN(microgramsPerCubicMetre)) return false;
        canonical = pollutant == Pollutant.Co ? microgramsPerCubicMetre / 1000 : microgramsPerCubicMetre;
        return true;
    }

    /// <summary>`µg/m³`, `UG/M3`, `μg/m3`, `ug m-3` -> `ug/m3`; `PPB` -> `ppb`.</summary>
    public static string Normalize(string? unit)
    {
        if (string.IsNullOrWhiteSpace(unit)) return "";
        Span<char> buffer = stackalloc char[Math.Min(unit.Length, 32)];
        var n = 0;
        foreach (var ch in unit)
        {
            if (n == buffer.Length) break;
            var c = ch switch
            {
                '\u00B5' or '\u03BC' => 'u', // micro sign and Greek mu
                '\u00B3' => '3',
                _ => char.ToLowerInvariant(ch),
            };
            if (c is ' ' or '\t') continue;
            buffer[n++] = c;
        }
        var text = new string(buffer[..n]);
        return text switch
        {
            "ugm-3" => "ug/m3",
            "mgm-3" => "mg/m3",
            "ngm-3" => "ng/m3",
            "microgramspercubicmeter" or "microgram/m3" => "ug/m3",
            _ => text,
        };
    }
}
