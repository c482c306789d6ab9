using System.Diagnostics;
using System.Text.Json.Serialization;
using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;
using AirQuality.Forecasting.Training;

namespace AirQuality.Forecasting.Evaluation;

/// <summary>A span of a history and how many hours of it have a known target.</summary>
public sealed record SpanInfo(DateTime From, DateTime To, int Samples);

/// <summary>
/// What `evaluate` reports, for either protocol. Property names map to the JSON the command writes. `models`: every
/// family and both baselines; `served`: what the service would have served; `intervals`: coverage of the served bands
/// on hours not used to calibrate them; `skill_ci`: day-block bootstrap of the served skill against persistence.
/// </summary>
public sealed record EvaluationReport(
    string Protocol,
    string Target,
    string Location,
    string Weather,
    bool UpperBound,
    IReadOnlyList<string> Covariates,
    SpanInfo? Train,
    SpanInfo? Test,
    DateTime? ScoredFrom,
    DateTime? ScoredTo,
    IReadOnlyList<int> Horizons,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, ForecastMetrics>> Models,
    [property: JsonPropertyName("average_1_48")] IReadOnlyDictionary<string, ForecastMetrics> Average148,
    IReadOnlyDictionary<string, ForecastMetrics> Served,
    [property: JsonPropertyName("served_average_1_48")] ForecastMetrics ServedAverage148,
    IReadOnlyDictionary<string, double> ServedModels,
    IReadOnlyDictionary<string, double> Skill,
    [property: JsonPropertyName("skill_ci")] IReadOnlyDictionary<string, SkillInterval> SkillCi,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, MonthFigures>> ByMonth,
    IReadOnlyDictionary<string, double> CategoryAccuracy,
    IReadOnlyDictionary<string, double> CategoryAccuracyPersistence,
    string Champion,
    string ChampionReason,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Intervals,
    [property: JsonPropertyName("intervals_average_1_48")] IReadOnlyDictionary<string, double> IntervalsAverage148,
    IReadOnlyDictionary<string, double> TrainSeconds,
    IReadOnlyDictionary<string, string> Unavailable,
    [property: JsonPropertyName("validation_average_1_48")] IReadOnlyDictionary<string, ForecastMetrics> Validation148,
    int Retrains,
    double? RetrainEveryHours,
    double WallSeconds,
    double CpuSeconds = double.NaN)
{
    /// <summary>The label of a run that used observed target-hour weather as if it had been forecast.</summary>
    public const string UpperBoundLabel = "observed-as-forecast: observed weather of the target hour stood in for a forecast; an upper bound, not what the service can reach";
}

/// <summary>CPU time of the whole process (every thread) since it was started: what a run costs on a shared machine, whatever its load.</summary>
internal readonly struct CpuClock
{
    private readonly TimeSpan _start;

    private CpuClock(TimeSpan start) => _start = start;

    public static CpuClock Start() => new(Process.GetCurrentProcess().TotalProcessorTime);

    public double Seconds => (Process.GetCurrentProcess().TotalProcessorTime - _start).TotalSeconds;
}

/// <summary>Shared by both protocols.</summary>
internal static class EvaluationParts
{
    public static string WeatherLabel(CovariateUse use) => use switch
    {
        CovariateUse.None => "none: the target's own history only",
        CovariateUse.AllWithTargetWeather => EvaluationReport.UpperBoundLabel,
        _ => "origin: pollutants and weather known at the forecast origin only",
    };

    /// <summary>Every model of an outcome that can forecast, by code.</summary>
    public static Dictionary<string, double[]> Deltas(TrainingOutcome outcome, Func<FeatureLayout, FeatureBuilder> features, IReadOnlyList<ForecastPoint> points)
    {
        var result = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var o in outcome.Families.Where(o => o.Model is not null))
        {
            try
            {
                result[o.Family.Code()] = o.Model!.PredictDeltas(features(o.Family.IsBaseline() ? BaselineLayout(outcome.Target) : outcome.Layout), points);
            }
            catch (InvalidOperationException)
            {
                // A model that cannot read these features has no forecasts here.
            }
        }
        return result;
    }

    public static FeatureLayout BaselineLayout(ForecastTarget target) => new(target, [], false);
}

