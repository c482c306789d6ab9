using AirQuality.Forecasting.Features;

namespace AirQuality.Forecasting.Models;

/// <summary>A forecast to make: from origin hour index t (the latest hour known) for h hours ahead.</summary>
public readonly record struct ForecastPoint(int Origin, int Horizon);

/// <summary>A model ready to forecast, trained or a baseline.</summary>
public interface IForecastModel
{
    ModelFamily Family { get; }

    /// <summary>
    /// Predicted deltas (log(1 + y[t + h]) - level, see <see cref="FeatureBuilder"/>) for each point; NaN where the
    /// model cannot forecast (no recent level). Thread-safe.
    /// </summary>
    double[] PredictDeltas(FeatureBuilder features, IReadOnlyList<ForecastPoint> points);

    /// <summary>The model's own bytes (an ML.NET model zip, a TorchSharp state); empty for baselines.</summary>
    byte[] Save();
}

/// <summary>A family of models: trains them and loads saved ones.</summary>
public interface IForecastFamily
{
    ModelFamily Family { get; }

    /// <summary>Why the family cannot train or load here, or null when it can.</summary>
    string? UnavailableReason { get; }

    /// <summary>Trains on the samples of a window. Runs for seconds: never call it on a grain's scheduler.</summary>
    IForecastModel Fit(FeatureBuilder features, TrainingWindow window, ForecastSettings settings, CancellationToken cancellationToken);

    /// <summary>Loads what <see cref="IForecastModel.Save"/> wrote.</summary>
    IForecastModel Load(byte[] bytes);
}

/// <summary>
/// Which samples a model may learn from: origins in [<paramref name="OriginFrom"/>, <paramref name="OriginTo"/>) whose
/// target hour is before <paramref name="TargetLimit"/>, so nothing after the window leaks into training.
/// </summary>
public sealed record TrainingWindow(int OriginFrom, int OriginTo, int TargetLimit)
{
    /// <summary>The forecast points of the window with a known level and target, every horizon 1..48.</summary>
    public IEnumerable<ForecastPoint> Points(FeatureBuilder features, IReadOnlyList<int>? horizons = null)
    {
        horizons ??= AllHorizons;
        for (var t = Math.Max(0, OriginFrom); t < OriginTo; t++)
        {
            if (!features.TryLevel(t, out _, out _)) continue;
            foreach (var h in horizons)
                if (t + h < TargetLimit && !double.IsNaN(features.Delta(t, h))) yield return new ForecastPoint(t, h);
        }
    }

    /// <summary>Horizons 1..48.</summary>
    public static readonly IReadOnlyList<int> AllHorizons = Enumerable.Range(1, FeatureBuilder.MaxHorizon).ToArray();

    /// <summary>
    /// At most <paramref name="maxRows"/> points, thinned evenly by a fixed hash of (t, h) so every horizon and every
    /// part of the window stays represented.
    /// </summary>
    public IReadOnlyList<ForecastPoint> Sample(FeatureBuilder features, int maxRows)
    {
        var all = Points(features).ToList();
        if (all.Count <= maxRows) return all;
        var keep = (double)maxRows / all.Count;
        return all.Where(p => Hash(p) < keep).ToList();
    }

    private static double Hash(ForecastPoint p)
    {
        var x = (ulong)(uint)p.Origin * 0x9E3779B97F4A7C15UL ^ (ulong)(uint)p.Horizon * 0xC2B2AE3D27D4EB4FUL;
        x ^= x >> 31;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 29;
        return (x >> 11) * (1.0 / (1UL << 53));
    }
}

/// <summary>How hard the families train. Defaults fit 56 cities x 4 families x 2 targets on 90 days in minutes on 2 cores.</summary>
public sealed record ForecastSettings
{
    /// <summary>Upper bound of (origin, horizon) rows a tree model learns from.</summary>
    public int MaxTrainingRows { get; init; } = 12_000;

    /// <summary>Upper bound of rows the ridge regression learns from (its cost grows with rows x weights²).</summary>
    public int LinearMaxRows { get; init; } = 10_000;

