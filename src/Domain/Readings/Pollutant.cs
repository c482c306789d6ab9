namespace AirQuality.Domain.Readings;

/// <summary>The pollutants the India NAQI and the US EPA AQI are built from.</summary>
public enum Pollutant
{
    Pm25,
    Pm10,
    No2,
    So2,
    Co,
    O3,
    Nh3,
    Pb,
}

/// <summary>Names, units and physical facts of each pollutant.</summary>
/// <remarks>
/// Canonical units inside the system follow the India NAQI: every pollutant in µg/m³ except CO in mg/m³.
/// Sources convert to these units when they ingest, so no other code has to ask which unit a value is in.
/// </remarks>
public static class Pollutants
{
    /// <summary>Every pollutant, in the order answers list them.</summary>
    public static IReadOnlyList<Pollutant> All { get; } = Enum.GetValues<Pollutant>();

    /// <summary>The API's name of the pollutant (`pm25`, `co`, ...).</summary>
    public static string Code(this Pollutant p) => p switch
    {
        Pollutant.Pm25 => "pm25",
        Pollutant.Pm10 => "pm10",
        Pollutant.No2 => "no2",
        Pollutant.So2 => "so2",
        Pollutant.Co => "co",
        Pollutant.O3 => "o3",
        Pollutant.Nh3 => "nh3",
        Pollutant.Pb => "pb",
        _ => throw new ArgumentOutOfRangeException(nameof(p)),
    };

    /// <summary>The name used in the breakpoint tables (`PM2.5`, `CO`, ...).</summary>
    public static string TableName(this Pollutant p) => p switch
    {
        Pollutant.Pm25 => "PM2.5",
        Pollutant.Pm10 => "PM10",
        Pollutant.Pb => "Pb",
        _ => p.ToString().ToUpperInvariant(),
    };

    /// <summary>Canonical unit of the pollutant in this system.</summary>
    public static string Unit(this Pollutant p) => p == Pollutant.Co ? "mg/m3" : "ug/m3";

    /// <summary>Molar mass in g/mol, for converting mass concentrations to mixing ratios.</summary>
    public static double? MolarMass(this Pollutant p) => p switch
    {
        Pollutant.No2 => 46.0055,
        Pollutant.So2 => 64.066,
        Pollutant.Co => 28.010,
        Pollutant.O3 => 47.998,
        Pollutant.Nh3 => 17.031,
        _ => null,
    };

    /// <summary>
    /// Upper bound of a plausible hourly value in canonical units (<c>maximum</c> in Data/data_quality.csv). Anything
    /// above is an instrument or transmission fault, not air.
    /// </summary>
    public static double PlausibleMaximum(this Pollutant p) => Quality.DataQualityRules.Default.Maximum(p);

    /// <summary>Parses an API or table name (`pm25`, `PM2.5`, `pm2_5`, `O3`) into a pollutant.</summary>
    public static bool TryParse(string? text, out Pollutant pollutant)
    {
        var key = new string((text ?? "").Where(char.IsLetterOrDigit).ToArray()).ToLowerInvariant();
        (bool ok, Pollutant value) r = key switch
        {
            "pm25" => (true, Pollutant.Pm25),
            "pm10" => (true, Pollutant.Pm10),
            "no2" => (true, Pollutant.No2),
            "so2" => (true, Pollutant.So2),
            "co" => (true, Pollutant.Co),
            "o3" or "ozone" => (true, Pollutant.O3),
            "nh3" => (true, Pollutant.Nh3),
            "pb" => (true, Pollutant.Pb),
            _ => (false, default),
        };
        pollutant = r.value;
        return r.ok;
    }
}
