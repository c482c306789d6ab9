using AirQuality.Domain.Readings;

namespace AirQuality.Domain.Aqi;

/// <summary>
/// US EPA AQI (Technical Assistance Document, May 2024) with the PM2.5 table chosen by the reading's date.
/// </summary>
/// <remarks>
/// Inputs arrive in this system's canonical units (µg/m³, CO mg/m³) and are converted to the table's unit at
/// 25 °C, then truncated to the table's precision before the lookup, as the EPA prescribes.
/// PM2.5 and PM10 use the NowCast for hourly data; O3 and CO 8-hour averages; NO2 and SO2 one-hour values
/// (SO2 above 304 ppb switches to its 24-hour average). Values beyond the top band extend its segment, as AirNow
/// reports them (an AQI above 500 is "beyond the AQI").
/// </remarks>
public static class UsAqi
{
    /// <summary>The 2024 PM2.5 breakpoints apply to data from this day on.</summary>
    public static readonly DateTime Pm25TableChange = new(2024, 5, 6, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The top of the scale; values above it are "beyond the AQI" and extend the top segment.</summary>
    public const int BeyondTheIndex = 500;

    /// <summary>The breakpoint table version for data of the given time.</summary>
    public static string TableFor(DateTime at) => at < Pm25TableChange ? BreakpointTables.Us2012 : BreakpointTables.Us2024;

    private static readonly Lazy<CategoryScale> Scale = new(() =>
        new CategoryScale([.. BreakpointTables.UsEpa(BreakpointTables.Us2024), .. BreakpointTables.UsEpa(BreakpointTables.Us2012)]));

    /// <summary>The category of a US AQI value (Good ... Hazardous; above 500 still Hazardous, "beyond the AQI").</summary>
    public static string Category(int aqi) => Scale.Value.Of(aqi).Category;

    /// <summary>The colour the EPA uses for the category of an AQI value.</summary>
    public static string Color(int aqi) => Scale.Value.Of(aqi).Color;

    /// <summary>
    /// Index of a value already in the table's unit and averaging period (`24h` for the NowCast of particles),
    /// truncated to the table's precision first; null when the table has no band for it. Tables that reach 500
    /// extend their top segment beyond it; tables that stop lower (O3 8-hour at 300, SO2 1-hour at 200) have no
    /// band above their top, where the standard hands over to another averaging period.
    /// </summary>
    /// <param name="table">The PM2.5 table version, <see cref="BreakpointTables.Us2024"/> or <see cref="BreakpointTables.Us2012"/>.</param>
    public static int? IndexOf(Pollutant p, string averaging, double valueInTableUnit, string table)
    {
        var bands = Bands(p, averaging, table);
        if (bands.Count == 0 || !double.IsFinite(valueInTableUnit)) return null;
        var truncated = Truncate(valueInTableUnit, bands[0].Truncation);
        if (truncated < bands[0].ConcLo) return null;
        if (truncated > bands[^1].ConcHi && bands[^1].AqiHi < BeyondTheIndex) return null;
        var index = Interpolation.Index(bands, truncated);
        return index is null ? null : Interpolation.Round(index.Value.Value);
    }

    /// <summary>AQI from values the caller already averaged over each pollutant's period (the calculator).</summary>
    public static AqiResult FromAverages(IReadOnlyDictionary<Pollutant, double> averages, DateTime at)
    {
        var table = TableFor(at);
        var subs = new List<SubIndex>();
        var notes = new List<string>();
        foreach (var (p, value) in averages.OrderBy(kv => kv.Key))
        {
            var sub = p switch
            {
                Pollutant.Pm25 or Pollutant.Pm10 => Sub(p, "24h", value, table, null),
                Pollutant.O3 => Ozone(value, value, table, null),
                Pollutant.Co => Sub(p, "8h", value, table, null),
                Pollutant.No2 => Sub(p, "1h", value, table, null),
                Pollutant.So2 => SulfurDioxide(value, value, table, null),
                _ => null,
            };
            if (sub is null)
            {
                notes.Add(p is Pollutant.Nh3 or Pollutant.Pb
                    ? $"{p.Code()}: not part of the US AQI"
                    : $"{p.Code()}: {value} is not a concentration the US table can read");
                continue;
            }
            if (p == Pollutant.O3 && sub.Averaging == "1h")
                notes.Add("o3: above 0.200 ppm the 8-hour table ends; the value was read in the 1-hour table");
            if (p == Pollutant.So2 && sub.Averaging == "24h")
                notes.Add("so2: at or above 305 ppb the value was read in the 24-hour table");
            subs.Add(sub);
        }
        return Combine(subs, notes, table);
    }

    /// <summary>AQI from hourly values (time order, last = current hour, null = missing).</summary>
    public static AqiResult FromHourly(IReadOnlyDictionary<Pollutant, IReadOnlyList<double?>> hourly, DateTime at)
    {
        var table = TableFor(at);
        var subs = new List<SubIndex>();
        var notes = new List<string>();
        foreach (var (p, series) in hourly.OrderBy(kv => kv.Key))
        {
            SubIndex? sub;
            switch (p)
            {
                case Pollutant.Pm25 or Pollutant.Pm10:
                    var nowCast = NowCast.Compute(series);
                    if (nowCast is null)
                    {
                        if (series.Any(v => v.HasValue)) notes.Add($"{p.Code()}: NowCast needs 2 of the last 3 hours");
                        continue;
                    }
                    sub = Sub(p, "nowcast", nowCast.Value, table, null);
                    break;
                case Pollutant.O3:
                    var o3 = Average(series, 8, 6);
                    var o3Latest = Latest(series);
                    if (o3 is null && o3Latest is null)
                    {
                        NoteTooFew(p, series, notes);
                        continue;
                    }
                    sub = Ozone(o3?.Mean, o3Latest, table, o3?.Count);
                    break;
                case Pollutant.Co:
                    var co = Average(series, 8, 6);
                    if (co is null)
                    {
                        NoteTooFew(p, series, notes);
                        continue;
                    }
                    sub = Sub(p, "8h", co.Value.Mean, table, co.Value.Count);
                    break;
                case Pollutant.No2:
                    if (Latest(series) is not { } no2) continue;
                    sub = Sub(p, "1h", no2, table, 1);
                    break;
                case Pollutant.So2:
                    if (Latest(series) is not { } so2) continue;
                    sub = SulfurDioxide(so2, Average(series, 24, 18)?.Mean, table, 1);
                    break;
                default:
                    continue;
            }
            if (sub is not null) subs.Add(sub);
        }
        return Combine(subs, notes, table);
    }

    private static void NoteTooFew(Pollutant p, IReadOnlyList<double?> series, List<string> notes)
    {
        var valid = series.Skip(Math.Max(0, series.Count - 8)).Count(v => v is { } x && double.IsFinite(x) && x >= 0);
        if (valid > 0) notes.Add($"{p.Code()}: {valid} valid hours of the last 8, 6 needed for an 8-hour average");
    }

    private static SubIndex? Sub(Pollutant p, string averaging, double canonical, string table, int? validHours)
    {
        var lookup = averaging == "nowcast" ? "24h" : averaging;
        var bands = Bands(p, lookup, table);
        if (bands.Count == 0) return null;
        var value = UnitConversion.ToUsUnit(p, canonical, bands[0].Unit);
        var index = IndexOf(p, lookup, value, table);
        return index is null ? null : new SubIndex(p, Truncate(value, bands[0].Truncation), bands[0].Unit, averaging, index.Value, Category(index.Value), validHours);
    }

    // O3: the 8-hour table ends at 300 (0.200 ppm); the 1-hour table starts at 101. Report the higher of both.
    private static SubIndex? Ozone(double? eightHour, double? oneHour, string table, int? validHours)
    {
        var eight = eightHour is { } e ? Sub(Pollutant.O3, "8h", e, table, validHours) : null;
        var one = oneHour is { } o ? Sub(Pollutant.O3, "1h", o, table, 1) : null;
        if (eight is null) return one;
        return one is not null && one.Value > eight.Value ? one : eight;
    }

    // SO2: the 1-hour table covers AQI up to 200 (304 ppb); above it the 24-hour average decides, and an hour
    // above 304 ppb with a lower 24-hour average reports 200.
    private static SubIndex? SulfurDioxide(double oneHour, double? dayAverage, string table, int? validHours)
    {
        if (!double.IsFinite(oneHour) || oneHour < 0) return null;
        var ppb = UnitConversion.ToUsUnit(Pollutant.So2, oneHour, "ppb");
        if (Truncate(ppb, 1) < 305) return Sub(Pollutant.So2, "1h", oneHour, table, validHours);
        if (dayAverage is { } day && Truncate(UnitConversion.ToUsUnit(Pollutant.So2, day, "ppb"), 1) >= 305)
            return Sub(Pollutant.So2, "24h", day, table, null);
        return new SubIndex(Pollutant.So2, Truncate(ppb, 1), "ppb", "1h", 200, Category(200), validHours);
    }

    private static AqiResult Combine(List<SubIndex> subs, List<string> notes, string table)
    {
        var top = subs.OrderByDescending(s => s.Value).ThenBy(s => s.Pollutant).FirstOrDefault();
        if (top is null) notes.Add("no pollutant of the US AQI has enough data");
        else if (top.Value > BeyondTheIndex) notes.Add("beyond the AQI: above 500 the top segment is extended");
        return new AqiResult(AqiStandard.UnitedStates, top?.Value, top?.Value, top is null ? null : Category(top.Value),
            top?.Pollutant, top is not null, subs, notes, $"US-EPA-{table}");
    }

    private static readonly Dictionary<(Pollutant, string, string), IReadOnlyList<Breakpoint>> BandCache = [];
    private static readonly Lock CacheLock = new();

    private static IReadOnlyList<Breakpoint> Bands(Pollutant p, string averaging, string table)
    {
        lock (CacheLock)
        {
            if (!BandCache.TryGetValue((p, averaging, table), out var bands))
            {
                bands = BreakpointTables.UsEpa(table).Where(b => b.Pollutant == p && b.Averaging == averaging)
                    .OrderBy(b => b.AqiLo).ToList();
                BandCache[(p, averaging, table)] = bands;
            }
            return bands;
        }
    }

    private static double Truncate(double v, double step)
    {
        if (step <= 0) return v;
        var decimals = Math.Max(0, (int)-Math.Floor(Math.Log10(step)));
        return Math.Round(Math.Floor(v / step + 1e-9) * step, decimals);
    }

    private static double? Latest(IReadOnlyList<double?> series) =>
        series.Count > 0 && series[^1] is { } v && double.IsFinite(v) && v >= 0 ? v : null;

    private static (double Mean, int Count)? Average(IReadOnlyList<double?> series, int hours, int minimum)
    {
        var valid = series.Skip(Math.Max(0, series.Count - hours)).Where(v => v is { } x && double.IsFinite(x) && x >= 0).Select(v => v!.Value).ToList();
        return valid.Count >= minimum ? (valid.Average(), valid.Count) : null;
    }
}
