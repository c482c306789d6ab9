namespace AirQuality.Grains.Abstractions;

/// <summary>
/// The targets the cluster forecasts (configuration `Forecasting:Targets`, comma separated, default `aqi,pm25`). The
/// silo trains and serves these; the web front accepts and lists these, so both read the one setting.
/// </summary>
public sealed class ForecastTargetOptions
{
    public const string Section = "Forecasting";

    /// <summary>Every target the cluster can forecast: the India AQI and PM2.5.</summary>
    public static IReadOnlyList<string> Known { get; } = ["aqi", "pm25"];

    public const string DefaultTargets = "aqi,pm25";

    /// <summary>Targets forecast, comma separated. Text, not a list: configuration binding appends to a list's defaults.</summary>
    public string Targets { get; set; } = DefaultTargets;

    /// <summary>The target codes of <see cref="Targets"/>, lower case, each once.</summary>
    public IReadOnlyList<string> Codes => Parse(Targets);

    /// <summary>The codes of a comma-separated target list.</summary>
    public static IReadOnlyList<string> Parse(string? targets) =>
        (targets ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => t.ToLowerInvariant()).Distinct().ToList();
}
