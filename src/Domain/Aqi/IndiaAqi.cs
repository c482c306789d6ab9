using AirQuality.Domain.Readings;

namespace AirQuality.Domain.Aqi;

/// <summary>
/// India National Air Quality Index (CPCB, October 2014).
/// </summary>
/// <remarks>
/// Rules, as CPCB publishes them:
/// <list type="bullet">
/// <item>Sub-index by linear interpolation inside the pollutant's band; the AQI is the highest sub-index and its pollutant dominates.</item>
/// <item>24-hour running averages for PM2.5, PM10, NO2, SO2, NH3 and Pb; 8-hour running averages for CO and O3.</item>
/// <item>O3: when the 8-hour average exceeds 208 µg/m³ the one-hour table applies (to the highest hour of that 8-hour window).</item>
/// <item>A sub-index needs at least 16 valid hours of its 24. CPCB states no count for 8-hour averages; the same
/// two-thirds share is applied there (6 of 8).</item>
/// <item>The AQI needs at least three sub-indices, one of them PM2.5 or PM10; otherwise the answer is incomplete and carries no AQI.</item>
/// <item>The top (Severe) band is open-ended (it starts just above the Very Poor band's top); it runs from 401 to 500 at the
/// table's extrapolation point (Pb has none; <see cref="BreakpointTables"/> derives it the same way) and is capped at 500 as CPCB reports it.</item>
/// </list>
/// </remarks>
public static class IndiaAqi
{
    /// <summary>Label of the breakpoint table in answers.</summary>
    public const string Table = "IN-NAQI-2014";

    /// <summary>The highest value CPCB publishes; the open-ended Severe band is cut here.</summary>
    public const int Cap = 500;

    /// <summary>Valid hours a 24-hour average needs for a sub-index.</summary>
    public const int MinimumHoursOf24 = 16;

    /// <summary>Valid hours an 8-hour average (CO, O3) needs for a sub-index.</summary>
    public const int MinimumHoursOf8 = 6;

    /// <summary>Sub-indices the AQI needs, one of them PM2.5 or PM10.</summary>
    public const int MinimumPollutants = 3;

    /// <summary>8-hour O3 (µg/m³) above which the 1-hour table applies.</summary>
    public const double OzoneOneHourSwitch = 208;

    private static readonly Lazy<IReadOnlyDictionary<(Pollutant, string), IReadOnlyList<Breakpoint>>> Bands = new(() =>
        BreakpointTables.IndiaNaqi
            .GroupBy(b => (b.Pollutant, b.Averaging))
            .ToDictionary(g => g.Key, g => (IReadOnlyList<Breakpoint>)g.OrderBy(b => b.AqiLo).ToList()));

    /// <summary>The averaging period of a pollutant's sub-index, in hours.</summary>
    public static int AveragingHours(Pollutant p) => p is Pollutant.Co or Pollutant.O3 ? 8 : 24;

    private static readonly Lazy<CategoryScale> Scale = new(() => new CategoryScale(BreakpointTables.IndiaNaqi));

    /// <summary>The category of an India AQI value (Good, Satisfactory, Moderately Polluted, Poor, Very Poor, Severe).</summary>
    public static string Category(int aqi) => Scale.Value.Of(aqi).Category;

    /// <summary>The colour CPCB uses for the category of an AQI value.</summary>
    public static string Color(int aqi) => Scale.Value.Of(aqi).Color;

