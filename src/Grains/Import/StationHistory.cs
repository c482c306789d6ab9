using System.Globalization;
using AirQuality.Forecasting.Series;
using CsvHelper;
using CsvHelper.Configuration;

namespace AirQuality.Grains.Import;

/// <summary>
/// A history export read into the hourly observations of one station, for offline evaluation (`evaluate`): the same
/// line readers as the import (formats, units, time zones, bad lines), no database. Values of the same hour are
/// averaged (OpenAQ stations report every 15 minutes).
/// </summary>
public sealed record StationHistory(string Location, IReadOnlyList<HourlyObservation> Observations, IReadOnlyList<BadLine> BadLines, int BadLineCount, long LinesRead)
{
    /// <summary>Reads a file.</summary>
    /// <exception cref="HistoryFileException">The file cannot be used as a whole: another format, no values, several locations and none chosen.</exception>
    public static StationHistory Read(string path, HistoryFormat format, string? location = null, TimeProvider? clock = null)
    {
        using var reader = HistoryFiles.OpenText(path);
        return Read(reader, format, location, Path.GetFileName(path), clock: clock);
    }

    /// <summary>Reads from a text reader (<paramref name="name"/> appears in errors).</summary>
    public static StationHistory Read(TextReader text, HistoryFormat format, string? location, string name, int badLinesKept = 100, TimeProvider? clock = null)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture) { DetectColumnCountChanges = false, BadDataFound = null, IgnoreBlankLines = true };
        using var parser = new CsvParser(text, config);
        string? problem;
        IHistoryLineReader? reader = null;
        if (!parser.Read() || parser.Record is not { Length: > 0 } header || header.All(string.IsNullOrWhiteSpace))
            problem = "the file is empty";
        else
            reader = format.Bind(header, out problem);
        if (reader is null) throw new HistoryFileException($"{name} is not an {format.DisplayName}: {problem}");

        var sums = new Dictionary<string, SortedDictionary<DateTime, Dictionary<AirQuality.Domain.Readings.Pollutant, (double Sum, int Count)>>>(StringComparer.OrdinalIgnoreCase);
        var weather = new Dictionary<(string Location, DateTime Hour, string Channel), (double Sum, int Count)>();
        // Values from after the coming hour are impossible.
        var latest = (clock ?? TimeProvider.System).GetUtcNow().UtcDateTime.AddHours(1);
        var bad = new List<BadLine>();
        var badCount = 0;
        long lines = 0;
        while (parser.Read())
        {
            lines++;
            var outcome = reader.Read(parser, out var sample);
            if (outcome.Kind == LineKind.Value) outcome = HistoryImporter.Check(sample, latest);
            if (outcome.Kind == LineKind.Bad)
            {
                badCount++;
                if (bad.Count < badLinesKept) bad.Add(new BadLine(parser.RawRow, outcome.Reason!, outcome.Detail));
                continue;
            }
            if (outcome.Kind == LineKind.Skipped && reader is IWeatherLineReader w && w.TryReadWeather(parser, out var station, out var hour, out var channel, out var value))
            {
                var key = (station, hour, channel);
                var (ws, wc) = weather.GetValueOrDefault(key);
                weather[key] = (ws + value, wc + 1);
            }
            if (outcome.Kind != LineKind.Value) continue;
            if (location is not null && !string.Equals(sample.Location, location, StringComparison.OrdinalIgnoreCase)) continue;
            if (!sums.TryGetValue(sample.Location, out var byHour)) sums[sample.Location] = byHour = [];
            if (!byHour.TryGetValue(sample.Hour, out var values)) byHour[sample.Hour] = values = [];
            var (s, c) = values.GetValueOrDefault(sample.Pollutant);
            values[sample.Pollutant] = (s + sample.Value, c + 1);
        }
        if (sums.Count == 0)
            throw new HistoryFileException(location is null
                ? $"{name}: no usable values ({badCount} bad line(s))"
                : $"{name}: no usable values for location '{location}'");
        if (sums.Count > 1)
            throw new HistoryFileException($"{name}: several locations ({string.Join(", ", sums.Keys.Order(StringComparer.Ordinal).Select(k => $"'{k}'"))}); pick one with --location");
        var (place, hours) = sums.First();
        double? W(DateTime hour, string channel) =>
            weather.TryGetValue((place, hour, channel), out var x) ? x.Sum / x.Count : null;
        var weatherHours = weather.Keys.Where(k => string.Equals(k.Location, place, StringComparison.OrdinalIgnoreCase)).Select(k => k.Hour).ToHashSet();
        foreach (var h in weatherHours) if (!hours.ContainsKey(h)) hours[h] = [];
        var observations = hours.Select(kv => new HourlyObservation(kv.Key, kv.Value.ToDictionary(v => v.Key, v => v.Value.Sum / v.Value.Count),
            W(kv.Key, "temperature"), W(kv.Key, "humidity"), W(kv.Key, "wind"), W(kv.Key, "pressure"), W(kv.Key, "solar_radiation"), W(kv.Key, "rainfall"))).ToList();
        return new StationHistory(place, observations, bad, badCount, lines);
    }
}

/// <summary>A history file that cannot be used as a whole.</summary>
public sealed class HistoryFileException(string message) : Exception(message);
