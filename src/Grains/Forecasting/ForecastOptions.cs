using AirQuality.Forecasting.Models;
using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Forecasting;

/// <summary>How cities forecast and retrain (configuration section `Forecasting`).</summary>
public sealed class ForecastOptions
{
    public const string Section = "Forecasting";

    /// <summary>Trainings run side by side on a silo; default: one core fewer than the machine has (at least 1), so serving keeps a core.</summary>
    public int TrainingConcurrency { get; set; } = CoresLessOne;

    /// <summary>One core fewer than the machine has, at least one: what background work may take and leave serving a core.</summary>
    public static int CoresLessOne => Math.Max(1, Environment.ProcessorCount - 1);

    /// <summary>
    /// Training threads run at lower priority (nice 10 on Linux, below normal elsewhere). Off by default: on a machine
    /// whose cores are saturated by other work, nice 10 gives training no CPU at all (measured), and retraining stops.
    /// </summary>
    public bool TrainingLowPriority { get; set; }

    /// <summary>
    /// Automatic retrainings (new samples, degradation, daily) of a city wait a deterministic offset in [0, this) from
    /// the city id, so a trigger that fires for every city in the same hour spreads its wave over the period.
    /// </summary>
    public TimeSpan RetrainSpread { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A worker's lease on a training job; renewed by heartbeats, taken over by another silo when it expires.</summary>
    public TimeSpan TrainingLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often a running job's lease is renewed (well below <see cref="TrainingLease"/>).</summary>
    public TimeSpan TrainingHeartbeat { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Leases of a job before it is failed (a job whose workers keep dying).</summary>
    public int TrainingAttempts { get; set; } = 3;

    /// <summary>How often an idle worker looks for due jobs queued by other silos (its own silo's jobs wake it at once).</summary>
    public TimeSpan TrainingPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Finished jobs are kept this long for `GET /models/retrain/{job}` (and the cooldown reads them).</summary>
    public TimeSpan TrainingJobsKept { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Days of history a training reads from the reading store (two years, where the store has them: the
    /// time-of-year features need a whole year).
    /// </summary>
    public int HistoryDays { get; set; } = 730;

    /// <summary>Retrain when this many new hourly samples arrived within <see cref="NewSamplesWindow"/> since the last training.</summary>
    public int RetrainNewSamples { get; set; } = 20;

    public TimeSpan NewSamplesWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Retrain when the live MAE of issued forecasts (1-24 h) exceeds the champion's validation MAE by this factor.</summary>
    public double DegradationRatio { get; set; } = 1.5;

    /// <summary>Matured forecast-actual pairs needed before live accuracy can trigger a retraining.</summary>
    public int DegradationMinimumPairs { get; set; } = 48;

    /// <summary>Shortest time between two automatic retrainings of a city.</summary>
    public TimeSpan RetrainCooldown { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Time of day (UTC) of the daily retraining.</summary>
    public TimeSpan DailyRetrainAt { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Train the LSTM (TorchSharp). When false, or when TorchSharp cannot load, the family reports itself unavailable.</summary>
    public bool LstmEnabled { get; set; } = true;

    /// <summary>Targets forecast, comma separated (`aqi,pm25`): the <see cref="ForecastTargetOptions"/> the web front reads too.</summary>
    public string Targets { get; set; } = ForecastTargetOptions.DefaultTargets;

    /// <summary>The target codes of <see cref="Targets"/>.</summary>
    public IReadOnlyList<string> TargetCodes => ForecastTargetOptions.Parse(Targets);

    /// <summary>Days of history a forecast is computed from (the baselines are compared on the last 14 of them); kept in the forecast grain's memory.</summary>
    public int ServingHistoryDays { get; set; } = 15;

    /// <summary>
    /// Hours of new data for which a city's choice of baseline (and its bands) is reused before the baselines are
    /// compared again on the last 14 days; 0 compares them at every refresh. Only a city without a champion uses it
    /// (every city while the cold start's training is queued), and comparing costs more than the rest of a refresh.
    /// Each city reuses its choice for between this many hours and twice as many less one (<see cref="BaselineReuseFor"/>).
    /// </summary>
    public int BaselineReuseHours { get; set; } = 6;

    /// <summary>
    /// Hours of new data for which <paramref name="cityId"/> reuses its choice of baseline: <see cref="BaselineReuseHours"/>
    /// plus an offset of 0 to <see cref="BaselineReuseHours"/> - 1 from the city id (<see cref="RetrainJitter"/>), so that
    /// cities activated together (a cold start, a silo's share after a restart) do not all compare again in the same hour.
    /// </summary>
    public int BaselineReuseFor(string cityId) =>
        BaselineReuseHours <= 0 ? 0 : BaselineReuseHours + (int)RetrainJitter.Offset(cityId, TimeSpan.FromHours(BaselineReuseHours)).TotalHours;

    /// <summary>Horizons (1 to this many hours) of issued forecasts scored against what happened (live accuracy).</summary>
    public int LiveHorizons { get; set; } = 24;

    /// <summary>Issued forecasts are kept this many hours after their origin: twice <see cref="LiveHorizons"/>, so every scored horizon has matured.</summary>
    public int IssuedKeptHours { get; set; } = 48;

    /// <summary>Horizons (hours, comma separated) at which issued forecasts are scored against persistence (live skill).</summary>
    public string LiveSkillHorizons { get; set; } = "1,6,12,24,48";

    /// <summary>The horizons of <see cref="LiveSkillHorizons"/>.</summary>
    public IReadOnlyList<int> LiveSkillHorizonList =>
        LiveSkillHorizons.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(x => int.TryParse(x, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var h) ? h : -1)
            .Distinct().Order().ToList();

    /// <summary>Days of matured forecasts live skill is measured over (a rolling buffer of daily sums).</summary>
    public int LiveSkillDays { get; set; } = 30;

    /// <summary>Recent registry events kept for operators (promotions, retrainings, failures).</summary>
    public int EventsKept { get; set; } = 20;

    /// <summary>Model versions kept per target in the registry (the champion is always kept).</summary>
    public int VersionsKept { get; set; } = 12;

    /// <summary>Training effort; the defaults train 56 cities x 4 families on 90 days in minutes on 2 cores.</summary>
    public ForecastSettings Training { get; set; } = new();

    /// <summary>
    /// The per-city families trained (comma separated codes of linear, random_forest, gradient_boosting, lstm): all by
    /// default; `linear` with the global family is the cheap set for catalogs of thousands of cities.
    /// </summary>
    public string PerCityFamilies { get; set; } = "linear,random_forest,gradient_boosting,lstm";

    /// <summary>The families of <see cref="PerCityFamilies"/> (unknown codes left out; validation reports them).</summary>
    public IReadOnlyList<ModelFamily> PerCityFamilyList =>
        PerCityFamilies.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(c => ModelFamilies.TryParse(c, out var f) ? f : (ModelFamily?)null).OfType<ModelFamily>().Distinct().ToList();

    /// <summary>The global family (one model over every city's history; section `Forecasting:Global`).</summary>
    public GlobalFamilyOptions Global { get; set; } = new();
}

/// <summary>When and how the global family trains.</summary>
public sealed class GlobalFamilyOptions
{
    /// <summary>Offer the global family to every city's champion rule and train it. When false, cities train only their own families.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Time of day (UTC) of the daily training: before <see cref="ForecastOptions.DailyRetrainAt"/>, so the cities' daily retraining uses it.</summary>
    public TimeSpan TrainAt { get; set; } = TimeSpan.FromHours(1);

    /// <summary>With no global model yet, the first one is trained this long after the silo started, once its training worker is idle (after the cold start's training).</summary>
    public TimeSpan FirstAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a silo asks which global models to hold and loads new ones from the artifact store.</summary>
    public TimeSpan SyncPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Pool size and LightGBM settings of the global model.</summary>
    public AirQuality.Forecasting.Global.GlobalSettings Training { get; set; } = new();
}

/// <summary>The checks <see cref="ForecastOptions"/> must pass before the process starts; each failure names the setting.</summary>
public sealed class ForecastOptionsValidation : Microsoft.Extensions.Options.IValidateOptions<ForecastOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, ForecastOptions o)
    {
        var errors = new List<string>();
        AtLeast(errors, "Forecasting:TrainingConcurrency", o.TrainingConcurrency, 1);
        AtLeast(errors, "Forecasting:HistoryDays", o.HistoryDays, 1);
        AtLeast(errors, "Forecasting:RetrainNewSamples", o.RetrainNewSamples, 1);
        AtLeast(errors, "Forecasting:DegradationMinimumPairs", o.DegradationMinimumPairs, 1);
        AtLeast(errors, "Forecasting:ServingHistoryDays", o.ServingHistoryDays, 1);
        AtLeast(errors, "Forecasting:BaselineReuseHours", o.BaselineReuseHours, 0);
        AtLeast(errors, "Forecasting:LiveHorizons", o.LiveHorizons, 1);
        AtLeast(errors, "Forecasting:IssuedKeptHours", o.IssuedKeptHours, o.LiveHorizons);
        AtLeast(errors, "Forecasting:EventsKept", o.EventsKept, 0);
        AtLeast(errors, "Forecasting:LiveSkillDays", o.LiveSkillDays, 1);
        if (o.LiveSkillHorizonList.Any(h => h < 1 || h > AirQuality.Forecasting.Features.FeatureBuilder.MaxHorizon))
            errors.Add($"Forecasting:LiveSkillHorizons is '{o.LiveSkillHorizons}'; it may list only hours from 1 to {AirQuality.Forecasting.Features.FeatureBuilder.MaxHorizon}, comma separated.");
        AtLeast(errors, "Forecasting:VersionsKept", o.VersionsKept, 1);
        AtLeast(errors, "Forecasting:TrainingAttempts", o.TrainingAttempts, 1);
        if (o.RetrainSpread < TimeSpan.Zero) errors.Add($"Forecasting:RetrainSpread is {o.RetrainSpread}; it cannot be negative.");
        if (o.TrainingHeartbeat <= TimeSpan.Zero || o.TrainingHeartbeat * 2 > o.TrainingLease)
            errors.Add($"Forecasting:TrainingHeartbeat is {o.TrainingHeartbeat}; it must be positive and at most half of Forecasting:TrainingLease ({o.TrainingLease}).");
        if (o.TrainingPollInterval <= TimeSpan.Zero) errors.Add($"Forecasting:TrainingPollInterval is {o.TrainingPollInterval}; it must be a positive time span.");
        if (o.TrainingJobsKept < o.RetrainCooldown)
            errors.Add($"Forecasting:TrainingJobsKept is {o.TrainingJobsKept}; it must be at least Forecasting:RetrainCooldown ({o.RetrainCooldown}), which is read from the kept jobs.");
        if (o.NewSamplesWindow <= TimeSpan.Zero) errors.Add($"Forecasting:NewSamplesWindow is {o.NewSamplesWindow}; it must be a positive time span.");
        if (o.RetrainCooldown < TimeSpan.Zero) errors.Add($"Forecasting:RetrainCooldown is {o.RetrainCooldown}; it cannot be negative.");
        if (o.DailyRetrainAt < TimeSpan.Zero || o.DailyRetrainAt >= TimeSpan.FromDays(1))
            errors.Add($"Forecasting:DailyRetrainAt is {o.DailyRetrainAt}; it must be a time of day from 00:00 to 23:59.");
        var perCity = o.PerCityFamilies.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (perCity.Any(c => !ModelFamilies.TryParse(c, out var f) || f is not (ModelFamily.Linear or ModelFamily.RandomForest or ModelFamily.GradientBoosting or ModelFamily.Lstm)))
            errors.Add($"Forecasting:PerCityFamilies is '{o.PerCityFamilies}'; it may list only linear, random_forest, gradient_boosting, lstm, comma separated.");
        if (perCity.Length == 0 && !o.Global.Enabled) errors.Add("Forecasting:PerCityFamilies is empty and Forecasting:Global:Enabled is false: no family would train.");
        if (o.Global.SyncPeriod <= TimeSpan.Zero) errors.Add($"Forecasting:Global:SyncPeriod is {o.Global.SyncPeriod}; it must be a positive time span.");
        if (o.Global.FirstAfter < TimeSpan.Zero) errors.Add($"Forecasting:Global:FirstAfter is {o.Global.FirstAfter}; it cannot be negative.");
        if (o.Global.TrainAt < TimeSpan.Zero || o.Global.TrainAt >= TimeSpan.FromDays(1))
            errors.Add($"Forecasting:Global:TrainAt is {o.Global.TrainAt}; it must be a time of day from 00:00 to 23:59.");
        if (o.Global.Training.MaxRows < 1_000) errors.Add($"Forecasting:Global:Training:MaxRows is {o.Global.Training.MaxRows}; it must be at least 1000.");
        errors.AddRange(o.Training.Problems(ForecastOptions.Section + ":Training:"));
        if (!(o.DegradationRatio > 0)) errors.Add($"Forecasting:DegradationRatio is {o.DegradationRatio}; it must be positive.");
        var codes = o.TargetCodes;
        // Empty is allowed: the cluster then forecasts nothing (cities still poll and answer).
        if (codes.Any(c => !ForecastTargetOptions.Known.Contains(c)))
            errors.Add($"Forecasting:Targets is '{o.Targets}'; it may list only {string.Join(", ", ForecastTargetOptions.Known)}, comma separated.");
        return errors.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(errors);
    }

    private static void AtLeast(List<string> errors, string key, int value, int least)
    {
        if (value < least) errors.Add($"{key} is {value}; it must be at least {least}.");
    }
}
