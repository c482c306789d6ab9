using AirQuality.Forecasting.Series;

namespace AirQuality.Forecasting.Features;

/// <summary>
/// Features of a forecast issued at origin hour t (the latest hour known) for target hour t + h, built only from hours
/// up to and including t; calendar features of the target hour (in IST) are known in advance, and so is the target
/// hour's weather when the layout asks for it (a weather forecast when serving).
/// </summary>
/// <remarks>
/// Values are taken in log(1 + x) and expressed relative to the level L = log(1 + y[t]) (the latest observed value,
/// at most <see cref="MaxLevelAgeHours"/> old). Models predict log(1 + y[t + h]) - L. No feature carries an absolute
/// pollution level (covariates are relative to their own weekly mean), so every family carries what it learned in a
/// clean month into a smog month: Delhi's winter levels are several times its monsoon levels, a tree trained on
/// absolute values cannot predict beyond the range it saw, and a linear model would pull every winter forecast back
/// towards the training period's mean. Mean reversion is towards the recent weekly mean instead. The log
/// also makes squared-error trainers aim near the median, which is what MAE rewards on skewed pollution data.
/// Gaps stay gaps: a feature whose inputs are missing is NaN, and each family says how it treats NaN.
/// Lag k is the value k hours before the first forecast hour, so lag 1 is the latest value y[t].
/// </remarks>
public sealed class FeatureBuilder
{
    /// <summary>Longest horizon served.</summary>
    public const int MaxHorizon = 48;

    /// <summary>How far back features look (the 7-day rolling windows).</summary>
    public const int Lookback = 168;

    /// <summary>The newest value may be this old and still serve as the level; older means no forecast from t.</summary>
    public const int MaxLevelAgeHours = 3;

    /// <summary>Lags of the target, in hours before the first forecast hour.</summary>
    public static readonly IReadOnlyList<int> Lags = [1, 2, 3, 6, 12, 24, 48];

    private static readonly int[] MeanWindows = [3, 6, 24, 72, 168];
    private static readonly int[] StdWindows = [6, 24, 168];

    private readonly double[] _log;
    private readonly (string Name, double[] Values, bool Weather)[] _covariates;
    private readonly double[]?[] _originCache;

    public FeatureBuilder(double[] target, HourlySeries series, FeatureLayout layout)
    {
        if (target.Length != series.Length) throw new ArgumentException("target and series differ in length", nameof(target));
        Target = target;
        Series = series;
        Layout = layout;
        _log = target.Select(v => double.IsNaN(v) ? double.NaN : Math.Log(1 + Math.Max(0, v))).ToArray();
        _originCache = new double[]?[target.Length];
        _covariates = layout.Covariates
            .Select(c => (c, series.Channel(c) ?? Enumerable.Repeat(double.NaN, series.Length).ToArray(), FeatureLayout.IsWeather(c)))
            .ToArray();
        var origin = new List<string> { "level_age_h", "missing_share_24h" };
        origin.AddRange(Lags.Where(k => k > 1).Select(k => $"lag_{k}h"));
        origin.AddRange(MeanWindows.Select(w => $"mean_{w}h"));
        origin.AddRange(StdWindows.Select(w => $"std_{w}h"));
        foreach (var (name, _, _) in _covariates) origin.AddRange([$"{name}_now_vs_7d", $"{name}_mean_24h_vs_7d"]);
        OriginNames = origin;
        var horizon = new List<string> { "target_hour_sin", "target_hour_cos", "target_day_of_week", "target_weekend" };
        if (layout.YearCycle) horizon.AddRange(["target_year_sin", "target_year_cos", "target_season"]);
        horizon.AddRange(["same_hour_last_day", "diurnal_anomaly_7d"]);
        if (layout.TargetWeather)
            horizon.AddRange(_covariates.Where(c => c.Weather).Select(c => $"{c.Name}_target_vs_now"));
        HorizonNames = horizon;
    }

    /// <summary>The target's values on the series grid (NaN where unknown).</summary>
    public double[] Target { get; }

    public HourlySeries Series { get; }

    public FeatureLayout Layout { get; }

    /// <summary>Names of the features that depend on the origin only.</summary>
    public IReadOnlyList<string> OriginNames { get; }

    /// <summary>Names of the features that depend on the target hour.</summary>
    public IReadOnlyList<string> HorizonNames { get; }

    /// <summary>Number of hours on the grid.</summary>
    public int Length => Target.Length;

    /// <summary>The level of origin t: log(1 + latest value at or before t) and its age, if one is recent enough.</summary>
    public bool TryLevel(int t, out double level, out int age)
    {
        for (age = 0; age <= MaxLevelAgeHours && t - age >= 0; age++)
        {
            if (t - age < _log.Length && !double.IsNaN(_log[t - age]))
            {
                level = _log[t - age];
                return true;
            }
        }
        level = double.NaN;
        age = -1;
        return false;
    }

    /// <summary>What a model learns to predict for (t, h): log(1 + y[t + h]) - level, NaN when unknown.</summary>
    public double Delta(int t, int h)
    {
        if (t + h >= _log.Length || !TryLevel(t, out var level, out _)) return double.NaN;
        return _log[t + h] - level;
    }

    /// <summary>Turns a predicted delta back into the target's unit.</summary>
    public double ToValue(int t, double delta) =>
        TryLevel(t, out var level, out _) ? Math.Max(0, Math.Exp(level + delta) - 1) : double.NaN;

    /// <summary>log(1 + y) at hour i, NaN when missing or outside the grid.</summary>
    public double LogAt(int i) => i >= 0 && i < _log.Length ? _log[i] : double.NaN;

