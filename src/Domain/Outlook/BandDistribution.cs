using MathNet.Numerics.Distributions;

namespace AirQuality.Domain.Outlook;

/// <summary>
/// The distribution of a forecast value fitted to its prediction bands, so that a forecast can say how likely a
/// category is.
/// </summary>
/// <remarks>
/// Assumption (stated in every answer that uses it): the forecast error is normal in log(1 + x), centred on the
/// point forecast. That is the space the bands are built in (split-conformal quantiles of absolute residuals of
/// log(1 + x), symmetric there), so the point forecast is the median and each band edge is a quantile: the 80 %
/// band's edges are the 10th and 90th percentiles, the 90 % band's the 5th and 95th. The spread σ is the
/// least-squares fit of those four quantiles (σ = Σ zᵢdᵢ / Σ zᵢ², dᵢ the edge's distance from the median in
/// log(1 + x), zᵢ its standard normal quantile). A band of zero width gives a point mass.
/// </remarks>
public sealed record BandDistribution(double Median, double Sigma)
{
    /// <summary>Text naming the assumption, for answers.</summary>
    public const string Assumption =
        "forecast error taken as normal in log(1 + x) around the point forecast (the space the conformal bands are built in); " +
        "sigma fitted by least squares to the 80 % and 90 % band edges as the 10/90th and 5/95th percentiles";

    private static readonly double Z80 = Normal.InvCDF(0, 1, 0.9);
    private static readonly double Z90 = Normal.InvCDF(0, 1, 0.95);

    /// <summary>Fits the distribution to a point forecast and its 80 % and 90 % band edges.</summary>
    public static BandDistribution Fit(double value, double lower80, double upper80, double lower90, double upper90)
    {
        var mu = Log1P(value);
        (double Z, double D)[] edges =
        [
            (Z80, Log1P(upper80) - mu), (-Z80, Log1P(lower80) - mu),
            (Z90, Log1P(upper90) - mu), (-Z90, Log1P(lower90) - mu),
        ];
        var sigma = edges.Sum(e => e.Z * e.D) / edges.Sum(e => e.Z * e.Z);
        return new BandDistribution(Math.Max(0, value), Math.Max(0, sigma));
    }

    /// <summary>P(X ≤ x).</summary>
    public double Cdf(double x)
    {
        if (Sigma <= 0) return x >= Median ? 1 : 0;
        return Normal.CDF(Log1P(Median), Sigma, Log1P(x));
    }

    /// <summary>
    /// The probability that the value, rounded as an index is, falls in the whole-number range [<paramref name="lo"/>,
    /// <paramref name="hi"/>] (null: no upper end).
    /// </summary>
    public double ProbabilityOfRange(int lo, int? hi)
    {
        var below = lo <= 0 ? 0 : Cdf(lo - 0.5);
        var upTo = hi is { } h ? Cdf(h + 0.5) : 1;
        return Math.Clamp(upTo - below, 0, 1);
    }

    /// <summary>The probability that the rounded value is at least <paramref name="lo"/>.</summary>
    public double ProbabilityAtLeast(int lo) => ProbabilityOfRange(lo, null);

    private static double Log1P(double x) => Math.Log(1 + Math.Max(0, x));
}
