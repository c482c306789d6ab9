using AirQuality.Forecasting.Evaluation;
using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Forecasting;

/// <summary>
/// Live skill of a target: the forecasts the service issued, scored when their target hour has been observed, against
/// persistence (the value at the forecast's origin carried forward) scored on the same hours. Bounded per target: a
/// forecast waits at most <see cref="PendingHours"/> for its hours, and the scores are summed per UTC day of the target
/// hour for the last <c>days</c> days only (a rolling buffer of daily sums); the residuals of the last
/// <see cref="LiveBands.WindowHours"/> are kept to rescale the bands. Pure bookkeeping on the grain's state.
/// </summary>
public static class LiveSkillBook
{
    /// <summary>Hours after the longest horizon a forecast waits for its late hours before it is dropped unscored.</summary>
    public const int LateHours = 24;

    /// <summary>How long an issued forecast is kept for scoring.</summary>
    public static int PendingHours(IReadOnlyList<int> horizons) => (horizons.Count == 0 ? 0 : horizons.Max()) + LateHours;

    /// <summary>
    /// Records a forecast as issued (once per origin): its values at <paramref name="horizons"/> (index h - 1 of
    /// <paramref name="values"/>) and the persistence forecast, the value at its origin.
    /// </summary>
    public static void Issue(LiveSkillState state, DateTime origin, double persistence, IReadOnlyList<double> values, IReadOnlyList<int> horizons)
    {
        if (double.IsNaN(persistence) || state.Pending.Any(p => p.Origin == origin)) return;
        var hs = horizons.Where(h => h >= 1 && h <= values.Count).ToArray();
        if (hs.Length == 0) return;
        state.Pending.Add(new PendingForecast
        {
            Origin = origin,
            Persistence = persistence,
            Horizons = hs,
            Values = hs.Select(h => values[h - 1]).ToArray(),
            Scored = new bool[hs.Length],
        });
    }

    /// <summary>
    /// Scores every pending forecast hour that has been observed (<paramref name="observed"/> gives the value of an hour,
    /// NaN when unknown), drops forecasts fully scored or older than <see cref="PendingHours"/> of <paramref name="horizons"/>,
    /// and keeps only the daily sums of the last <paramref name="days"/> days.
    /// </summary>
    public static void Score(LiveSkillState state, Func<DateTime, double> observed, DateTime now, int days, IReadOnlyList<int> horizons)
    {
        foreach (var p in state.Pending)
            for (var i = 0; i < p.Horizons.Length; i++)
            {
                if (p.Scored[i]) continue;
                var hour = p.Origin.AddHours(p.Horizons[i]);
                if (hour > now) continue;
                var actual = observed(hour);
                if (double.IsNaN(actual) || double.IsNaN(p.Values[i])) continue;
                p.Scored[i] = true;
                var day = hour.Date;
                var bucket = state.Buckets.FirstOrDefault(b => b.Day == day && b.Horizon == p.Horizons[i]);
                if (bucket is null) state.Buckets.Add(bucket = new SkillBucket { Day = day, Horizon = p.Horizons[i] });
                bucket.Count++;
                bucket.AbsError += Math.Abs(actual - p.Values[i]);
                bucket.PersistenceAbsError += Math.Abs(actual - p.Persistence);
                state.Residuals.Add(new LiveResidual { Hour = hour, Horizon = p.Horizons[i], Residual = ConformalInterval.Residual(actual, p.Values[i]) });
            }
        var keepFrom = now.AddHours(-PendingHours(horizons));
        state.Pending.RemoveAll(p => p.Scored.All(s => s) || p.Origin < keepFrom);
        var firstDay = now.Date.AddDays(1 - Math.Max(1, days));
        state.Buckets.RemoveAll(b => b.Day < firstDay);
        var residualsFrom = now.AddHours(-LiveBands.WindowHours);
        state.Residuals.RemoveAll(r => r.Hour <= residualsFrom);
    }

    /// <summary>The matured residuals of the last <see cref="LiveBands.WindowHours"/> per horizon, which rescale the served bands.</summary>
    public static Dictionary<int, IReadOnlyList<double>> Residuals(LiveSkillState state, DateTime now)
    {
        var from = now.AddHours(-LiveBands.WindowHours);
        return state.Residuals.Where(r => r.Hour > from && r.Hour <= now).GroupBy(r => r.Horizon)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<double>)g.Select(r => r.Residual).ToList());
    }

    /// <summary>Per horizon with at least one scored forecast: count, MAE, persistence MAE and skill (1 - MAE / persistence MAE).</summary>
    public static IEnumerable<LiveSkill> Summary(string target, LiveSkillState state) =>
        state.Buckets.GroupBy(b => b.Horizon).OrderBy(g => g.Key).Select(g =>
        {
            var count = g.Sum(b => b.Count);
            var mae = g.Sum(b => b.AbsError) / count;
            var persistence = g.Sum(b => b.PersistenceAbsError) / count;
            double? skill = persistence > 0 ? Math.Round(1 - mae / persistence, 4) : null;
            return new LiveSkill(target, g.Key, count, Math.Round(mae, 3), Math.Round(persistence, 3), skill);
        });
}

/// <summary>What live skill keeps of a target: forecasts waiting for their hours and the daily sums of scored ones.</summary>
[GenerateSerializer]
public sealed class LiveSkillState
{
    [Id(0)] public List<PendingForecast> Pending { get; set; } = [];

    [Id(1)] public List<SkillBucket> Buckets { get; set; } = [];

    /// <summary>Log-space residuals of scored forecasts of the last <see cref="LiveBands.WindowHours"/> (by target hour).</summary>
    [Id(2)] public List<LiveResidual> Residuals { get; set; } = [];
}

/// <summary>One scored forecast hour's residual in the bands' log space.</summary>
[GenerateSerializer]
public sealed class LiveResidual
{
    [Id(0)] public DateTime Hour { get; set; }

    [Id(1)] public int Horizon { get; set; }

    [Id(2)] public double Residual { get; set; }
}

/// <summary>An issued forecast at the live-skill horizons, and which of them have been scored.</summary>
[GenerateSerializer]
public sealed class PendingForecast
{
    [Id(0)] public DateTime Origin { get; set; }

    /// <summary>The observed value at the origin: persistence's forecast for every horizon.</summary>
    [Id(1)] public double Persistence { get; set; }

    [Id(2)] public int[] Horizons { get; set; } = [];

    [Id(3)] public double[] Values { get; set; } = [];

    [Id(4)] public bool[] Scored { get; set; } = [];
}

/// <summary>Sums of the forecasts scored for one horizon whose target hour fell on one UTC day.</summary>
[GenerateSerializer]
public sealed class SkillBucket
{
    [Id(0)] public DateTime Day { get; set; }

    [Id(1)] public int Horizon { get; set; }

    [Id(2)] public int Count { get; set; }

    [Id(3)] public double AbsError { get; set; }

    [Id(4)] public double PersistenceAbsError { get; set; }
}