/// <summary>
/// The split protocol of `evaluate` (the default): a time split, never shuffled. The trainer the service uses trains
/// and validates on the earlier part; every model and the served champion are scored on the later part, which no model
/// saw, with the bands the trainer calibrated.
/// </summary>
public static class HoldoutEvaluation
{
    public static EvaluationReport Run(HourlySeries series, ForecastTarget target, string location, IReadOnlyList<int> horizons,
        double testFraction, ForecastTrainer trainer, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        if (testFraction is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(testFraction), "must be between 0 and 1");
        var wall = Stopwatch.StartNew();
        var cpu = CpuClock.Start();
        var n = series.Length;
        var testStart = n - (int)Math.Round(n * testFraction);
        var trainPart = series.Slice(0, testStart);
        var y = target.Values(series);
        var outcome = trainer.Train(trainPart, target, null,
            o => log?.Invoke(o.Problem is null
                ? $"{o.Family.Code(),-18} validation MAE {o.ValidationAverage.Mae,8:0.00} (1-48 h){(o.TrainSeconds > 0 ? $", trained in {o.TrainSeconds:0.0} s" : "")}"
                : $"{o.Family.Code(),-18} not trained: {o.Problem}"),
            cancellationToken);

        var builders = new Dictionary<FeatureLayout, FeatureBuilder>();
        FeatureBuilder Features(FeatureLayout l) => builders.TryGetValue(l, out var f) ? f : builders[l] = new FeatureBuilder(y, series, l);
        var features = Features(outcome.Layout);
        var points = new TrainingWindow(testStart, n, n).Points(features).ToList();
        var deltas = EvaluationParts.Deltas(outcome, Features, points);
        var champion = outcome.Of(outcome.Champion);
        var book = new Scorebook(series, target);
        var halfWidths = champion.HalfWidths.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<double>)kv.Value);
        if (halfWidths.Count == 0)
            halfWidths = ConformalInterval.Levels.ToDictionary(l => l, _ => (IReadOnlyList<double>)Enumerable.Repeat(BandCalibration.Fallback, FeatureBuilder.MaxHorizon).ToArray());
        book.Add(features, points, deltas, outcome.Champion.Code(), deltas[outcome.Champion.Code()], halfWidths,
            trainer.Settings.LiveBands ? new LiveBandReplay(LiveBands.DefaultHorizons) : null);

        var unavailable = outcome.Families.Where(o => o.Model is null).ToDictionary(o => o.Family.Code(), o => o.Problem ?? "not trained");
        var seconds = outcome.Families.Where(o => !o.Family.IsBaseline() && o.Model is not null).ToDictionary(o => o.Family.Code(), o => Math.Round(o.TrainSeconds, 2));
        var validation = outcome.Families.Where(o => o.Model is not null).ToDictionary(o => o.Family.Code(), o => o.ValidationAverage);
        var (from, to) = book.Span();
        return new EvaluationReport("split", target.Code(), location, EvaluationParts.WeatherLabel(trainer.Settings.Covariates),
            trainer.Settings.Covariates == CovariateUse.AllWithTargetWeather, outcome.Layout.Covariates,
            Span(series, y, 0, testStart), Span(series, y, testStart, n), from, to, horizons,
            book.Models(horizons), book.Average148(), book.Served(horizons), book.ServedAverage148(), book.ServedShares(), book.Skill(horizons),
            book.SkillIntervals(horizons), book.ByMonth(horizons), book.CategoryAccuracy(horizons), book.CategoryAccuracy(horizons, persistence: true),
            outcome.Champion.Code(), outcome.ChampionReason, book.Intervals(horizons), book.IntervalsAverage148(), seconds, unavailable, validation,
            1, null, Math.Round(wall.Elapsed.TotalSeconds, 1), Math.Round(cpu.Seconds, 1));
    }

    private static SpanInfo Span(HourlySeries s, double[] y, int from, int to) =>
        new(s.HourAt(from), s.HourAt(to - 1), y[from..to].Count(v => !double.IsNaN(v)));
}
