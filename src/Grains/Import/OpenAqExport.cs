using AirQuality.Grains.Abstractions;
using System.Globalization;
using AirQuality.Domain.Readings;
using CsvHelper;

namespace AirQuality.Grains.Import;

/// <summary>
/// OpenAQ's CSV export: one line per station, timestamp and parameter
/// (`location,city,country,utc,local,parameter,value,unit,latitude,longitude,attribution`). The newer archive
/// spelling (`datetime`, `units`, `lat`, `lon`) is accepted too. Timestamps carry their offset; sub-hourly values
/// (CPCB stations report every 15 minutes) are averaged into the UTC hour they start in.
/// </summary>
public sealed class OpenAqExport : HistoryFormat
{
    public override string Name => "openaq";

    public override string DisplayName => "OpenAQ CSV export";

    public override string Source => SourceNames.ImportOpenAq;

    public override IHistoryLineReader? Bind(IReadOnlyList<string> header, out string? problem)
    {
        var index = Index(header);
        var location = Column(index, "location");
        var time = Column(index, "utc", "datetime", "date.utc", "datetimeutc");
        var parameter = Column(index, "parameter");
        var value = Column(index, "value");
        var unit = Column(index, "unit", "units");
        var missing = new List<string>();
        if (location < 0) missing.Add("location");
        if (time < 0) missing.Add("utc");
        if (parameter < 0) missing.Add("parameter");
        if (value < 0) missing.Add("value");
        if (unit < 0) missing.Add("unit");
        if (missing.Count > 0)
        {
            problem = $"the header lacks {string.Join(", ", missing)}";
            return null;
        }
        problem = null;
        return new Reader(location, time, parameter, value, unit,
            Column(index, "city"), Column(index, "latitude", "lat"), Column(index, "longitude", "lon"));
    }

    private sealed class Reader(int location, int time, int parameter, int value, int unit, int city, int latitude, int longitude) : IHistoryLineReader, IWeatherLineReader
    {
        private readonly int _needed = new[] { location, time, parameter, value, unit }.Max() + 1;
        private readonly Dictionary<string, (bool Ok, Pollutant P, string? Skip)> _parameters = new(StringComparer.OrdinalIgnoreCase);
        private string? _lastTime;
        private DateTime _lastHour;
        private bool _lastTimeOk;

        public LineResult Read(IParser row, out HistorySample sample)
        {
            sample = default;
            if (row.Count < _needed) return LineResult.Bad("too few fields", $"{row.Count} of {_needed}");
            var parameterText = row[parameter];
            if (!_parameters.TryGetValue(parameterText, out var p))
            {
                p = Pollutants.TryParse(parameterText, out var parsed)
                    ? (true, parsed, null)
                    : (false, default, $"parameter '{Shorten(parameterText)}' is not an AQI pollutant");
                _parameters[parameterText] = p;
            }
            if (!p.Ok) return LineResult.Skip(p.Skip!);

            // Lines of one timestamp come together (one per parameter): parse each timestamp text once.
            var timeText = row[time];
            if (!string.Equals(timeText, _lastTime, StringComparison.Ordinal))
            {
                _lastTime = timeText;
                _lastTimeOk = DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t);
                _lastHour = _lastTimeOk ? Hours.Floor(t) : default;
            }
            if (!_lastTimeOk) return LineResult.Bad("timestamp not understood", $"'{Shorten(timeText)}'");

            var valueText = row[value];
            if (valueText.Length == 0) return LineResult.Skip("no value");
            if (!double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                return LineResult.Bad("value is not a number", $"'{Shorten(valueText)}'");
            if (!ConcentrationUnits.TryToCanonical(p.P, v, row[unit], out var canonical))
                return LineResult.Bad($"unit is not a concentration unit of {p.P.Code()}", $"'{Shorten(row[unit])}'");
            var name = row[location].Trim();
            if (name.Length == 0) return LineResult.Bad("no location");
            sample = new HistorySample(name, _lastHour, p.P, canonical);
            return LineResult.Value;
        }

        public bool TryReadWeather(IParser row, out string station, out DateTime hour, out string channel, out double converted)
        {
            (station, hour, channel, converted) = ("", default, "", double.NaN);
            if (row.Count < _needed) return false;
            var unitText = row[unit].Trim().ToLowerInvariant();
            // Factor and offset into the channel's unit (°C, %, m/s, hPa, W/m², mm).
            (channel, var factor, var offset) = row[parameter].Trim().ToLowerInvariant() switch
            {
                "temperature" => unitText is "f" or "°f" or "degf" ? ("temperature", 5.0 / 9, -32.0 * 5 / 9) : ("temperature", 1.0, 0.0),
                "relativehumidity" or "humidity" => ("humidity", 1.0, 0.0),
                "wind_speed" or "windspeed" => ("wind", unitText is "km/h" or "kmh" ? 1 / 3.6 : 1.0, 0.0),
                "pressure" => ("pressure", unitText is "mmhg" ? 1.333224 : unitText is "kpa" ? 10.0 : 1.0, 0.0),
                "solar_radiation" => ("solar_radiation", 1.0, 0.0),
                "rainfall" or "precipitation" => ("rainfall", 1.0, 0.0),
                _ => ("", 0.0, 0.0),
            };
            if (channel.Length == 0) return false;
            if (!double.TryParse(row[value], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v)) return false;
            if (!DateTimeOffset.TryParse(row[time], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)) return false;
            station = row[location].Trim();
            if (station.Length == 0) return false;
            hour = new DateTime(t.Year, t.Month, t.Day, t.Hour, 0, 0, DateTimeKind.Utc);
            converted = v * factor + offset;
            return true;
        }

        public StationDescription Describe(IParser row) => new(
            city >= 0 && city < row.Count ? row[city] : null,
            Number(row, latitude),
            Number(row, longitude));

        private static double? Number(IParser row, int i) =>
            i >= 0 && i < row.Count && double.TryParse(row[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
    }

    internal static string Shorten(string? text) => text is null ? "" : text.Length <= 40 ? text : text[..40] + "…";
}
