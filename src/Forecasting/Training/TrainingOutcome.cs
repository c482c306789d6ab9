using AirQuality.Forecasting.Evaluation;
using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;

namespace AirQuality.Forecasting.Training;

/// <summary>How one family fared in a training run.</summary>
/// <param name="Validation">Validation metrics per horizon (index h - 1); empty when the family did not train.</param>
/// <param name="HalfWidths">Conformal half-widths per coverage level (0.8, 0.9), per horizon (index h - 1).</param>
/// <param name="Model">
/// The model: for the champion, trained again on all history when the settings say so; for the others, the model that
/// was validated (trained on the history before the validation window).
/// </param>
/// <param name="Problem">Why the family has no model: unavailable here, too little history, or a training error.</param>
public sealed record FamilyOutcome(
    ModelFamily Family,
    IReadOnlyList<ForecastMetrics> Validation,
    ForecastMetrics ValidationAverage,
    IReadOnlyDictionary<double, double[]> HalfWidths,
    IForecastModel? Model,
    double TrainSeconds,
    int Samples,
    string? Problem)
{
    public bool Trained => Model is not null && Problem is null;

    /// <summary>True when <see cref="Model"/> was trained again on all history after validation (the champion's case).</summary>
    public bool Refitted { get; init; }

    /// <summary>
    /// Coverage each band reached out of sample: bands calibrated on the earlier validation windows, measured on the
    /// last one (averaged over horizons 1-48).
    /// </summary>
    public IReadOnlyDictionary<double, double>? ValidationCoverage { get; init; }

    /// <summary>The same per horizon (index h - 1), NaN where a horizon had no pairs.</summary>
    public IReadOnlyDictionary<double, double[]>? ValidationCoverageByHorizon { get; init; }

    /// <summary>The last hour whose value <see cref="Model"/> learned from.</summary>
    public DateTime? TrainedThrough { get; init; }
}

/// <summary>
/// How the serving model and the run's choice compare, on forecasts neither was fitted on.
/// </summary>
/// <param name="IncumbentMae">The serving model's MAE (1-48 h average) on the compared forecasts; null when nothing can stand for it.</param>
/// <param name="ChallengerMae">The run's choice's MAE on the same forecasts.</param>
/// <param name="Points">Forecast-actual pairs compared (0 when compared by family).</param>
/// <param name="Basis">What was compared, in words.</param>
public sealed record IncumbentComparison(double? IncumbentMae, double? ChallengerMae, int Points, string Basis);

/// <summary>Everything one training run of a city (or a file) produced.</summary>
/// <param name="Champion">The family to serve.</param>
/// <param name="ChampionReason">Why, in a sentence an operator can read.</param>
/// <param name="Incumbent">The serving model scored on the same validation window, when there was one.</param>
public sealed record TrainingOutcome(
    ForecastTarget Target,
    DateTime From,
    DateTime To,
    int Hours,
    int ValidationStart,
    FeatureLayout Layout,
    IReadOnlyList<FamilyOutcome> Families,
    ModelFamily Champion,
    string ChampionReason,
    FamilyOutcome? Incumbent)
{
    /// <summary>The serving model against the run's choice on the same out-of-sample forecasts; null without a serving model.</summary>
    public IncumbentComparison? Comparison { get; init; }

    /// <summary>Start of each validation window (grid indices), then the end of the history.</summary>
    public IReadOnlyList<int> ValidationBounds { get; init; } = [];

    public FamilyOutcome Of(ModelFamily family) => Families.First(f => f.Family == family);
}
