using System.Diagnostics;
using AirQuality.Forecasting.Evaluation;
using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;

namespace AirQuality.Forecasting.Training;

/// <summary>A serving model to score against the challengers, with the layout it was trained on.</summary>
public sealed record IncumbentModel(IForecastModel Model, FeatureLayout Layout);

/// <summary>
/// Trains every family on a history, scores them and the baselines on its newest part (never shuffled), calibrates
/// the bands and picks the champion. Pure computation: no grains, no storage, safe on any thread.
/// </summary>
public sealed class ForecastTrainer(IReadOnlyList<IForecastFamily> families, ForecastSettings settings)
{
    /// <summary>The four trained families; the LSTM reports itself unavailable when TorchSharp cannot load.</summary>
    public static IReadOnlyList<IForecastFamily> DefaultFamilies(string? lstmUnavailableReason = null) =>
        [new LinearFamily(), new RandomForestFamily(), new GradientBoostingFamily(), new LstmFamily(lstmUnavailableReason)];

    /// <summary>First origin used for training: enough hours for the shorter lags to exist.</summary>
    public const int FirstOrigin = 24;

    /// <summary>Fewest hours a history needs: a validation window of two days after enough training.</summary>
    public const int MinimumHours = 14 * 24;

    public IReadOnlyList<IForecastFamily> Families => families;

    public ForecastSettings Settings => settings;

    /// <summary>Trains on the whole series: the newest <see cref="ForecastSettings.ValidationFraction"/> validates.</summary>
    /// <param name="progress">Told each family's result as it finishes (for logs).</param>
    public TrainingOutcome Train(HourlySeries series, ForecastTarget target, IncumbentModel? incumbent = null,
        Action<FamilyOutcome>? progress = null, CancellationToken cancellationToken = default)
    {
        if (series.Length < MinimumHours)
            throw new InsufficientHistoryException($"{series.Length} hours of history; at least {MinimumHours} are needed to train and validate");
        var y = target.Values(series);
        var n = series.Length;
        var validationStart = n - Math.Max(FeatureBuilder.MaxHorizon * 2, (int)Math.Round(n * settings.ValidationFraction));
        var layout = FeatureLayout.Choose(series, target, 0, validationStart);
        var features = new FeatureBuilder(y, series, layout);
        var fitWindow = new TrainingWindow(FirstOrigin, validationStart, validationStart);
        var validation = new TrainingWindow(validationStart, n, n);
        var all = new TrainingWindow(FirstOrigin, n, n);

        var outcomes = new List<FamilyOutcome>();
        foreach (var baseline in new IForecastModel[] { PersistenceModel.Instance, SeasonalNaiveModel.Instance })
        {
            var o = Score(baseline.Family, baseline, features, validation, 0, 0, null);
            outcomes.Add(o);
            progress?.Invoke(o);
        }
        foreach (var family in families)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var o = TrainOne(family, features, fitWindow, validation, cancellationToken);
            outcomes.Add(o);
            progress?.Invoke(o);
        }
        var (champion, reason) = ChampionSelection.Choose(outcomes);
        if (settings.RefitOnAllData)
        {
            // Only the model that will serve is trained again on all history: the others are kept as validated, which
            // halves the cost of a retraining (their versions say how many samples they learned from).
            for (var i = 0; i < outcomes.Count; i++)
            {
                var o = outcomes[i];
                if (!o.Trained || o.Family.IsBaseline() || !(settings.RefitAllFamilies || o.Family == champion)) continue;
                outcomes[i] = Refit(families.First(f => f.Family == o.Family), o, features, all, cancellationToken);
            }
        }

