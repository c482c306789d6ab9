using AirQuality.Forecasting.Features;

namespace AirQuality.Forecasting.Models;

/// <summary>Persistence: tomorrow looks like now. The honest bar every trained family must clear.</summary>
public sealed class PersistenceModel : IForecastModel
{
    public static readonly PersistenceModel Instance = new();

    public ModelFamily Family => ModelFamily.Persistence;

    public double[] PredictDeltas(FeatureBuilder features, IReadOnlyList<ForecastPoint> points) =>
        points.Select(p => features.TryLevel(p.Origin, out _, out _) ? 0.0 : double.NaN).ToArray();

    public byte[] Save() => [];
}

/// <summary>
/// Seasonal naive: the value 24 h before the target hour. For horizons beyond 24 h that hour is still ahead of the
/// origin, so the value 48 h before is used; where that hour is missing, persistence stands in.
/// </summary>
public sealed class SeasonalNaiveModel : IForecastModel
{
    public static readonly SeasonalNaiveModel Instance = new();

    public ModelFamily Family => ModelFamily.SeasonalNaive;

    public double[] PredictDeltas(FeatureBuilder features, IReadOnlyList<ForecastPoint> points) =>
        points.Select(p =>
        {
            if (!features.TryLevel(p.Origin, out var level, out _)) return double.NaN;
            var back = p.Horizon <= 24 ? 24 : 48;
            var v = features.LogAt(p.Origin + p.Horizon - back);
            return double.IsNaN(v) ? 0.0 : v - level;
        }).ToArray();

    public byte[] Save() => [];
}
