namespace AirQuality.Domain.Aqi;

/// <summary>Piecewise-linear interpolation inside a breakpoint table.</summary>
internal static class Interpolation
{
    /// <summary>
    /// Index of a concentration: I = Ilo + (C - Clo)(Ihi - Ilo)/(Chi - Clo) inside the band that holds C.
    /// Published tables leave small gaps between bands (India PM2.5: 30 then 31); a value inside a gap is
    /// interpolated between the neighbouring band edges so the index never jumps or runs backwards.
    /// Where two bands share an edge (India PM2.5: Very Poor 121-250, Severe 250+) the edge belongs to the lower
    /// band, as the table prints it, and the upper band starts just above it.
    /// Above the top band the last segment is extended; the caller decides the cap.
    /// </summary>
    /// <returns>Null for a negative or non-finite concentration or an empty table.</returns>
    public static (double Value, Breakpoint Band)? Index(IReadOnlyList<Breakpoint> bands, double c)
    {
        if (bands.Count == 0 || !double.IsFinite(c) || c < 0) return null;
        for (var i = 0; i < bands.Count; i++)
        {
            var b = bands[i];
            if (c <= b.ConcHi)
            {
                if (c >= b.ConcLo || i == 0) return (Linear(c, b.ConcLo, b.ConcHi, b.AqiLo, b.AqiHi), b);
                var prev = bands[i - 1];
                // In the gap between two bands: join the previous band's top to this band's bottom.
                var v = Linear(c, prev.ConcHi, b.ConcLo, prev.AqiHi, b.AqiLo);
                return (v, v < b.AqiLo ? prev : b);
            }
        }
        var top = bands[^1];
        return (Linear(c, top.ConcLo, top.ConcHi, top.AqiLo, top.AqiHi), top);
    }

    private static double Linear(double c, double cLo, double cHi, double iLo, double iHi) =>
        cHi <= cLo ? iLo : iLo + (c - cLo) * (iHi - iLo) / (cHi - cLo);

    /// <summary>Rounds an index value to the integer a report shows (half away from zero), saturating at int.MaxValue.</summary>
    /// <remarks>
    /// Binary noise is shed first: 10.2 µg/m³ on the 2012 PM2.5 scale is exactly 42.5, but 10.2 * 50 / 12 comes out
    /// as 42.49999999999999 in doubles, which would round down where AirNow publishes 43.
    /// </remarks>
    public static int Round(double v) =>
        (int)Math.Clamp(Math.Round(Math.Round(v, 9), MidpointRounding.AwayFromZero), 0, int.MaxValue);
}
