using AirQuality.Domain.Readings;

namespace AirQuality.Domain.Aqi;

/// <summary>
/// The India NAQI read backwards: the averaged concentration that gives a sub-index. Needed for feeds that publish
/// sub-indices instead of concentrations (the CPCB real-time feed on data.gov.in).
/// </summary>
/// <remarks>
/// The inverse of <see cref="IndiaAqi.SubIndexOf"/>: inside a band the line from (AqiLo, ConcLo) to (AqiHi, ConcHi),
/// between two bands the line joining them (as the forward direction does for concentrations in a gap). A published
/// sub-index is rounded to an integer, so the concentration is known to within half an index step of its band; at the
/// cap (500) it is only a lower bound. O3 above 300 comes from the one-hour table, as CPCB computes it.
/// </remarks>
public static class IndiaSubIndexInversion
{
    private static readonly Lazy<IReadOnlyDictionary<Pollutant, IReadOnlyList<Breakpoint>>> Bands = new(() =>
        BreakpointTables.IndiaNaqi
            .GroupBy(b => b.Pollutant)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<Breakpoint>)g.OrderBy(b => b.AqiLo).ToList()));

    /// <summary>
    /// The averaged concentration (canonical unit: µg/m³, CO mg/m³) whose India sub-index is <paramref name="subIndex"/>,
    /// or null when the pollutant has no table or the sub-index is outside 0..500.
    /// </summary>
    public static double? Concentration(Pollutant pollutant, double subIndex)
    {
        if (double.IsNaN(subIndex) || subIndex < 0 || subIndex > IndiaAqi.Cap) return null;
        if (!Bands.Value.TryGetValue(pollutant, out var bands) || bands.Count == 0) return null;
        for (var i = 0; i < bands.Count; i++)
        {
            var b = bands[i];
            if (subIndex > b.AqiHi) continue;
            if (i == 0) return Linear(subIndex, b.AqiLo, b.AqiHi, b.ConcLo, b.ConcHi);
            var prev = bands[i - 1];
            if (subIndex >= b.AqiLo)
            {
                var c = Linear(subIndex, b.AqiLo, b.AqiHi, b.ConcLo, b.ConcHi);
                // Where a band starts at the concentration the one below ends (PM2.5 250), that very value belongs to
                // the lower band; the bottom of the upper band is a hair above it.
                return subIndex == b.AqiLo && b.ConcLo <= prev.ConcHi ? Math.BitIncrement(c) : c;
            }
            return Linear(subIndex, prev.AqiHi, b.AqiLo, prev.ConcHi, b.ConcLo);
        }
        // Only Pb stops below 500 (its open Severe band has no slope); a higher index cannot be read back.
        return null;
    }

    private static double Linear(double i, double iLo, double iHi, double cLo, double cHi) =>
        iHi <= iLo ? cLo : cLo + (i - iLo) * (cHi - cLo) / (iHi - iLo);
}