        FamilyOutcome? scoredIncumbent = null;
        if (incumbent is not null)
        {
            var incumbentFeatures = incumbent.Layout == layout ? features : new FeatureBuilder(target.Values(series), series, incumbent.Layout);
            try
            {
                scoredIncumbent = Score(incumbent.Model.Family, incumbent.Model, incumbentFeatures, validation, 0, 0, null);
            }
            catch (Exception ex) when (ex is InvalidOperationException or FamilyUnavailableException)
            {
                scoredIncumbent = Failed(incumbent.Model.Family, $"the serving model could not be scored: {ex.Message}");
            }
        }
        return new TrainingOutcome(target, series.Start, series.End, n, validationStart, layout, outcomes, champion, reason, scoredIncumbent);
    }

    private FamilyOutcome TrainOne(IForecastFamily family, FeatureBuilder features, TrainingWindow fit, TrainingWindow validation,
        CancellationToken cancellationToken)
    {
        if (family.UnavailableReason is { } reason) return Failed(family.Family, reason);
        var watch = Stopwatch.StartNew();
        try
        {
            var model = family.Fit(features, fit, settings, cancellationToken);
            var samples = fit.Points(features).Count();
            var scored = Score(family.Family, model, features, validation, 0, samples, null);
            return scored with { TrainSeconds = watch.Elapsed.TotalSeconds };
        }
        catch (Exception ex) when (IsFamilyFailure(ex))
        {
            return Failed(family.Family, ex.Message) with { TrainSeconds = watch.Elapsed.TotalSeconds };
        }
    }

    /// <summary>Trains a validated family again on all history; its validation figures and bands stay those of the validated fit.</summary>
    private FamilyOutcome Refit(IForecastFamily family, FamilyOutcome validated, FeatureBuilder features, TrainingWindow all, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            var model = family.Fit(features, all, settings, cancellationToken);
            return validated with { Model = model, Samples = all.Points(features).Count(), TrainSeconds = validated.TrainSeconds + watch.Elapsed.TotalSeconds, Refitted = true };
        }
        catch (Exception ex) when (IsFamilyFailure(ex))
        {
            // The validated model still serves: it is what the figures describe.
            return validated with { TrainSeconds = validated.TrainSeconds + watch.Elapsed.TotalSeconds };
        }
    }

    /// <summary>
    /// Whatever one family throws while training fails that family only (too little history, an unavailable runtime, a
    /// native library error such as TorchSharp's <see cref="System.Runtime.InteropServices.ExternalException"/>); the
    /// others still train and serve. Cancellation and running out of memory are not a family's failure.
    /// </summary>
    private static bool IsFamilyFailure(Exception ex) => ex is not (OperationCanceledException or OutOfMemoryException);

    private static FamilyOutcome Score(ModelFamily family, IForecastModel model, FeatureBuilder features, TrainingWindow validation,
        double seconds, int samples, string? problem)
    {
        var predictions = Backtest.Run(model, features, validation);
        var perHorizon = TrainingWindow.AllHorizons.Select(predictions.Metrics).ToArray();
        var halfWidths = new Dictionary<double, double[]>();
        var coverage = new Dictionary<double, double>();
        foreach (var level in ConformalInterval.Levels)
        {
            halfWidths[level] = TrainingWindow.AllHorizons.Select(h => ConformalInterval.HalfWidth(predictions.Residuals(h), level)).ToArray();
            coverage[level] = TrainingWindow.AllHorizons
                .Select(h => ConformalInterval.Coverage(predictions.Actual(h), predictions.Predicted(h), halfWidths[level][h - 1]))
                .Where(c => !double.IsNaN(c)).DefaultIfEmpty(double.NaN).Average();
        }
        return new FamilyOutcome(family, perHorizon, ForecastMetrics.Average(perHorizon), halfWidths, model, seconds, samples, problem)
        {
            ValidationCoverage = coverage,
        };
    }

    private static FamilyOutcome Failed(ModelFamily family, string problem) =>
        new(family, [], new ForecastMetrics(double.NaN, double.NaN, double.NaN, null, 0), new Dictionary<double, double[]>(), null, 0, 0, problem);
}
