using Orleans.Concurrency;

namespace AirQuality.Grains.Abstractions;

/// <summary>
/// The forecasting companion of a city: keeps the city's model registry (versions, metrics, champion), serves its
/// 48-hour forecasts and decides when to retrain. Training itself runs on the silo's training worker, never here.
/// </summary>
public interface ICityForecastGrain : IGrainWithStringKey
{
    /// <summary>Loads the registry, registers the daily retraining, and on a cold start serves the best baseline while training begins.</summary>
    Task Start();

    /// <summary>The latest forecast of a target (`pm25` or `aqi`), up to <paramref name="hours"/> hours; null before any data.</summary>
    [ReadOnly]
    Task<CityForecast?> GetForecast(string target, int hours);

    /// <summary>The registry: every target's champion and model versions, retraining counts and live accuracy.</summary>
    [ReadOnly]
    Task<ModelRegistryView> GetModels();

    /// <summary>
    /// The city's hours changed: merge them into the forecast history, refresh the forecast, score issued forecasts,
    /// maybe retrain, then pass the change on to the notifier (one notification for readings and forecast).
    /// </summary>
    [OneWay]
    Task HoursChanged(CityHoursChanged change);

    /// <summary>Asks for a retraining now (the manual trigger).</summary>
    Task<RetrainAnswer> Retrain(string reason);

    /// <summary>The training worker hands back what a training run produced.</summary>
    Task CompleteTraining(TrainingReport report);
}

/// <summary>One hour of a forecast.</summary>
/// <param name="Time">The hour forecast (start of the hour, UTC).</param>
/// <param name="Lower80">Lower edge of the 80 % band.</param>
[GenerateSerializer, Immutable]
public sealed record ForecastHour(DateTime Time, int Horizon, double Value, double Lower80, double Upper80, double Lower90, double Upper90);

/// <summary>A forecast and the model that made it.</summary>
/// <param name="Target">`pm25` (µg/m³) or `aqi` (India AQI).</param>
/// <param name="IssuedFor">The latest hour known when the forecast was made (its origin).</param>
/// <param name="Model">The family that produced it (`gradient_boosting`, `persistence`, ...).</param>
/// <param name="Version">The registry version of the model; null for a baseline, which needs no training.</param>
/// <param name="Note">Why this model serves, in words.</param>
[GenerateSerializer, Immutable]
public sealed record CityForecast(string CityId, string Target, DateTime IssuedFor, DateTime GeneratedAt, string Model, int? Version, bool Baseline,
    string Note, IReadOnlyList<ForecastHour> Hours);

/// <summary>Accuracy figures of a model.</summary>
[GenerateSerializer, Immutable]
public sealed record ModelMetrics(double R2, double Rmse, double Mae, double? Mape);

/// <summary>One model version of a city's registry.</summary>
/// <param name="Model">Family code.</param>
/// <param name="Samples">(origin, horizon) samples the model learned from.</param>
/// <param name="Metrics">Validation metrics averaged over horizons 1-48.</param>
/// <param name="PerHorizon">Validation metrics per horizon (index h - 1).</param>
/// <param name="HalfWidth80">Conformal half-widths per horizon in log(1 + x) (index h - 1).</param>
/// <param name="Coverage">Empirical coverage of the 80 % and 90 % bands on the validation data ("0.8", "0.9").</param>
/// <param name="Problem">Why the family produced no model in this run (unavailable, too little history, error).</param>
[GenerateSerializer, Immutable]
public sealed record ModelVersionInfo(
    string City,
    string Target,
    string Model,
    int Version,
    DateTime TrainedAt,
    int Samples,
    ModelMetrics Metrics,
    IReadOnlyList<ModelMetrics> PerHorizon,
    IReadOnlyList<double> HalfWidth80,
    IReadOnlyList<double> HalfWidth90,
    IReadOnlyDictionary<string, double> Coverage,
    double TrainSeconds,
    string? Problem);

/// <summary>What one training run produced for one target.</summary>
/// <param name="Versions">New versions (artifacts already stored), including families that failed (Problem set, version 0).</param>
/// <param name="Proposed">The run's choice: a family code of <paramref name="Versions"/> or `persistence`.</param>
/// <param name="IncumbentMae">
/// The serving model's MAE on forecasts neither it nor the proposed model was fitted on (or its family's out-of-sample
/// MAE in this run when too few such forecasts exist); null when none served or nothing can stand for it.
/// </param>
/// <param name="ChallengerMae">The proposed model's MAE on the same forecasts as <paramref name="IncumbentMae"/>.</param>
/// <param name="ComparisonBasis">What was compared, in words.</param>
[GenerateSerializer, Immutable]
public sealed record TargetTrainingReport(string Target, IReadOnlyList<ModelVersionInfo> Versions, ModelMetrics Persistence, string Proposed,
    string ProposedReason, int? IncumbentVersion, double? IncumbentMae, double? ChallengerMae = null, string? ComparisonBasis = null);

/// <summary>What the training worker hands back to the city.</summary>
[GenerateSerializer, Immutable]
public sealed record TrainingReport(string CityId, string Reason, DateTime StartedAt, DateTime FinishedAt, int HistoryHours,
    IReadOnlyList<TargetTrainingReport> Targets, string? Error);

/// <summary>A target's champion and versions.</summary>
/// <param name="Champion">Family code of the serving model (`persistence` when no trained family beats it).</param>
/// <param name="LiveMae">MAE of issued forecasts (horizons 1-24) against what happened, over the last day; null before enough matured.</param>
[GenerateSerializer, Immutable]
public sealed record TargetRegistryView(string Target, string Champion, int? ChampionVersion, string ChampionReason, DateTime? PromotedAt,
    IReadOnlyList<ModelVersionInfo> Versions, double? LiveMae, int LivePairs, double? ValidationMae24);

/// <summary>A city's model registry.</summary>
/// <param name="LiveSkill">Skill of the forecasts the service issued against persistence, per target and horizon, once matured.</param>
[GenerateSerializer, Immutable]
public sealed record ModelRegistryView(string CityId, IReadOnlyList<TargetRegistryView> Targets, int Retrains, DateTime? LastTrainedAt,
    string? LastTrainingReason, bool Training, IReadOnlyList<string> RecentEvents, IReadOnlyList<LiveSkill>? LiveSkill = null);

/// <summary>
/// Live skill at one horizon: forecasts the service issued, scored when their target hour was observed, and persistence
/// (the value at each forecast's origin) scored on the same hours, over the last days kept.
/// </summary>
/// <param name="Count">Matured forecast hours scored.</param>
/// <param name="Skill">1 - MAE / persistence MAE (above 0: better than persistence); null when persistence made no error.</param>
[GenerateSerializer, Immutable]
public sealed record LiveSkill(string Target, int HorizonHours, int Count, double Mae, double PersistenceMae, double? Skill);

/// <summary>The answer to a retraining request.</summary>
/// <param name="JobId">The training job queued, or the one already queued or running (`GET /models/retrain/{job}`).</param>
[GenerateSerializer, Immutable]
public sealed record RetrainAnswer(string CityId, bool Queued, string Message, long? JobId = null);
