namespace AirQuality.Domain.Aqi;

/// <summary>Piecewise-linear interpolation inside a breakpoint table.</summary>
internal static class Interpolation
{
    /// <summary>
    /// Index of a concentration: I = Ilo + (C - Clo)(Ihi - Ilo)/(Chi - Clo) inside the band that holds C.
    /// Published tables leave small gaps between bands (India PM2.5: 30 then 31); a value inside a gap is
    /// interpolated between the neighbouring band edges so the index never jumps or runs backwards.
    /// Above the top band the last segment is extended; the caller decides the cap.
    /// </summary>
    public static (double Value, Breakpoint Band)? Index(IReadOnlyList<Breakpoint> bands, double c)
    {
        if (bands.Count == 0 || double.IsNaN(c) || c < 0) return null;
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

    /// <summary>Rounds an index value to the integer a report shows (half away from zero).</summary>
    public static int Round(double v) => (int)Math.Round(v, MidpointRounding.AwayFromZero);
}
