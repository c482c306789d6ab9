namespace AirQuality.Domain.Aqi;

/// <summary>
/// EPA NowCast for particles: a weighted average of the last 12 hourly values that leans on recent hours when
/// concentrations change fast.
/// </summary>
/// <remarks>
/// Weight factor w = min/max of the valid hours in the 12, floored at 0.5; hour i back (i = 0 now) weighs w^i.
/// At least two of the three most recent hours must be valid, or there is no NowCast.
/// As AirNow computes it: a slightly negative hourly value (instrument noise around zero) is a valid reading and
/// is averaged as reported, so clean hours are not biased upwards; the result is floored at 0.
/// </remarks>
public static class NowCast
{
    /// <summary>Hours the NowCast looks back over, the current one included.</summary>
    public const int Hours = 12;

    /// <summary>The lowest weight factor: with it the current hour weighs about half of the result.</summary>
    public const double MinimumWeight = 0.5;

    /// <param name="hourly">Consecutive hourly values in time order, the last being the current hour; null (or a
    /// non-finite value) marks a missing hour.</param>
    /// <returns>The NowCast concentration, not truncated, or null when fewer than 2 of the last 3 hours are valid.</returns>
    public static double? Compute(IReadOnlyList<double?> hourly)
    {
        var recent = new double?[Hours];
        for (var i = 0; i < Hours && i < hourly.Count; i++)
        {
            var v = hourly[hourly.Count - 1 - i];
            recent[i] = v is { } x && double.IsFinite(x) ? x : null;
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
        return Math.Max(0, num / den);
    }
}
