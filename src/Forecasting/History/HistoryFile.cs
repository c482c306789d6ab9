using System.Globalization;
using AirQuality.Domain.Aqi;
using AirQuality.Domain.Readings;
using AirQuality.Forecasting.Series;
using CsvHelper;
using CsvHelper.Configuration;

namespace AirQuality.Forecasting.History;

/// <summary>The formats of history exports this project reads.</summary>
public enum HistoryFormat
{
    /// <summary>OpenAQ CSV export: location, city, country, utc, local, parameter, value, unit, ...</summary>
    OpenAq,

    /// <summary>AirNow (US State Department) export: Site, Parameter, Date (LT), ..., Raw Conc., Conc. Unit, ..., QC Name.</summary>
    AirNow,
}

/// <summary>A line of a history file that was not used, and why.</summary>
public sealed record RejectedLine(int Line, string Reason);

/// <summary>
/// Hourly observations of one place read from a history export. Values of the same hour are averaged (OpenAQ
/// stations report every 15 minutes), hours are UTC, units are the system's (µg/m³; CO mg/m³).
/// </summary>
public sealed record HistoryFile(string Location, IReadOnlyList<HourlyObservation> Observations, IReadOnlyList<RejectedLine> Rejected, int LinesRead)
{
    private static readonly TimeSpan Ist = TimeSpan.FromHours(5.5);

    /// <summary>Parses `openaq` or `airnow`.</summary>
    public static bool TryParseFormat(string? text, out HistoryFormat format)
    {
        (var ok, format) = (text ?? "").Trim().ToLowerInvariant() switch
        {
            "openaq" => (true, HistoryFormat.OpenAq),
            "airnow" => (true, HistoryFormat.AirNow),
            _ => (false, HistoryFormat.OpenAq),
        };
        return ok;
    }

    /// <summary>Reads a file. With several locations in it, <paramref name="location"/> must pick one.</summary>
    /// <exception cref="HistoryFileException">The file cannot be used as a whole (wrong columns, no such location).</exception>
    public static HistoryFile Read(string path, HistoryFormat format, string? location = null)
    {
        using var reader = new StreamReader(path);
        return Read(reader, format, location, path);
    }

