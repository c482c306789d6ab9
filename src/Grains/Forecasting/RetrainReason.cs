namespace AirQuality.Grains.Forecasting;

/// <summary>What asked for a retraining.</summary>
public enum RetrainTrigger
{
    /// <summary>A city with no training yet: the best baseline serves while the families train.</summary>
    ColdStart,

    /// <summary>Enough new hourly samples arrived since the last training.</summary>
    NewSamples,

    /// <summary>Live accuracy of issued forecasts fell too far below the champion's validation accuracy.</summary>
    Degraded,

    /// <summary>The daily retraining reminder.</summary>
    Daily,

    /// <summary>An operator asked (`POST /models/retrain/{city}`).</summary>
    Manual,
}

/// <summary>Why a city retrains: the trigger and, in words, the detail (shown in the registry and the logs).</summary>
public sealed record RetrainReason(RetrainTrigger Trigger, string Text)
{
    /// <summary>Automatic retrainings respect the cooldown; a manual one does not start it.</summary>
    public bool Automatic => Trigger != RetrainTrigger.Manual;

    public static RetrainReason ColdStart { get; } = new(RetrainTrigger.ColdStart, "cold start");

    public static RetrainReason Daily { get; } = new(RetrainTrigger.Daily, "daily retraining");

    public static RetrainReason NewSamples(int samples, TimeSpan window) =>
        new(RetrainTrigger.NewSamples, $"{samples} new samples in {window.TotalHours:0} h");

    public static RetrainReason Degraded(string target, double liveMae, int pairs, double ratio, double validationMae) =>
        new(RetrainTrigger.Degraded, $"{target} live MAE {liveMae:0.##} over {pairs} pairs exceeds {ratio:0.##} x validation MAE {validationMae:0.##}");

    /// <summary>An operator's request; an empty text reads `manual`.</summary>
    public static RetrainReason Manual(string? text) => new(RetrainTrigger.Manual, string.IsNullOrWhiteSpace(text) ? "manual" : text);

    public override string ToString() => Text;
}
