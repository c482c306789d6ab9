using AirQuality.Grains.Abstractions;
using System.Globalization;
using AirQuality.Domain.Readings;
using CsvHelper;

namespace AirQuality.Grains.Import;

/// <summary>
/// AirNow's historical export of the US diplomatic monitors (`Site,Parameter,Date (LT),Year,Month,Day,Hour,
/// NowCast Conc.,AQI,AQI Category,Raw Conc.,Conc. Unit,Duration,QC Name`).
/// </summary>
/// <remarks>
/// The value imported is `Raw Conc.`, the hour's own measurement (the NowCast is derived from several hours and
/// the AQI from the NowCast). `-999` marks a missing value and `QC Name` other than Valid a value AirNow itself
/// rejected: both are skipped and counted, not reported as bad lines. `Date (LT)` is the local start of the hour;
/// every city of the catalog is in India, so local time is IST (UTC+05:30, no daylight saving), and the value goes
/// to the UTC hour that local hour starts in. The exports repeat a local hour on the US spring-forward date; the two
/// values of that hour are averaged.
/// </remarks>
public sealed class AirNowExport : HistoryFormat
{
    private static readonly TimeSpan Ist = new(5, 30, 0);
    private static readonly string[] LocalFormats =
        ["yyyy-MM-dd hh:mm tt", "yyyy-MM-dd h:mm tt", "yyyy-MM-dd HH:mm", "yyyy-MM-dd H:mm", "M/d/yyyy h:mm tt", "M/d/yyyy H:mm", "yyyy-MM-ddTHH:mm"];

    public override string Name => "airnow";

    public override string DisplayName => "AirNow export";

    public override string Source => SourceNames.ImportAirNow;

    public override IHistoryLineReader? Bind(IReadOnlyList<string> header, out string? problem)
    {
        var index = Index(header);
        var site = Column(index, "Site");
        var parameter = Column(index, "Parameter");
        var date = Column(index, "Date (LT)", "Date LT", "DateLT");
        var raw = Column(index, "Raw Conc.", "Raw Conc", "RawConc");
        var unit = Column(index, "Conc. Unit", "Conc Unit", "Unit");
        var missing = new List<string>();
        if (site < 0) missing.Add("Site");
        if (parameter < 0) missing.Add("Parameter");
        if (date < 0) missing.Add("Date (LT)");
        if (raw < 0) missing.Add("Raw Conc.");
        if (unit < 0) missing.Add("Conc. Unit");
        if (missing.Count > 0)
        {
            problem = $"the header lacks {string.Join(", ", missing)}";
            return null;
        }
        problem = null;
        return new Reader(site, parameter, date, raw, unit, Column(index, "QC Name"), Column(index, "Duration"));
    }

    private sealed class Reader(int site, int parameter, int date, int raw, int unit, int qc, int duration) : IHistoryLineReader
    {
        private readonly int _needed = new[] { site, parameter, date, raw, unit }.Max() + 1;
        private readonly Dictionary<string, (bool Ok, Pollutant P, string? Skip)> _parameters = new(StringComparer.OrdinalIgnoreCase);

        public LineResult Read(IParser row, out HistorySample sample)
        {
            sample = default;
            if (row.Count < _needed) return LineResult.Bad("too few fields", $"{row.Count} of {_needed}");
            var parameterText = row[parameter];
            if (!_parameters.TryGetValue(parameterText, out var p))
            {
                // "PM2.5 - Principal": the pollutant is the part before the dash.
                var dash = parameterText.IndexOf(" - ", StringComparison.Ordinal);
                var name = dash >= 0 ? parameterText[..dash] : parameterText;
                p = Pollutants.TryParse(name, out var parsed)
                    ? (true, parsed, null)
                    : (false, default, $"parameter '{OpenAqExport.Shorten(parameterText)}' is not an AQI pollutant");
                _parameters[parameterText] = p;
            }
            if (!p.Ok) return LineResult.Skip(p.Skip!);

            if (duration >= 0 && duration < row.Count && row[duration] is { Length: > 0 } d && !d.Trim().Equals("1 Hr", StringComparison.OrdinalIgnoreCase))
                return LineResult.Skip($"not an hourly value (Duration '{OpenAqExport.Shorten(d)}')");
            var dateText = row[date].Trim();
            if (!DateTime.TryParseExact(dateText, LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
                return LineResult.Bad("Date (LT) not understood", $"'{OpenAqExport.Shorten(dateText)}'");
            // A local hour outside the range imports take would also underflow or overflow the IST offset.
            if (local < HistoryImporter.Earliest || local > HistoryImporter.Latest)
                return LineResult.Bad(HistoryImporter.OutOfRangeReason, $"'{OpenAqExport.Shorten(dateText)}'");
            var valueText = row[raw];
            if (!double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                return LineResult.Bad("Raw Conc. is not a number", $"'{OpenAqExport.Shorten(valueText)}'");
            if (v == -999) return LineResult.Skip("missing value (-999)");
            if (qc >= 0 && qc < row.Count && row[qc] is { Length: > 0 } flag && !flag.Trim().Equals("Valid", StringComparison.OrdinalIgnoreCase))
                return LineResult.Skip($"QC flag '{OpenAqExport.Shorten(flag.Trim())}'");
            if (!ConcentrationUnits.TryToCanonical(p.P, v, row[unit], out var canonical))
                return LineResult.Bad($"unit is not a concentration unit of {p.P.Code()}", $"'{OpenAqExport.Shorten(row[unit])}'");
            var siteName = row[site].Trim();
            if (siteName.Length == 0) return LineResult.Bad("no Site");
            var utc = DateTime.SpecifyKind(local - Ist, DateTimeKind.Utc);
            sample = new HistorySample(siteName, Hours.Floor(utc), p.P, canonical);
            return LineResult.Value;
        }

        // The site is named after its city ("New Delhi"); the export has no coordinates.
        public StationDescription Describe(IParser row) => new(row[site].Trim(), null, null);
    }
}
