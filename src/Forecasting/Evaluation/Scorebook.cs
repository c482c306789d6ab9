using System.Globalization;
using AirQuality.Domain.Aqi;
using AirQuality.Domain.Readings;
using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;

namespace AirQuality.Forecasting.Evaluation;

/// <summary>Skill of the served forecast against persistence at one horizon, with its 95 % day-block bootstrap interval.</summary>
public sealed record SkillInterval(double Skill, double Lower, double Upper, int Days);

/// <summary>Served and persistence MAE of one month at one horizon.</summary>
public sealed record MonthFigures(double ServedMae, double PersistenceMae, int Count);

/// <summary>
/// Every forecast an evaluation scored, by horizon: what happened, what each model said, what was served and its
/// bands. All models of a block are scored on the same (origin, horizon) points, so figures compare like with like
/// and served and persistence errors pair up for the bootstrap.
/// </summary>
public sealed class Scorebook(HourlySeries series, ForecastTarget target)
{
    private readonly List<int>[] _origins = Make<int>();
    private readonly List<double>[] _actual = Make<double>();
    private readonly Dictionary<string, List<double>[]> _models = new(StringComparer.Ordinal);
    private readonly List<double>[] _served = Make<double>();
    private readonly List<double>[] _persistence = Make<double>();
    private readonly Dictionary<double, List<bool>[]> _inside = ConformalInterval.Levels.ToDictionary(l => l, _ => Make<bool>());
    private readonly Dictionary<string, int> _servedBy = new(StringComparer.Ordinal);

    private static List<T>[] Make<T>() => Enumerable.Range(0, FeatureBuilder.MaxHorizon).Select(_ => new List<T>()).ToArray();

    /// <summary>Forecast-actual pairs of served forecasts.</summary>
    public int Count => _served.Sum(l => l.Count);

    /// <summary>
    /// Scores a block of points: each model's deltas (NaN where it made none), the served deltas and the served bands
    /// (half-widths per horizon, index h - 1), rescaled at each origin by <paramref name="live"/> when given (which is
    /// told each served forecast's residual as it is scored).
    /// </summary>
    public void Add(FeatureBuilder features, IReadOnlyList<ForecastPoint> points, IReadOnlyDictionary<string, double[]> models,
        string servedModel, double[] served, IReadOnlyDictionary<double, IReadOnlyList<double>> halfWidths, LiveBandReplay? live = null)
    {
        foreach (var code in models.Keys)
            if (!_models.ContainsKey(code))
            {
                // A model first seen now has no forecasts for the earlier points.
                var lists = Make<double>();
                for (var h = 0; h < lists.Length; h++) lists[h].AddRange(Enumerable.Repeat(double.NaN, _actual[h].Count));
                _models[code] = lists;
            }
        var persistence = PersistenceModel.Instance.PredictDeltas(features, points);
        for (var i = 0; i < points.Count; i++)
        {
            var (t, h) = (points[i].Origin, points[i].Horizon);
            var actual = features.Target[t + h];
            var value = features.ToValue(t, served[i]);
            if (double.IsNaN(actual) || double.IsNaN(value)) continue;
            var k = h - 1;
            _origins[k].Add(t);
            _actual[k].Add(actual);
            _served[k].Add(value);
            _persistence[k].Add(features.ToValue(t, persistence[i]));
            foreach (var (code, lists) in _models)
                lists[k].Add(models.TryGetValue(code, out var d) ? features.ToValue(t, d[i]) : double.NaN);
            var bands = live?.At(t, halfWidths) ?? halfWidths;
            var residual = ConformalInterval.Residual(actual, value);
            foreach (var level in ConformalInterval.Levels)
                _inside[level][k].Add(residual <= bands[level][k]);
            live?.Record(h, t + h, residual);
            _servedBy[servedModel] = _servedBy.GetValueOrDefault(servedModel) + 1;
        }
    }

    private static string Key(int h) => h.ToString(CultureInfo.InvariantCulture);