    /// <summary>Ridge penalty of the linear model per unit of training weight (on standardised inputs).</summary>
    public double LinearL2 { get; init; } = 1e-3;

    /// <summary>Trees of the random forest.</summary>
    public int ForestTrees { get; init; } = 30;

    /// <summary>Leaves per tree of the random forest.</summary>
    public int ForestLeaves { get; init; } = 32;

    /// <summary>Bins per feature in the tree learners' histograms.</summary>
    public int TreeBins { get; init; } = 64;

    /// <summary>Boosting rounds of LightGBM.</summary>
    public int BoostingRounds { get; init; } = 80;

    /// <summary>Learning rate (shrinkage) of LightGBM.</summary>
    public double BoostingLearningRate { get; init; } = 0.1;

    /// <summary>Leaves per tree of LightGBM.</summary>
    public int BoostingLeaves { get; init; } = 31;

    /// <summary>Adam steps of the LSTM.</summary>
    public int LstmSteps { get; init; } = 150;

    /// <summary>Mini-batch size of the LSTM.</summary>
    public int LstmBatch { get; init; } = 64;

    /// <summary>Hidden units of the LSTM.</summary>
    public int LstmHidden { get; init; } = 16;

    /// <summary>Hours the LSTM reads step by step before the origin.</summary>
    public int LstmSequenceHours { get; init; } = 24;

    /// <summary>
    /// Training points weigh (1 + level)^power, so the log-space losses lean towards the smoggy hours that dominate the
    /// absolute error (0: every point alike; 1: the log loss approximates the absolute error).
    /// </summary>
    public double LevelWeightPower { get; init; }

    /// <summary>Threads one training may use; the worker runs several trainings side by side, so 1 by default.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>
    /// Fits of one training (family x validation window) run this many at a time, each with <see cref="Threads"/>;
    /// the outcome is the same whatever the number. 1 in the service (its worker runs trainings side by side).
    /// </summary>
    public int Parallelism { get; init; } = 1;

    /// <summary>Seed of every random choice, so a training run can be repeated.</summary>
    public int Seed { get; init; } = 7;

    /// <summary>Share of the newest history held out to choose the champion and calibrate the bands.</summary>
    public double ValidationFraction { get; init; } = 0.2;

    /// <summary>
    /// Consecutive validation windows the held-out share is cut into (rolling origin): for each, every family is
    /// trained on all the history before it and scored on it; the champion is chosen on all of them together.
    /// </summary>
    public int ValidationWindows { get; init; } = 2;

    /// <summary>
    /// Hours of the newest out-of-sample residuals the bands are calibrated on (per horizon), so bands follow a
    /// change of regime instead of averaging it away.
    /// </summary>
    public int BandWindowHours { get; init; } = 30 * 24;

    /// <summary>
    /// A band is never narrower than the quantile of all out-of-sample residuals of the validation windows, so a calm
    /// recent buffer does not narrow it before a regime that came once comes back.
    /// </summary>
    public bool BandsWiderOfAll { get; init; } = true;

    /// <summary>
    /// `evaluate` rescales the served bands by the served forecasts' matured residuals as the service does
    /// (<see cref="Evaluation.LiveBands"/>); off to measure the trained bands alone.
    /// </summary>
    public bool LiveBands { get; init; } = true;

    /// <summary>
    /// Shrink every candidate per horizon toward persistence and seasonal naive, with weights fitted on the validation
    /// windows (<see cref="Models.HorizonBlend"/>), so the served forecast does not lose to the baselines at horizons where
    /// the model is weak.
    /// </summary>
    public bool BlendWithBaselines { get; init; } = true;

    /// <summary>
    /// Beyond the short horizons, shrink every candidate toward the station's recent daily profile with per-horizon
    /// weights cross-fitted on the validation windows, kept only where they beat the unshrunk forecast out of sample
    /// (<see cref="Models.ProfileShrink"/>).
    /// </summary>
    public bool ShrinkToProfile { get; init; } = true;

    /// <summary>Offer the equal-weight log-space ensemble of the trained families as a candidate.</summary>
    public bool Ensemble { get; init; } = true;

