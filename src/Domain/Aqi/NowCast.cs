namespace AirQuality.Domain.Aqi;

/// <summary>
/// EPA NowCast for particles: a weighted average of the last 12 hourly values that leans on recent hours when
/// concentrations change fast.
/// </summary>
/// <remarks>
/// Weight factor w = min/max of the valid hours in the 12, floored at 0.5; hour i back (i = 0 now) weighs w^i.
/// At least two of the three most recent hours must be valid, or there is no NowCast.
/// </remarks>
public static class NowCast
{
    public const int Hours = 12;
    public const double MinimumWeight = 0.5;

    /// <param name="hourly">Consecutive hourly values in time order, the last being the current hour; null marks a missing hour.</param>
    public static double? Compute(IReadOnlyList<double?> hourly)
    {
        var recent = new double?[Hours];
        for (var i = 0; i < Hours && i < hourly.Count; i++)
        {
            var v = hourly[hourly.Count - 1 - i];
            recent[i] = v is { } x && x >= 0 && !double.IsNaN(x) ? x : null;
        }
        if (recent.Take(3).Count(v => v.HasValue) < 2) return null;
        var valid = recent.Where(v => v.HasValue).Select(v => v!.Value).ToList();
        var max = valid.Max();
        var min = valid.Min();
        var w = max <= 0 ? 1.0 : Math.Max(MinimumWeight, min / max);
        double num = 0, den = 0;
        for (var i = 0; i < Hours; i++)
        {
            if (recent[i] is not { } c) continue;
            var weight = Math.Pow(w, i);
            num += weight * c;
            den += weight;
        }
        return num / den;
    }
}