    /// <summary>
    /// Sub-index of one averaged concentration (µg/m³; CO in mg/m³), capped at 500. For O3 the value is the 8-hour
    /// average, and <paramref name="ozoneOneHourMax"/> the highest hour used when that average exceeds 208.
    /// </summary>
    public static SubIndex? SubIndexOf(Pollutant p, double concentration, int? validHours = null, double? ozoneOneHourMax = null)
    {
        if (!double.IsFinite(concentration) || concentration < 0) return null;
        var averaging = AveragingHours(p) == 8 ? "8h" : "24h";
        var value = concentration;
        IReadOnlyList<Breakpoint>? bands;
        if (p == Pollutant.O3 && concentration > OzoneOneHourSwitch)
        {
            averaging = "1h";
            value = ozoneOneHourMax is { } hour && double.IsFinite(hour) ? Math.Max(hour, concentration) : concentration;
            bands = [.. Bands.Value[(p, "8h")], .. Bands.Value[(p, "1h")]];
        }
        else if (!Bands.Value.TryGetValue((p, averaging), out bands))
        {
            return null;
        }
        var index = Interpolation.Index(bands, value);
        if (index is null) return null;
        var rounded = Math.Min(Cap, Interpolation.Round(index.Value.Value));
        return new SubIndex(p, value, p.Unit(), averaging, rounded, Category(rounded), validHours);
    }

    /// <summary>
    /// AQI from averages the caller already holds (the calculator): each value counts as a valid average of its period.
    /// </summary>
    public static AqiResult FromAverages(IReadOnlyDictionary<Pollutant, double> averages)
    {
        var subs = new List<SubIndex>();
        var notes = new List<string>();
        foreach (var (p, value) in averages.OrderBy(kv => kv.Key))
        {
            if (SubIndexOf(p, value) is not { } sub)
            {
                notes.Add($"{p.Code()}: {value} is not a concentration the India table can read");
                continue;
            }
            if (sub.Averaging == "1h")
                notes.Add($"o3: 8-hour average above {OzoneOneHourSwitch} µg/m³, read in the 1-hour table");
            subs.Add(sub);
        }
        return Combine(subs, notes);
    }

    /// <summary>
    /// AQI from hourly values: each list holds consecutive hours in time order, the last being the hour the AQI is for;
    /// null marks a missing hour. Only the last 24 (or 8) hours are used.
    /// </summary>
    public static AqiResult FromHourly(IReadOnlyDictionary<Pollutant, IReadOnlyList<double?>> hourly)
    {
        var subs = new List<SubIndex>();
        var notes = new List<string>();
        foreach (var (p, series) in hourly.OrderBy(kv => kv.Key))
        {
            var hours = AveragingHours(p);
            var minimum = hours == 8 ? MinimumHoursOf8 : MinimumHoursOf24;
            var window = series.Skip(Math.Max(0, series.Count - hours)).ToList();
            var valid = window.Where(v => v is { } x && double.IsFinite(x) && x >= 0).Select(v => v!.Value).ToList();
            if (valid.Count == 0) continue;
            if (valid.Count < minimum)
            {
                notes.Add($"{p.Code()}: {valid.Count} valid hours of the last {hours}, {minimum} needed for a sub-index");
                continue;
            }
            if (SubIndexOf(p, valid.Average(), valid.Count, p == Pollutant.O3 ? valid.Max() : null) is not { } sub) continue;
            if (sub.Averaging == "1h")
                notes.Add($"o3: 8-hour average above {OzoneOneHourSwitch} µg/m³, the highest hour read in the 1-hour table");
            subs.Add(sub);
        }
        return Combine(subs, notes);
    }

    private static AqiResult Combine(List<SubIndex> subs, List<string> notes)
    {
        subs.Sort((a, b) => a.Pollutant.CompareTo(b.Pollutant));
        var top = subs.OrderByDescending(s => s.Value).ThenBy(s => s.Pollutant).FirstOrDefault();
        var hasParticles = subs.Any(s => s.Pollutant is Pollutant.Pm25 or Pollutant.Pm10);
        var complete = subs.Count >= MinimumPollutants && hasParticles;
        if (!complete)
        {
            if (subs.Count < MinimumPollutants)
                notes.Add($"{subs.Count} sub-index(es) available; the India AQI needs at least {MinimumPollutants}");
            if (!hasParticles)
                notes.Add("the India AQI needs PM2.5 or PM10 among its sub-indices");
        }
        return new AqiResult(
            AqiStandard.India,
            complete ? top!.Value : null,
            top?.Value,
            top is null ? null : Category(top.Value),
            top?.Pollutant,
            complete,
            subs,
            notes,
            Table);
    }
}