    /// <summary>Reads from a text reader (<paramref name="name"/> appears in errors).</summary>
    public static HistoryFile Read(TextReader text, HistoryFormat format, string? location, string name)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture) { BadDataFound = null, MissingFieldFound = null, TrimOptions = TrimOptions.Trim };
        using var csv = new CsvReader(text, config);
        if (!csv.Read() || !csv.ReadHeader()) throw new HistoryFileException($"{name}: the file is empty");
        var header = csv.HeaderRecord!;
        string[] needed = format == HistoryFormat.AirNow
            ? ["Site", "Parameter", "Date (LT)", "Raw Conc.", "Conc. Unit"]
            : ["location", "utc", "parameter", "value", "unit"];
        var missing = needed.Where(c => !header.Contains(c, StringComparer.OrdinalIgnoreCase)).ToList();
        if (missing.Count > 0)
            throw new HistoryFileException($"{name}: not an {(format == HistoryFormat.AirNow ? "AirNow" : "OpenAQ")} export, column(s) missing: {string.Join(", ", missing)}");
        string Field(string column) => csv.GetField(Array.FindIndex(header, h => string.Equals(h, column, StringComparison.OrdinalIgnoreCase))) ?? "";

        var rejected = new List<RejectedLine>();
        var sums = new Dictionary<string, SortedDictionary<DateTime, Dictionary<Pollutant, (double Sum, int Count)>>>(StringComparer.OrdinalIgnoreCase);
        var lines = 0;
        while (csv.Read())
        {
            lines++;
            var line = csv.Parser.RawRow;
            var site = Field(format == HistoryFormat.AirNow ? "Site" : "location");
            if (location is not null && !string.Equals(site, location, StringComparison.OrdinalIgnoreCase)) continue;
            var parsed = format == HistoryFormat.AirNow ? AirNowLine(Field) : OpenAqLine(Field);
            if (parsed.Error is { } error)
            {
                rejected.Add(new RejectedLine(line, error));
                continue;
            }
            if (parsed.Missing) continue;
            if (!sums.TryGetValue(site, out var byHour)) sums[site] = byHour = [];
            if (!byHour.TryGetValue(parsed.Hour, out var values)) byHour[parsed.Hour] = values = [];
            var (s, c) = values.GetValueOrDefault(parsed.Pollutant);
            values[parsed.Pollutant] = (s + parsed.Value, c + 1);
        }
        if (sums.Count == 0)
            throw new HistoryFileException(location is null
                ? $"{name}: no usable values ({rejected.Count} line(s) rejected)"
                : $"{name}: no usable values for location '{location}'");
        if (sums.Count > 1)
            throw new HistoryFileException($"{name}: several locations ({string.Join(", ", sums.Keys.Order().Select(k => $"'{k}'"))}); pick one with --location");
        var (place, hours) = sums.First();
        var observations = hours.Select(kv => new HourlyObservation(kv.Key, kv.Value.ToDictionary(v => v.Key, v => v.Value.Sum / v.Value.Count))).ToList();
        return new HistoryFile(place, observations, rejected, lines);
    }

    private readonly record struct Parsed(DateTime Hour, Pollutant Pollutant, double Value, bool Missing, string? Error);

    private static Parsed AirNowLine(Func<string, string> field)
    {
        var parameter = field("Parameter").Split(' ')[0];
        if (!Pollutants.TryParse(parameter, out var p)) return new Parsed(default, default, 0, false, $"unknown parameter '{field("Parameter")}'");
        if (!DateTime.TryParseExact(field("Date (LT)"), ["yyyy-MM-dd hh:mm tt", "yyyy-MM-dd HH:mm", "M/d/yyyy H:mm", "M/d/yyyy h:mm tt"],
                CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            return new Parsed(default, default, 0, false, $"unreadable date '{field("Date (LT)")}'");
        // AirNow's Indian sites report in IST; the hour containing the reading, in UTC, is the hour it belongs to.
        var utc = DateTime.SpecifyKind(local - Ist, DateTimeKind.Utc);
        var hour = new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, DateTimeKind.Utc);
        var qc = field("QC Name");
        if (!double.TryParse(field("Raw Conc."), NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            return new Parsed(hour, p, 0, false, $"unreadable value '{field("Raw Conc.")}'");
        // -999 and a QC of Missing/Invalid mark an hour without a valid measurement: a gap, not a value.
        if (v < 0 || qc.Equals("Missing", StringComparison.OrdinalIgnoreCase) || qc.Equals("Invalid", StringComparison.OrdinalIgnoreCase))
            return new Parsed(hour, p, 0, true, null);
        return Convert(hour, p, v, field("Conc. Unit"));
    }

    private static Parsed OpenAqLine(Func<string, string> field)
    {
        if (!Pollutants.TryParse(field("parameter"), out var p)) return new Parsed(default, default, 0, true, null); // bc, um100, ...: not used
        if (!DateTimeOffset.TryParse(field("utc"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            return new Parsed(default, default, 0, false, $"unreadable time '{field("utc")}'");
        var utc = at.UtcDateTime;
        var hour = new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, DateTimeKind.Utc);
        if (!double.TryParse(field("value"), NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            return new Parsed(hour, p, 0, false, $"unreadable value '{field("value")}'");
        if (v < 0) return new Parsed(hour, p, 0, false, $"negative value {v.ToString(CultureInfo.InvariantCulture)}");
        return Convert(hour, p, v, field("unit"));
    }

    /// <summary>Converts a value to the system's unit (µg/m³; CO mg/m³) and checks it is physically plausible.</summary>
    private static Parsed Convert(DateTime hour, Pollutant p, double v, string unit)
    {
        var u = unit.Trim().ToLowerInvariant().Replace("µ", "u").Replace("μ", "u").Replace("³", "3");
        double? canonical = (u, p) switch
        {
            ("ug/m3", Pollutant.Co) => v / 1000,
            ("ug/m3", _) => v,
            ("mg/m3", Pollutant.Co) => v,
            ("mg/m3", _) => v * 1000,
            ("ppb", _) when p.MolarMass() is not null => p == Pollutant.Co ? UnitConversion.PpbToMicrograms(p, v) / 1000 : UnitConversion.PpbToMicrograms(p, v),
            ("ppm", _) when p.MolarMass() is not null => p == Pollutant.Co ? UnitConversion.PpbToMicrograms(p, v * 1000) / 1000 : UnitConversion.PpbToMicrograms(p, v * 1000),
            _ => null,
        };
        if (canonical is not { } c) return new Parsed(hour, p, 0, false, $"unit '{unit}' of {p.Code()} is not understood");
        if (c > p.PlausibleMaximum()) return new Parsed(hour, p, 0, false, $"{p.Code()} {c:0.##} {p.Unit()} is above the plausible maximum {p.PlausibleMaximum()}");
        return new Parsed(hour, p, c, false, null);
    }
}

/// <summary>A history file that cannot be used as a whole.</summary>
public sealed class HistoryFileException(string message) : Exception(message);
