using System.Runtime.CompilerServices;
using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;

namespace AirQuality.Forecasting.Global;

/// <summary>
/// The global family as the per-city trainer sees it: "fitting" it for a city trains nothing shared, it takes the
/// published <see cref="GlobalArtifact"/> of the target and fits only the city's level offsets on the city's newest
/// training hours. For a validation window it uses the artifact's validation model (which never saw the city's
/// validation hours); for the refit on all history, the serving model. The trainer then scores, blends and calibrates
/// the bands of it like any family, and the champion rule chooses between it and the per-city families.
/// </summary>
public sealed class GlobalFamily(GlobalModelSet models, GlobalSettings? settings = null) : IForecastFamily
{
    private readonly GlobalSettings _settings = settings ?? new GlobalSettings();

    public ModelFamily Family => ModelFamily.Global;

    /// <summary>Always null: whether a target has a global model is told by <see cref="Fit"/> (models are published while trainings run).</summary>
    public string? UnavailableReason => null;

    public GlobalModelSet Models => models;

    public IForecastModel Fit(FeatureBuilder features, TrainingWindow window, ForecastSettings settings, CancellationToken cancellationToken)
    {
        var artifact = models.Current(features.Layout.Target)
            ?? throw new FamilyUnavailableException(ModelFamily.Global, $"no global model of {features.Layout.Target.Code()} is trained yet");
        var serving = window.TargetLimit >= features.Length;
        var model = serving ? artifact.Serving : artifact.Validation;
        var own = CityGlobalModel.Features(features);
        var profile = CityProfile.Of(features.Target, window.TargetLimit);
        if (double.IsNaN(profile.LogMean)) throw new InsufficientHistoryException("no known value to profile the city");
        // The level offsets: the median of the city's own residuals per horizon, on its newest training hours.
        var from = Math.Max(window.OriginFrom, window.OriginTo - _settings.CalibrationHours);
        var points = new List<ForecastPoint>();
        for (var t = from; t < window.OriginTo; t += 2)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!own.TryLevel(t, out _, out _)) continue;
            for (var h = 1; h <= FeatureBuilder.MaxHorizon; h++)
                if (t + h < window.TargetLimit && !double.IsNaN(own.Delta(t, h))) points.Add(new ForecastPoint(t, h));
        }
        var predicted = model.PredictDeltas(own, profile, points);
        var residuals = Enumerable.Range(0, FeatureBuilder.MaxHorizon).Select(_ => new List<double>()).ToArray();
        for (var i = 0; i < points.Count; i++)
            if (!double.IsNaN(predicted[i])) residuals[points[i].Horizon - 1].Add(own.Delta(points[i].Origin, points[i].Horizon) - predicted[i]);
        var offsets = residuals.Select(r => r.Count == 0 ? 0 : Median(r) * r.Count / (r.Count + _settings.CalibrationShrink)).ToArray();
        return new CityGlobalModel(artifact, serving, profile, offsets);
    }

    public IForecastModel Load(byte[] bytes) => CityGlobalModel.Load(bytes, models);

    private static double Median(List<double> values)
    {
        values.Sort();
        var n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
}

/// <summary>
/// A city's global model: the shared artifact (referred to, not copied), the city's profile and its level offset per
/// horizon (index h - 1), added to the shared model's deltas.
/// </summary>
public sealed class CityGlobalModel(GlobalArtifact artifact, bool serving, CityProfile profile, double[] offsets) : IForecastModel
{
    // The global layout's builder of a city's builder, made once per builder (its origin features are cached there).
    private static readonly ConditionalWeakTable<FeatureBuilder, FeatureBuilder> Own = new();

    public ModelFamily Family => ModelFamily.Global;

    public GlobalArtifact Artifact => artifact;

    /// <summary>True when the serving model (fitted on all history) forecasts; false for the validation model.</summary>
    public bool Serving => serving;

    public CityProfile Profile => profile;

    public IReadOnlyList<double> Offsets => offsets;

    /// <summary>The builder of the global layout over the same series and target as <paramref name="features"/>.</summary>
    internal static FeatureBuilder Features(FeatureBuilder features)
    {
        var layout = GlobalPool.LayoutFor(features.Layout.Target);
        if (features.Layout == layout) return features;
        return Own.GetValue(features, f => new FeatureBuilder(f.Target, f.Series, GlobalPool.LayoutFor(f.Layout.Target)));
    }

    public double[] PredictDeltas(FeatureBuilder features, IReadOnlyList<ForecastPoint> points)
    {
        var d = (serving ? artifact.Serving : artifact.Validation).PredictDeltas(Features(features), profile, points);
        for (var i = 0; i < d.Length; i++)
            if (!double.IsNaN(d[i])) d[i] += offsets[points[i].Horizon - 1];
        return d;
    }

    /// <summary>The city's part only: the artifact's id, which model, the profile and the offsets.</summary>
    public byte[] Save()
    {
        var buffer = new MemoryStream();
        using var writer = new BinaryWriter(buffer);
        writer.Write(artifact.Id);
        writer.Write(serving);
        writer.Write(profile.LogMean);
        writer.Write(profile.LogStd);
        writer.Write(offsets.Length);
        foreach (var o in offsets) writer.Write(o);
        writer.Flush();
        return buffer.ToArray();
    }

    /// <summary>Loads a city's part against the global models held; unavailable when its artifact is not held.</summary>
    public static CityGlobalModel Load(byte[] bytes, GlobalModelSet models)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        var id = reader.ReadString();
        var serving = reader.ReadBoolean();
        var profile = new CityProfile(reader.ReadDouble(), reader.ReadDouble());
        var offsets = new double[reader.ReadInt32()];
        for (var i = 0; i < offsets.Length; i++) offsets[i] = reader.ReadDouble();
        if (offsets.Length != FeatureBuilder.MaxHorizon) throw new InvalidDataException($"{offsets.Length} level offsets; {FeatureBuilder.MaxHorizon} expected");
        var artifact = models.Find(id) ?? throw new FamilyUnavailableException(ModelFamily.Global, $"global model {id} is not held in this process");
        return new CityGlobalModel(artifact, serving, profile, offsets);
    }
}
