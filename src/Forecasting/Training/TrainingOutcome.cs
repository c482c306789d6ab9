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

    /// <summary>The validation coverage each band reached on the validation data it was calibrated on.</summary>
    public IReadOnlyDictionary<double, double>? ValidationCoverage { get; init; }
}

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
    public FamilyOutcome Of(ModelFamily family) => Families.First(f => f.Family == family);
}
