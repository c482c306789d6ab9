namespace AirQuality.Forecasting.Models;

/// <summary>The ways a forecast can be made: two baselines that need no training, four per-city trained families, their ensemble and the global family. Values are persisted: new ones go at the end.</summary>
public enum ModelFamily
{
    /// <summary>The value at the origin for every horizon.</summary>
    Persistence,

    /// <summary>The value 24 h before the target hour (48 h when that is still ahead).</summary>
    SeasonalNaive,

    /// <summary>Ridge regression in closed form with per-horizon terms.</summary>
    Linear,

    /// <summary>Random forest (ML.NET FastForest).</summary>
    RandomForest,

    /// <summary>Gradient-boosted trees (ML.NET LightGBM), the seed's XGBoost role.</summary>
    GradientBoosting,

    /// <summary>Long short-term memory network (TorchSharp).</summary>
    Lstm,

    /// <summary>The equal-weight mean of the trained families' forecasts in log space (a geometric mean of 1 + x).</summary>
    Ensemble,

    /// <summary>One LightGBM model trained on all cities pooled, with per-city level offsets (see <see cref="Global.GlobalFamily"/>).</summary>
    Global,
}

/// <summary>Names of the families.</summary>
public static class ModelFamilies
{
    /// <summary>The trained candidates (the four per-city families, their ensemble, the global family), in the order reports list them.</summary>
    public static IReadOnlyList<ModelFamily> Trained { get; } = [ModelFamily.Linear, ModelFamily.RandomForest, ModelFamily.GradientBoosting, ModelFamily.Lstm, ModelFamily.Ensemble, ModelFamily.Global];

    /// <summary>The baselines.</summary>
    public static IReadOnlyList<ModelFamily> Baselines { get; } = [ModelFamily.Persistence, ModelFamily.SeasonalNaive];

    /// <summary>True for persistence and seasonal naive.</summary>
    public static bool IsBaseline(this ModelFamily f) => f is ModelFamily.Persistence or ModelFamily.SeasonalNaive;

    /// <summary>The name used in answers and files (`random_forest`).</summary>
    public static string Code(this ModelFamily f) => f switch
    {
        ModelFamily.Persistence => "persistence",
        ModelFamily.SeasonalNaive => "seasonal_naive",
        ModelFamily.Linear => "linear",
        ModelFamily.RandomForest => "random_forest",
        ModelFamily.GradientBoosting => "gradient_boosting",
        ModelFamily.Lstm => "lstm",
        ModelFamily.Ensemble => "ensemble",
        ModelFamily.Global => "global",
        _ => throw new ArgumentOutOfRangeException(nameof(f)),
    };

    /// <summary>Parses a family name as <see cref="Code"/> writes it.</summary>
    public static bool TryParse(string? text, out ModelFamily family)
    {
        foreach (var f in Enum.GetValues<ModelFamily>())
            if (string.Equals(f.Code(), text?.Trim(), StringComparison.OrdinalIgnoreCase)) { family = f; return true; }
        family = default;
        return false;
    }
}