    /// <summary>Per model and horizon.</summary>
    public Dictionary<string, IReadOnlyDictionary<string, ForecastMetrics>> Models(IReadOnlyList<int> horizons) =>
        _models.ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<string, ForecastMetrics>)horizons.ToDictionary(Key, h => ForecastMetrics.Of(_actual[h - 1], kv.Value[h - 1])));

    /// <summary>Per model, averaged over horizons 1-48.</summary>
    public Dictionary<string, ForecastMetrics> Average148() =>
        _models.ToDictionary(kv => kv.Key, kv => ForecastMetrics.Average(Enumerable.Range(0, FeatureBuilder.MaxHorizon).Select(k => ForecastMetrics.Of(_actual[k], kv.Value[k]))));

    public IReadOnlyDictionary<string, ForecastMetrics> Served(IReadOnlyList<int> horizons) => horizons.ToDictionary(Key, h => ForecastMetrics.Of(_actual[h - 1], _served[h - 1]));

    public ForecastMetrics ServedAverage148() => ForecastMetrics.Average(Enumerable.Range(0, FeatureBuilder.MaxHorizon).Select(k => ForecastMetrics.Of(_actual[k], _served[k])));

    public ForecastMetrics PersistenceAverage148() => ForecastMetrics.Average(Enumerable.Range(0, FeatureBuilder.MaxHorizon).Select(k => ForecastMetrics.Of(_actual[k], _persistence[k])));

    /// <summary>Share of served forecasts per model that served them.</summary>
    public IReadOnlyDictionary<string, double> ServedShares()
    {
        var total = Math.Max(1, _servedBy.Values.Sum());
        return _servedBy.OrderByDescending(kv => kv.Value).ToDictionary(kv => kv.Key, kv => (double)kv.Value / total);
    }

    /// <summary>Coverage of the served bands per level ("0.8") and horizon, out of sample.</summary>
    public Dictionary<string, IReadOnlyDictionary<string, double>> Intervals(IReadOnlyList<int> horizons) =>
        _inside.ToDictionary(kv => kv.Key.ToString("0.0", CultureInfo.InvariantCulture),
            kv => (IReadOnlyDictionary<string, double>)horizons.ToDictionary(Key, h => Share(kv.Value[h - 1])));

    public Dictionary<string, double> IntervalsAverage148() =>
        _inside.ToDictionary(kv => kv.Key.ToString("0.0", CultureInfo.InvariantCulture),
            kv => kv.Value.Where(l => l.Count > 0).Select(Share).DefaultIfEmpty(double.NaN).Average());

    private static double Share(List<bool> l) => l.Count == 0 ? double.NaN : (double)l.Count(x => x) / l.Count;

    /// <summary>Served skill (1 - MAE / MAE of persistence) per horizon.</summary>
    public IReadOnlyDictionary<string, double> Skill(IReadOnlyList<int> horizons) => horizons.ToDictionary(Key, h =>
    {
        var s = ForecastMetrics.Of(_actual[h - 1], _served[h - 1]).Mae;
        var p = ForecastMetrics.Of(_actual[h - 1], _persistence[h - 1]).Mae;
        return p > 0 ? 1 - s / p : double.NaN;
    });

    /// <summary>
    /// 95 % interval of the served skill per horizon from a day-block bootstrap: whole days of origins (IST) are drawn
    /// with replacement, so the hour-to-hour correlation of errors is kept inside each block.
    /// </summary>
    public IReadOnlyDictionary<string, SkillInterval> SkillIntervals(IReadOnlyList<int> horizons, int resamples = 1000, int seed = 7) => horizons.ToDictionary(Key, h =>
    {
        var k = h - 1;
        var days = new Dictionary<DateTime, (double Served, double Persistence)>();
        for (var i = 0; i < _served[k].Count; i++)
        {
            if (double.IsNaN(_persistence[k][i])) continue;
            var day = FeatureBuilder.Ist(series.HourAt(_origins[k][i])).Date;
            var (s, p) = days.GetValueOrDefault(day);
            days[day] = (s + Math.Abs(_actual[k][i] - _served[k][i]), p + Math.Abs(_actual[k][i] - _persistence[k][i]));
        }
        var blocks = days.Values.ToArray();
        if (blocks.Length == 0) return new SkillInterval(double.NaN, double.NaN, double.NaN, 0);
        var point = 1 - blocks.Sum(b => b.Served) / blocks.Sum(b => b.Persistence);
        var random = new Random(seed);
        var samples = new double[resamples];
        for (var r = 0; r < resamples; r++)
        {
            double s = 0, p = 0;
            for (var j = 0; j < blocks.Length; j++)
            {
                var b = blocks[random.Next(blocks.Length)];
                s += b.Served;
                p += b.Persistence;
            }
            samples[r] = p > 0 ? 1 - s / p : double.NaN;
        }
        var sorted = samples.Where(double.IsFinite).Order().ToArray();
        return sorted.Length == 0
            ? new SkillInterval(point, double.NaN, double.NaN, blocks.Length)
            : new SkillInterval(point, sorted[(int)(0.025 * (sorted.Length - 1))], sorted[(int)Math.Ceiling(0.975 * (sorted.Length - 1))], blocks.Length);
    });

    /// <summary>Served and persistence MAE per month (IST, of the target hour) and horizon.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, MonthFigures>> ByMonth(IReadOnlyList<int> horizons)
    {
        var result = new SortedDictionary<string, Dictionary<string, MonthFigures>>(StringComparer.Ordinal);
        foreach (var h in horizons)
        {
            var k = h - 1;
            foreach (var g in Enumerable.Range(0, _served[k].Count).GroupBy(i => FeatureBuilder.Ist(series.HourAt(_origins[k][i] + h)).ToString("yyyy-MM", CultureInfo.InvariantCulture)))
            {
                var idx = g.Where(i => !double.IsNaN(_persistence[k][i])).ToList();
                if (idx.Count == 0) continue;
                if (!result.TryGetValue(g.Key, out var month)) result[g.Key] = month = [];
                month[Key(h)] = new MonthFigures(idx.Average(i => Math.Abs(_actual[k][i] - _served[k][i])), idx.Average(i => Math.Abs(_actual[k][i] - _persistence[k][i])), idx.Count);
            }
        }
        return result.ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<string, MonthFigures>)kv.Value);
    }

    /// <summary>Share of served (or persistence) forecasts whose India category, of the target's sub-index, is the observed one.</summary>
    public IReadOnlyDictionary<string, double> CategoryAccuracy(IReadOnlyList<int> horizons, bool persistence = false) => horizons.ToDictionary(Key, h =>
    {
        var k = h - 1;
        var forecast = persistence ? _persistence[k] : _served[k];
        int same = 0, n = 0;
        for (var i = 0; i < forecast.Count; i++)
        {
            if (Category(_actual[k][i]) is not { } a || Category(forecast[i]) is not { } f) continue;
            n++;
            if (a == f) same++;
        }
        return n == 0 ? double.NaN : (double)same / n;
    });

    private string? Category(double value)
    {
        if (!double.IsFinite(value)) return null;
        var aqi = target == ForecastTarget.Pm25 ? IndiaAqi.SubIndexOf(Pollutant.Pm25, value)?.Value : (int)Math.Round(Math.Min(500, value));
        return aqi is { } a ? IndiaAqi.Category(a) : null;
    }

    /// <summary>The first and last target hours scored.</summary>
    public (DateTime? From, DateTime? To) Span()
    {
        int? min = null, max = null;
        for (var k = 0; k < _origins.Length; k++)
            for (var i = 0; i < _origins[k].Count; i++)
            {
                var t = _origins[k][i] + k + 1;
                if (min is null || t < min) min = t;
                if (max is null || t > max) max = t;
            }
        return (min is { } a ? series.HourAt(a) : null, max is { } b ? series.HourAt(b) : null);
    }
}
