namespace AirQuality.Forecasting.Evaluation;

/// <summary>
/// Split-conformal prediction intervals: the half-width for a horizon is a quantile of the absolute residuals a model
/// made on validation data it was not trained on. Residuals are taken in log(1 + x), so a band is multiplicative:
/// narrow on clean days, wide in smog, never below zero.
/// </summary>
public static class ConformalInterval
{
    /// <summary>The coverage levels every model reports.</summary>
    public static readonly IReadOnlyList<double> Levels = [0.8, 0.9];

    /// <summary>The conformal quantile of absolute residuals for a coverage level, with the finite-sample correction.</summary>
    public static double HalfWidth(IReadOnlyList<double> absoluteResiduals, double level) =>
        HalfWidthOfSorted(Sorted(absoluteResiduals), level);

    /// <summary>The residuals that are numbers, in ascending order (what <see cref="HalfWidthOfSorted"/> reads).</summary>
    public static double[] Sorted(IEnumerable<double> absoluteResiduals)
    {
        var sorted = absoluteResiduals.Where(r => !double.IsNaN(r)).ToArray();
        Array.Sort(sorted);
        return sorted;
    }

    /// <summary><see cref="HalfWidth"/> of residuals already sorted by <see cref="Sorted"/> (one sort serves every level).</summary>
    public static double HalfWidthOfSorted(double[] sorted, double level)
    {
        if (sorted.Length == 0) return double.NaN;
        var rank = (int)Math.Ceiling((sorted.Length + 1) * level);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }

    /// <summary>The residual of a forecast in the space the bands live in.</summary>
    public static double Residual(double actual, double predicted) =>
        Math.Abs(Math.Log(1 + Math.Max(0, actual)) - Math.Log(1 + Math.Max(0, predicted)));

    /// <summary>The band around a forecast value for a half-width.</summary>
    public static (double Lower, double Upper) Band(double value, double halfWidth)
    {
        var l = Math.Log(1 + Math.Max(0, value));
        return (Math.Max(0, Math.Exp(l - halfWidth) - 1), Math.Exp(l + halfWidth) - 1);
    }

    /// <summary>Share of actual values inside their bands (NaN pairs skipped).</summary>
    public static double Coverage(IReadOnlyList<double> actual, IReadOnlyList<double> predicted, double halfWidth)
    {
        int inside = 0, n = 0;
        for (var i = 0; i < actual.Count; i++)
        {
            if (double.IsNaN(actual[i]) || double.IsNaN(predicted[i])) continue;
            n++;
            if (Residual(actual[i], predicted[i]) <= halfWidth) inside++;
        }
        return n == 0 ? double.NaN : (double)inside / n;
    }
}
