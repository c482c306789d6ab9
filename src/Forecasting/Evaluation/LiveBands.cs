using AirQuality.Forecasting.Features;

namespace AirQuality.Forecasting.Evaluation;

/// <summary>
/// Live recalibration of the bands from the served forecasts' own matured residuals: a rolling per-horizon buffer of
/// the last <see cref="WindowHours"/> hours, kept at a few horizons (the service's live-skill horizons). At each of
/// them with enough residuals, the ratio of the buffer's conformal quantile to the trained half-width rescales the
/// band; between them the ratio is interpolated linearly, beyond them held. So bands follow a change of regime as soon
/// as forecasts made in it have matured, whatever the model's age, and only ever use hours already observed. The one
/// rule of the city's forecast grain and of `evaluate`.
/// </summary>
public static class LiveBands
{
    /// <summary>Hours of matured residuals kept (by target hour).</summary>
    public const int WindowHours = 14 * 24;

    /// <summary>Fewest residuals a horizon needs before it rescales the bands.</summary>
    public const int MinimumResiduals = 30;

    /// <summary>The horizons `evaluate` keeps residuals at: the service's default live-skill horizons.</summary>
    public static readonly IReadOnlyList<int> DefaultHorizons = [1, 6, 12, 24, 48];

    /// <summary>
    /// The trained half-widths (per level, index h - 1) rescaled by the live residuals (per horizon: log-space absolute
    /// residuals of the window); the trained ones where no horizon has enough residuals.
    /// </summary>
    public static Dictionary<double, IReadOnlyList<double>> Adjust(IReadOnlyDictionary<double, IReadOnlyList<double>> trained, IReadOnlyDictionary<int, IReadOnlyList<double>>? residuals)
    {
        var result = trained.ToDictionary(kv => kv.Key, kv => kv.Value);
        if (residuals is null || residuals.Count == 0) return result;
        foreach (var (level, widths) in trained)
        {
            var known = new SortedDictionary<int, double>();
            foreach (var (h, r) in residuals)
            {
                if (h < 1 || h > widths.Count || r.Count < MinimumResiduals || !(widths[h - 1] > 0)) continue;
                var q = ConformalInterval.HalfWidth(r, level);
                if (!double.IsNaN(q)) known[h] = q / widths[h - 1];
            }
            if (known.Count == 0) continue;
            var hs = known.Keys.ToArray();
            var adjusted = new double[widths.Count];
            for (var h = 1; h <= widths.Count; h++)
            {
                double f;
                if (h <= hs[0]) f = known[hs[0]];
                else if (h >= hs[^1]) f = known[hs[^1]];
                else
                {
                    var j = Array.FindIndex(hs, x => x >= h);
                    var (a, b) = (hs[j - 1], hs[j]);
                    f = known[a] + (known[b] - known[a]) * (h - a) / (b - a);
                }
                adjusted[h - 1] = widths[h - 1] * f;
            }
            result[level] = adjusted;
        }
        return result;
    }
}

/// <summary>
/// The live residual buffer replayed over a history (for `evaluate`): served forecasts are recorded as they are scored,
/// and the bands at an origin use only residuals whose target hour is before it (the service scores an hour after forecasting from it), within <see cref="LiveBands.WindowHours"/>.
/// </summary>
public sealed class LiveBandReplay(IReadOnlyList<int> horizons)
{
    private readonly Dictionary<int, List<(int Target, double Residual)>> _residuals = horizons.Distinct().ToDictionary(h => h, _ => new List<(int, double)>());
    private int _cachedOrigin = int.MinValue;
    private IReadOnlyDictionary<double, IReadOnlyList<double>>? _cachedFor;
    private IReadOnlyDictionary<double, IReadOnlyList<double>>? _cached;

    /// <summary>Records a served forecast's residual (log space) at a kept horizon, by its target hour index.</summary>
    public void Record(int horizon, int target, double residual)
    {
        if (_residuals.TryGetValue(horizon, out var l) && !double.IsNaN(residual)) l.Add((target, residual));
    }

    /// <summary>The bands at origin <paramref name="origin"/>: <paramref name="trained"/> rescaled by what had matured by then.</summary>
    public IReadOnlyDictionary<double, IReadOnlyList<double>> At(int origin, IReadOnlyDictionary<double, IReadOnlyList<double>> trained)
    {
        if (origin == _cachedOrigin && ReferenceEquals(trained, _cachedFor)) return _cached!;
        var window = new Dictionary<int, IReadOnlyList<double>>();
        foreach (var (h, l) in _residuals)
        {
            l.RemoveAll(x => x.Target <= origin - LiveBands.WindowHours);
            window[h] = l.Where(x => x.Target < origin).Select(x => x.Residual).ToList();
        }
        (_cachedOrigin, _cachedFor, _cached) = (origin, trained, LiveBands.Adjust(trained, window));
        return _cached;
    }
}
