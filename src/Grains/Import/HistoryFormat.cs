using AirQuality.Domain.Readings;
using CsvHelper;

namespace AirQuality.Grains.Import;

/// <summary>A file format of station history the `import` verb reads (an OpenAQ CSV export, an AirNow export).</summary>
public abstract class HistoryFormat
{
    /// <summary>Name on the command line (`openaq`, `airnow`).</summary>
    public abstract string Name { get; }

    /// <summary>What a person calls the format, for messages.</summary>
    public abstract string DisplayName { get; }

    /// <summary>Provenance stamped on every imported value (`import:openaq`).</summary>
    public abstract string Source { get; }

    /// <summary>
    /// Reads the header row: a reader of this format's lines, or null with <paramref name="problem"/> saying why the
    /// file is not of this format.
    /// </summary>
    public abstract IHistoryLineReader? Bind(IReadOnlyList<string> header, out string? problem);

    /// <summary>The formats the importer knows, by command-line name.</summary>
    public static IReadOnlyList<HistoryFormat> All { get; } = [new OpenAqExport(), new AirNowExport()];

    /// <summary>The format named <paramref name="name"/> (case-insensitive), or null.</summary>
    public static HistoryFormat? Find(string? name) =>
        All.FirstOrDefault(f => string.Equals(f.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>Column positions by header name, ignoring case and surrounding spaces.</summary>
    protected static Dictionary<string, int> Index(IReadOnlyList<string> header)
    {
        var map = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < header.Count; i++) map.TryAdd(header[i].Trim(), i);
        return map;
    }

    /// <summary>The position of the first of <paramref name="names"/> present in the header, or -1.</summary>
    protected static int Column(Dictionary<string, int> index, params string[] names)
    {
        foreach (var n in names)
            if (index.TryGetValue(n, out var i)) return i;
        return -1;
    }
}

/// <summary>Reads the data lines of one file whose header a <see cref="HistoryFormat"/> accepted.</summary>
public interface IHistoryLineReader
{
    /// <summary>Parses the current line of <paramref name="row"/>.</summary>
    LineResult Read(IParser row, out HistorySample sample);

    /// <summary>What the current line says about its station, read only the first time a location is seen.</summary>
    StationDescription Describe(IParser row);
}

/// <summary>
/// A line reader that also understands a station's meteorology (OpenAQ's `temperature`, `relativehumidity`,
/// `wind_speed`, `pressure`, `solar_radiation`, `rainfall`), which the import skips and `evaluate` reads as covariates.
/// </summary>
public interface IWeatherLineReader
{
    /// <summary>The weather value of the current line, in the forecasting channel's unit, when the line holds one.</summary>
    bool TryReadWeather(IParser row, out string location, out DateTime hour, out string channel, out double value);
}

/// <summary>Opens a history file as text, decompressing `.gz` files (OpenAQ's archive ships gzip).</summary>
public static class HistoryFiles
{
    public static StreamReader OpenText(string path) => OpenText(path, out _);

    /// <param name="file">The file itself, whose position tells how far reading got (of the compressed bytes for `.gz`).</param>
    public static StreamReader OpenText(string path, out FileStream file)
    {
        file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress)
            : file;
        return new StreamReader(stream, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
    }
}

/// <summary>One value of a line: a station's concentration of a pollutant in an hour, in canonical units.</summary>
/// <param name="Hour">Start of the UTC hour the value belongs to.</param>
public readonly record struct HistorySample(string Location, DateTime Hour, Pollutant Pollutant, double Value);

/// <summary>What a line tells about its station beyond the name.</summary>
public readonly record struct StationDescription(string? City, double? Latitude, double? Longitude);

/// <summary>Outcome of one line: a value, a line skipped for a reason that is not an error, or a bad line.</summary>
/// <param name="Reason">Why, in words that group lines (`value is not a number`); counted per reason.</param>
/// <param name="Detail">What this line held (`'n/a'`), shown beside its line number.</param>
public readonly record struct LineResult(LineKind Kind, string? Reason, string? Detail = null)
{
    public static LineResult Value { get; } = new(LineKind.Value, null);

    public static LineResult Skip(string reason) => new(LineKind.Skipped, reason);

    public static LineResult Bad(string reason, string? detail = null) => new(LineKind.Bad, reason, detail);
}

/// <summary>Kinds of <see cref="LineResult"/>.</summary>
public enum LineKind
{
    /// <summary>The line gave a value.</summary>
    Value,

    /// <summary>Nothing to import and nothing wrong: a missing value, a parameter the AQI does not use, a QC flag.</summary>
    Skipped,

    /// <summary>The line is malformed or its value cannot be air: reported with its line number.</summary>
    Bad,
}