    /// <summary>Origin features of t (cached; the caller must not change the array).</summary>
    public double[] Origin(int t)
    {
        // One slot per hour of the grid, filled without a lock: two threads that build the same origin at once build
        // equal arrays and the first one stored is kept. Origins off the grid are built each time.
        var cacheable = (uint)t < (uint)_originCache.Length;
        if (cacheable && Volatile.Read(ref _originCache[t]) is { } cached) return cached;
        var f = new double[OriginNames.Count];
        if (!TryLevel(t, out var level, out var age))
        {
            Array.Fill(f, double.NaN);
            return f;
        }
        var n = 0;
        f[n++] = age;
        var missing = 0;
        for (var i = t - 23; i <= t; i++) if (double.IsNaN(LogAt(i))) missing++;
        f[n++] = missing / 24.0;
        foreach (var k in Lags)
            if (k > 1) f[n++] = LogAt(t + 1 - k) - level;
        foreach (var w in MeanWindows)
            f[n++] = Mean(_log, t, w) - level;
        foreach (var w in StdWindows)
            f[n++] = Std(_log, t, w);
        foreach (var (_, values, weather) in _covariates)
        {
            var now = t >= 0 && t < values.Length ? values[t] : double.NaN;
            var day = Mean(values, t, 24);
            var week = Mean(values, t, Lookback);
            f[n++] = weather ? now - week : Log1p(now) - Log1p(week);
            f[n++] = weather ? day - week : Log1p(day) - Log1p(week);
        }
        return cacheable ? Interlocked.CompareExchange(ref _originCache[t], f, null) ?? f : f;
    }

    /// <summary>Features of the target hour t + h, known at origin t.</summary>
    public void Horizon(int t, int h, Span<double> f)
    {
        // Indian days, weekends and festivals run on IST (UTC+05:30, no daylight saving).
        var hour = Ist(Series.HourAt(t + h));
        var level = TryLevel(t, out var l, out _) ? l : double.NaN;
        var n = 0;
        f[n++] = Math.Sin(2 * Math.PI * hour.Hour / 24);
        f[n++] = Math.Cos(2 * Math.PI * hour.Hour / 24);
        f[n++] = (int)hour.DayOfWeek;
        f[n++] = hour.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 1 : 0;
        if (Layout.YearCycle)
        {
            f[n++] = Math.Sin(2 * Math.PI * hour.DayOfYear / 365.25);
            f[n++] = Math.Cos(2 * Math.PI * hour.DayOfYear / 365.25);
            f[n++] = Season(hour.Month);
        }
        // The latest known value at the target's hour of day: 24 h before it, or 48 h when that is still ahead.
        var back = h <= 24 ? 24 : 48;
        f[n++] = LogAt(t + h - back) - level;
        // How the target's hour of day has stood against the daily mean over the last week.
        double sum = 0;
        var count = 0;
        for (var i = t + h - back; i > t - Lookback; i -= 24)
        {
            var v = LogAt(i);
            if (double.IsNaN(v)) continue;
            sum += v;
            count++;
        }
        var weekMean = Mean(_log, t, Lookback);
        f[n++] = count >= 3 ? sum / count - weekMean : double.NaN;
        if (Layout.TargetWeather)
        {
            // Weather at the target hour against the origin's: observed in training, forecast when serving (the
            // future hours of a serving series carry a weather forecast), observed under evaluate's upper bound.
            foreach (var (_, values, weather) in _covariates)
            {
                if (!weather) continue;
                var now = t >= 0 && t < values.Length ? values[t] : double.NaN;
                var then = t + h < values.Length ? values[t + h] : double.NaN;
                f[n++] = then - now;
            }
        }
    }

    /// <summary>India Standard Time of a UTC hour (a fixed offset of 5 h 30 min).</summary>
    public static DateTime Ist(DateTime utc) => DateTime.SpecifyKind(utc.AddMinutes(330), DateTimeKind.Unspecified);

    /// <summary>Indian seasons: 0 winter (Dec-Feb), 1 pre-monsoon (Mar-May), 2 monsoon (Jun-Sep), 3 post-monsoon (Oct-Nov).</summary>
    public static int Season(int month) => month switch
    {
        12 or 1 or 2 => 0,
        3 or 4 or 5 => 1,
        6 or 7 or 8 or 9 => 2,
        _ => 3,
    };

    private static double Log1p(double v) => double.IsNaN(v) ? double.NaN : Math.Log(1 + Math.Max(0, v));

    /// <summary>Mean of the window of w hours ending at t, NaN when fewer than half of them are present.</summary>
    private static double Mean(double[] values, int t, int w)
    {
        double sum = 0;
        var count = 0;
        for (var i = Math.Max(0, t - w + 1); i <= t && i < values.Length; i++)
        {
            if (double.IsNaN(values[i])) continue;
            sum += values[i];
            count++;
        }
        return count * 2 >= w ? sum / count : double.NaN;
    }

    private static double Std(double[] values, int t, int w)
    {
        var mean = Mean(values, t, w);
        if (double.IsNaN(mean)) return double.NaN;
        double sum = 0;
        var count = 0;
        for (var i = Math.Max(0, t - w + 1); i <= t && i < values.Length; i++)
        {
            if (double.IsNaN(values[i])) continue;
            sum += (values[i] - mean) * (values[i] - mean);
            count++;
        }
        return count > 1 ? Math.Sqrt(sum / (count - 1)) : double.NaN;
    }
}
