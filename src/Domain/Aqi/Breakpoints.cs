using System.Globalization;
using AirQuality.Domain.Data;
using AirQuality.Domain.Readings;

namespace AirQuality.Domain.Aqi;

/// <summary>One band of a breakpoint table: concentrations [ConcLo, ConcHi] map to index values [AqiLo, AqiHi].</summary>
/// <param name="ConcHi">Upper concentration of the band; for an open-ended top band, the concentration at which the
/// extrapolated index reaches <see cref="AqiHi"/>.</param>
/// <param name="OpenEnded">True when the published table gives no upper concentration for this band.</param>
public sealed record Breakpoint(
    Pollutant Pollutant,
    string Averaging,
    string Unit,
    string Category,
    int AqiLo,
    int AqiHi,
    double ConcLo,
    double ConcHi,
    bool OpenEnded,
    double Truncation,
    string Color);

/// <summary>The breakpoint tables shipped with the system, read from the CSV files in Data/.</summary>
public static class BreakpointTables
{
    private static readonly Lazy<IReadOnlyList<Breakpoint>> India = new(() => LoadIndia());
    private static readonly Lazy<IReadOnlyDictionary<string, IReadOnlyList<Breakpoint>>> Us = new(() => LoadUs());

    /// <summary>Version label of the PM2.5 table in force since 2024-05-06.</summary>
    public const string Us2024 = "2024";

    /// <summary>Version label of the PM2.5 table in force before 2024-05-06.</summary>
    public const string Us2012 = "2012";

    /// <summary>India NAQI (CPCB 2014) bands, every pollutant.</summary>
    public static IReadOnlyList<Breakpoint> IndiaNaqi => India.Value;

    /// <summary>US EPA bands of the given PM2.5 table version (other pollutants are the same in both).</summary>
    public static IReadOnlyList<Breakpoint> UsEpa(string version) =>
        Us.Value.TryGetValue(version, out var t) ? t : throw new ArgumentException($"Unknown US table {version}", nameof(version));

    private static IReadOnlyList<Breakpoint> LoadIndia()
    {
        var rows = new List<Breakpoint>();
        foreach (var r in EmbeddedTables.Read("india_naqi_2014.csv"))
        {
            if (!Pollutants.TryParse(r["pollutant"], out var p)) continue;
            var averaging = r["averaging_period"];
            var open = string.IsNullOrWhiteSpace(r["conc_hi"]);
            var lo = Parse(r["conc_lo"]);
            var hi = open ? ParseOrNull(r["conc_at_aqi500_if_extrapolated"]) ?? ExtrapolationPoint(rows, p, lo) : Parse(r["conc_hi"]);
            rows.Add(new Breakpoint(p, averaging, r["unit"], r["category"], (int)Parse(r["aqi_lo"]),
                (int)Parse(r["aqi_hi"]), lo, hi, open, 0, r["color_hex"]));
        }
        return rows;
    }

    // An open-ended Severe band with no published extrapolation point (Pb) gets the one every other pollutant's
    // table follows: the Very Poor band's width, counted from the top of the band below it in the same table
    // (PM2.5: 250 - 120 = 130, so 500 at 380; O3's 1-h table has no band below, so 748 - 209 = 539).
    private static double ExtrapolationPoint(List<Breakpoint> rows, Pollutant p, double severeLo)
    {
        var below = rows.Where(b => b.Pollutant == p).OrderBy(b => b.AqiLo).ToList();
        if (below.Count == 0) throw new InvalidOperationException($"India table: {p} has an open-ended band with nothing below it");
        var veryPoor = below[^1];
        var start = below.Count > 1 && below[^2].Averaging == veryPoor.Averaging ? below[^2].ConcHi : veryPoor.ConcLo;
        return severeLo + (veryPoor.ConcHi - start);
    }

    private static IReadOnlyDictionary<string, IReadOnlyList<Breakpoint>> LoadUs()
    {
        var shared = new List<Breakpoint>();
        var pm25 = new Dictionary<string, List<Breakpoint>> { [Us2024] = [], [Us2012] = [] };
        foreach (var r in EmbeddedTables.Read("us_epa_aqi.csv"))
        {
            if (!Pollutants.TryParse(r["pollutant"], out var p)) continue;
            var b = new Breakpoint(p, r["averaging_period"], r["unit"], r["category"], (int)Parse(r["aqi_lo"]),
                (int)Parse(r["aqi_hi"]), Parse(r["conc_lo"]), Parse(r["conc_hi"]), false, Parse(r["truncate_input_to"]), r["color_hex"]);
            var version = r["version"];
            if (p == Pollutant.Pm25)
                pm25[version.StartsWith("2012", StringComparison.Ordinal) ? Us2012 : Us2024].Add(b);
            else
                shared.Add(b);
        }
        return pm25.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<Breakpoint>)[.. kv.Value, .. shared]);
    }

    private static double Parse(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    private static double? ParseOrNull(string s) => string.IsNullOrWhiteSpace(s) ? null : Parse(s);
}
