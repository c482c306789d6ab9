namespace AirQuality.Forecasting.Evaluation;

/// <summary>Accuracy of forecasts against what happened.</summary>
/// <param name="Mae">Mean absolute error, in the target's unit.</param>
/// <param name="Rmse">Root mean squared error.</param>
/// <param name="R2">1 - SS_res / SS_tot around the mean of the actual values (can be negative).</param>
/// <param name="Mape">Mean absolute percentage error in %, over actual values of at least 1 (null when there are none).</param>
/// <param name="Count">Number of forecast-actual pairs.</param>
public sealed record ForecastMetrics(double Mae, double Rmse, double R2, double? Mape, int Count)
{
    /// <summary>Actual values below this are left out of MAPE: a percentage of almost nothing is noise.</summary>
    public const double MapeFloor = 1;

    /// <summary>Metrics of paired actual and predicted values (NaN pairs are skipped).</summary>
    public static ForecastMetrics Of(IReadOnlyList<double> actual, IReadOnlyList<double> predicted)
    {
        if (actual.Count != predicted.Count) throw new ArgumentException("actual and predicted differ in length");
        double abs = 0, sq = 0, sum = 0, pct = 0;
        int n = 0, nPct = 0;
        for (var i = 0; i < actual.Count; i++)
        {
            var (a, p) = (actual[i], predicted[i]);
            if (double.IsNaN(a) || double.IsNaN(p)) continue;
            var e = a - p;
            abs += Math.Abs(e);
            sq += e * e;
            sum += a;
            n++;
            if (a >= MapeFloor)
            {
                pct += Math.Abs(e) / a;
                nPct++;
            }
        }
        if (n == 0) return new ForecastMetrics(double.NaN, double.NaN, double.NaN, null, 0);
        var mean = sum / n;
        double tot = 0;
        for (var i = 0; i < actual.Count; i++)
            if (!double.IsNaN(actual[i]) && !double.IsNaN(predicted[i])) tot += (actual[i] - mean) * (actual[i] - mean);
        var r2 = tot > 0 ? 1 - sq / tot : double.NaN;
        return new ForecastMetrics(abs / n, Math.Sqrt(sq / n), r2, nPct > 0 ? 100 * pct / nPct : null, n);
    }

    /// <summary>The plain average of per-horizon metrics (each horizon weighs the same).</summary>
    public static ForecastMetrics Average(IEnumerable<ForecastMetrics> perHorizon)
    {
        var list = perHorizon.Where(m => m.Count > 0).ToList();
        if (list.Count == 0) return new ForecastMetrics(double.NaN, double.NaN, double.NaN, null, 0);
        var mapes = list.Where(m => m.Mape.HasValue).Select(m => m.Mape!.Value).ToList();
        return new ForecastMetrics(list.Average(m => m.Mae), list.Average(m => m.Rmse), list.Average(m => m.R2),
            mapes.Count > 0 ? mapes.Average() : null, list.Sum(m => m.Count));
    }
}
