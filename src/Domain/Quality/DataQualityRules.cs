using System.Globalization;
using AirQuality.Domain.Data;
using AirQuality.Domain.Readings;

namespace AirQuality.Domain.Quality;

/// <summary>The flags a source's data can carry for a city (their API names).</summary>
public static class QualityFlags
{
    /// <summary>No new value from the source for <see cref="DataQualityRules.StaleHours"/> hours.</summary>
    public const string Stale = "stale";

    /// <summary>The same value for <see cref="DataQualityRules.StuckHours"/> consecutive hours: left out of the AQI.</summary>
    public const string Stuck = "stuck";

    /// <summary>A value above the pollutant's <see cref="DataQualityRules.Maximum"/>: rejected, never in the AQI.</summary>
    public const string OutOfRange = "out_of_range";

    /// <summary>A negative value: rejected, never in the AQI.</summary>
    public const string Negative = "negative";

    /// <summary>A station twice in a feed, or two sources/stations of a city reporting one identical series.</summary>
    public const string DuplicateStation = "duplicate_station";

    public static IReadOnlyList<string> All { get; } = [Stale, Stuck, OutOfRange, Negative, DuplicateStation];

    /// <summary>The flag a validation rejection reason stands for, or null when it is none of them (a bad timestamp, ...).</summary>
    public static string? OfRejection(string reason) => reason switch
    {
        Negative => Negative,
        OutOfRange or "sub_index_above_500" => OutOfRange,
        DuplicateStation => DuplicateStation,
        _ => null,
    };
}

/// <summary>
/// The thresholds of the data-quality flags, from <c>Data/data_quality.csv</c> (each row names its source). A rule
/// may apply to every source and pollutant (<c>*</c>) or to one source or pollutant, which then wins.
/// </summary>
public sealed class DataQualityRules
{
    private readonly Dictionary<(string Rule, string AppliesTo), double> _values;

    private DataQualityRules(Dictionary<(string, string), double> values) => _values = values;

    public static DataQualityRules Default { get; } = Load();

    /// <summary>Hours without a new value after which a source is stale for a city.</summary>
    public int StaleHours(string source) => (int)Get("stale_hours", source);

    /// <summary>Consecutive hours of one unchanged value that make a source's pollutant stuck.</summary>
    public int StuckHours => (int)Get("stuck_hours", "*");

    /// <summary>Consecutive hours of identical values that make two sources of a city one series.</summary>
    public int DuplicateSeriesHours => (int)Get("duplicate_series_hours", "*");

    /// <summary>Pollutants (at least) on which two stations of one feed download must all agree to be one station twice.</summary>
    public int DuplicateStationPollutants => (int)Get("duplicate_station_pollutants", "*");

    /// <summary>How long a flag raised by single values (negative, out of range, duplicate station) stays on after the last one.</summary>
    public TimeSpan FlagHold => TimeSpan.FromHours(Get("flag_hold_hours", "*"));

    /// <summary>Lowest valid value of a pollutant (canonical units).</summary>
    public double Minimum(Pollutant p) => Get("minimum", p.Code());

    /// <summary>Highest plausible hourly value of a pollutant (canonical units); above it a value is out of range.</summary>
    public double Maximum(Pollutant p) => Get("maximum", p.Code());

    private double Get(string rule, string appliesTo) =>
        _values.TryGetValue((rule, appliesTo), out var v) ? v
        : _values.TryGetValue((rule, "*"), out v) ? v
        : throw new InvalidOperationException($"data_quality.csv has no '{rule}' for '{appliesTo}' or '*'");

    /// <summary>Reads the rules from rows of (rule, applies_to, value, unit, source); every row must name its source.</summary>
    public static DataQualityRules FromRows(IEnumerable<IReadOnlyDictionary<string, string>> rows)
    {
        var values = new Dictionary<(string, string), double>();
        foreach (var row in rows)
        {
            var rule = row["rule"].Trim();
            var appliesTo = row["applies_to"].Trim();
            if (!double.TryParse(row["value"], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0)
                throw new InvalidOperationException($"data_quality.csv: {rule} for {appliesTo} has no valid value ('{row["value"]}')");
            if (string.IsNullOrWhiteSpace(row["source"]))
                throw new InvalidOperationException($"data_quality.csv: {rule} for {appliesTo} names no source");
            if (!values.TryAdd((rule, appliesTo), value))
                throw new InvalidOperationException($"data_quality.csv: {rule} for {appliesTo} is given twice");
        }
        var rules = new DataQualityRules(values);
        // Every rule the code reads must be there (a missing row fails at start, not at the first poll).
        _ = rules.StaleHours("*") + rules.StuckHours + rules.DuplicateSeriesHours + rules.DuplicateStationPollutants + rules.FlagHold.Ticks;
        foreach (var p in Pollutants.All) _ = rules.Maximum(p) + rules.Minimum(p);
        return rules;
    }

    private static DataQualityRules Load() => FromRows(EmbeddedTables.Read("data_quality.csv"));
}
