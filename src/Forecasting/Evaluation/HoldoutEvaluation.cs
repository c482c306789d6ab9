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
/// What `evaluate` reports: every family and both baselines trained (and validated) on the earlier part of a history
/// and scored on the later part, which no model saw. Property names map to the JSON the command writes.
/// </summary>
public sealed record HoldoutReport(
    string Target,
    string Location,
    SpanInfo Train,
    SpanInfo Test,
    IReadOnlyList<int> Horizons,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, ForecastMetrics>> Models,
    [property: JsonPropertyName("average_1_48")] IReadOnlyDictionary<string, ForecastMetrics> Average148,
    string Champion,
    string ChampionReason,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Intervals,
    [property: JsonPropertyName("intervals_average_1_48")] IReadOnlyDictionary<string, double> IntervalsAverage148,
    IReadOnlyDictionary<string, double> TrainSeconds,
    IReadOnlyDictionary<string, string> Unavailable,
    [property: JsonPropertyName("validation_average_1_48")] IReadOnlyDictionary<string, ForecastMetrics> Validation148);

/// <summary>Runs the hold-out evaluation of `evaluate`: a time split, never shuffled.</summary>
public static class HoldoutEvaluation
{
    public static HoldoutReport Run(HourlySeries series, ForecastTarget target, string location, IReadOnlyList<int> horizons,
        double testFraction, ForecastTrainer trainer, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        if (testFraction is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(testFraction), "must be between 0 and 1");
        var n = series.Length;
        var testStart = n - (int)Math.Round(n * testFraction);
        var trainPart = series.Slice(0, testStart);
        var y = target.Values(series);
        var outcome = trainer.Train(trainPart, target, null,
            o => log?.Invoke(o.Problem is null
                ? $"{o.Family.Code(),-18} validation MAE {o.ValidationAverage.Mae,8:0.00} (1-48 h){(o.TrainSeconds > 0 ? $", trained in {o.TrainSeconds:0.0} s" : "")}"
                : $"{o.Family.Code(),-18} not trained: {o.Problem}"),
            cancellationToken);

        var features = new FeatureBuilder(y, series, outcome.Layout);
        var test = new TrainingWindow(testStart, n, n);
        var models = new Dictionary<string, IReadOnlyDictionary<string, ForecastMetrics>>();
        var average = new Dictionary<string, ForecastMetrics>();
        var validation = new Dictionary<string, ForecastMetrics>();
        var seconds = new Dictionary<string, double>();
        var unavailable = new Dictionary<string, string>();
        HorizonPredictions? championPredictions = null;
        foreach (var o in outcome.Families)
        {
            if (o.Model is null)
            {
                unavailable[o.Family.Code()] = o.Problem ?? "not trained";
                continue;
            }
            var watch = Stopwatch.StartNew();
            var predictions = Backtest.Run(o.Model, features, test);
            models[o.Family.Code()] = horizons.ToDictionary(h => h.ToString(System.Globalization.CultureInfo.InvariantCulture), predictions.Metrics);
            average[o.Family.Code()] = ForecastMetrics.Average(TrainingWindow.AllHorizons.Select(predictions.Metrics));
            validation[o.Family.Code()] = o.ValidationAverage;
            if (!o.Family.IsBaseline()) seconds[o.Family.Code()] = Math.Round(o.TrainSeconds, 2);
            if (o.Family == outcome.Champion) championPredictions = predictions;
            log?.Invoke($"{o.Family.Code(),-18} test MAE {average[o.Family.Code()].Mae,8:0.00} (1-48 h), scored in {watch.Elapsed.TotalSeconds:0.0} s");
        }

        var intervals = new Dictionary<string, IReadOnlyDictionary<string, double>>();
        var intervalsAverage = new Dictionary<string, double>();
        var champion = outcome.Of(outcome.Champion);
        foreach (var level in ConformalInterval.Levels)
        {
            var key = level.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
            double Coverage(int h) => ConformalInterval.Coverage(championPredictions!.Actual(h), championPredictions.Predicted(h), champion.HalfWidths[level][h - 1]);
            intervals[key] = horizons.ToDictionary(h => h.ToString(System.Globalization.CultureInfo.InvariantCulture), h => Math.Round(Coverage(h), 4));
            intervalsAverage[key] = Math.Round(TrainingWindow.AllHorizons.Select(Coverage).Where(c => !double.IsNaN(c)).Average(), 4);
        }
        return new HoldoutReport(
            target.Code(), location,
            Span(series, y, 0, testStart), Span(series, y, testStart, n),
            horizons, models, average, outcome.Champion.Code(), outcome.ChampionReason, intervals, intervalsAverage, seconds, unavailable, validation);
    }

    private static SpanInfo Span(HourlySeries s, double[] y, int from, int to) =>
        new(s.HourAt(from), s.HourAt(to - 1), y[from..to].Count(v => !double.IsNaN(v)));
}