    /// <summary>
    /// A single family is chosen over the ensemble only when its validation MAE is lower by more than this share of
    /// the ensemble's (0: the lowest MAE is chosen). Families' validation scores often differ by less than their
    /// noise, and choosing among them by it changes the serving family from one retraining to the next for nothing;
    /// the combination is the steadier choice (<see cref="Training.ChampionSelection.Choose"/>).
    /// </summary>
    public double EnsembleMargin { get; init; } = 0.02;

    /// <summary>Which covariates the models read (other pollutants and weather at the origin by default).</summary>
    public CovariateUse Covariates { get; init; } = CovariateUse.All;

    /// <summary>After validation, train the champion again on all the history before serving it.</summary>
    public bool RefitOnAllData { get; init; } = true;

    /// <summary>Refit every family on all the history, not only the champion (twice the training time; for studies).</summary>
    public bool RefitAllFamilies { get; init; }

    /// <summary>
    /// What is out of range in these settings, each naming the setting under <paramref name="prefix"/> (e.g.
    /// "Forecasting:Training:"); empty when every value can train.
    /// </summary>
    public IReadOnlyList<string> Problems(string prefix)
    {
        var errors = new List<string>();
        void Check(bool ok, string name, object value, string range)
        {
            if (!ok) errors.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{prefix}{name} is {value}; it must be {range}."));
        }
        Check(MaxTrainingRows >= 100, nameof(MaxTrainingRows), MaxTrainingRows, "at least 100");
        Check(LinearMaxRows >= 100, nameof(LinearMaxRows), LinearMaxRows, "at least 100");
        Check(double.IsFinite(LinearL2) && LinearL2 >= 0, nameof(LinearL2), LinearL2, "0 or more");
        Check(ForestTrees >= 1, nameof(ForestTrees), ForestTrees, "at least 1");
        Check(ForestLeaves >= 2, nameof(ForestLeaves), ForestLeaves, "at least 2");
        Check(TreeBins is >= 2 and <= 1024, nameof(TreeBins), TreeBins, "between 2 and 1024");
        Check(BoostingRounds >= 1, nameof(BoostingRounds), BoostingRounds, "at least 1");
        Check(BoostingLearningRate is > 0 and <= 1, nameof(BoostingLearningRate), BoostingLearningRate, "above 0 and at most 1");
        Check(BoostingLeaves >= 2, nameof(BoostingLeaves), BoostingLeaves, "at least 2");
        Check(LstmSteps >= 1, nameof(LstmSteps), LstmSteps, "at least 1");
        Check(LstmBatch >= 1, nameof(LstmBatch), LstmBatch, "at least 1");
        Check(LstmHidden >= 1, nameof(LstmHidden), LstmHidden, "at least 1");
        Check(LstmSequenceHours is >= 1 and <= 24 * 14, nameof(LstmSequenceHours), LstmSequenceHours, "between 1 and 336");
        Check(LevelWeightPower is >= 0 and <= 4, nameof(LevelWeightPower), LevelWeightPower, "between 0 and 4");
        Check(Threads >= 1, nameof(Threads), Threads, "at least 1");
        Check(Parallelism >= 1, nameof(Parallelism), Parallelism, "at least 1");
        Check(ValidationFraction is > 0 and <= 0.5, nameof(ValidationFraction), ValidationFraction, "above 0 and at most 0.5");
        Check(ValidationWindows is >= 1 and <= 12, nameof(ValidationWindows), ValidationWindows, "between 1 and 12");
        Check(BandWindowHours >= 24, nameof(BandWindowHours), BandWindowHours, "at least 24");
        Check(EnsembleMargin is >= 0 and < 1, nameof(EnsembleMargin), EnsembleMargin, "0 or more and below 1");
        return errors;
    }

    /// <summary>Settings small enough for unit tests.</summary>
    public static ForecastSettings Quick { get; } = new() { MaxTrainingRows = 6_000, LinearMaxRows = 6_000, ForestTrees = 20, BoostingRounds = 60, LstmSteps = 120, LstmBatch = 64, LstmHidden = 16 };
}
