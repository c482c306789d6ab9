using AirQuality.Forecasting.Features;
using Microsoft.ML;

namespace AirQuality.Forecasting.Models;

/// <summary>
/// What the three ML.NET families share: turning (origin, horizon) points into feature rows, training a pipeline,
/// predicting in batches, and saving the model as ML.NET's zip with the row layout in front of it.
/// </summary>
/// <remarks>
/// Missing inputs: every column that had a NaN in training gets a 0/1 "missing" indicator column, and the NaN itself
/// becomes 0 (in relative log space: "same as the level"). The model sees that a value was absent instead of a made-up
/// number it cannot tell from a real one. Columns never missing in training but missing later are treated the same way
/// without an indicator; the level itself is never missing, or no forecast is made.
/// Labels are divided by their horizon's typical size (the RMS of the training deltas at that horizon): a 1-hour
/// change is a tenth of a 48-hour one, and without this the loss, and every tree split, would serve the long horizons
/// and leave the short ones worse than persistence.
/// </remarks>
public abstract class MlNetFamily : IForecastFamily
{
    public abstract ModelFamily Family { get; }

    public string? UnavailableReason => null;

    /// <summary>The column of training weights (see <see cref="LevelWeights"/>).</summary>
    protected const string WeightColumn = nameof(MlNetRows.Row.Weight);

    /// <summary>Number of raw feature columns for a builder (before indicators).</summary>
    protected abstract int Width(FeatureBuilder features);

    /// <summary>Writes the raw features of one point, NaN where missing.</summary>
    protected abstract void Write(FeatureBuilder features, ForecastPoint point, Span<double> row);

    /// <summary>Rows this family learns from at most.</summary>
    protected virtual int MaxRows(ForecastSettings settings) => settings.MaxTrainingRows;

    /// <summary>Trains the transformer that turns the `Features` column (learning from `Label` and `Weight`) into a `Score`.</summary>
    protected abstract ITransformer Train(MLContext ml, IDataView data, ForecastSettings settings);

    public IForecastModel Fit(FeatureBuilder features, TrainingWindow window, ForecastSettings settings, CancellationToken cancellationToken)
    {
        var points = window.Sample(features, MaxRows(settings));
        if (points.Count < 50) throw new InsufficientHistoryException($"{points.Count} usable training samples; at least 50 are needed");
        var width = Width(features);
        var raw = new double[points.Count][];
        var missingAnywhere = new bool[width];
        for (var i = 0; i < points.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var row = new double[width];
            Write(features, points[i], row);
            for (var j = 0; j < width; j++) missingAnywhere[j] |= double.IsNaN(row[j]);
            raw[i] = row;
        }
        var indicators = MlNetRows.Indicators(missingAnywhere);
        var scales = HorizonScales(features, points);
        var weights = LevelWeights(features, points, settings.LevelWeightPower);
        var rows = new List<MlNetRows.Row>(points.Count);
        for (var i = 0; i < points.Count; i++)
        {
            var (t, h) = (points[i].Origin, points[i].Horizon);
            rows.Add(new MlNetRows.Row { Label = (float)(features.Delta(t, h) / scales[h - 1]), Weight = (float)weights[i], Features = MlNetRows.Encode(raw[i], indicators) });
        }
        var ml = new MLContext(settings.Seed);
        var data = ml.Data.LoadFromEnumerable(rows, MlNetRows.Schema(width + indicators.Length));
        cancellationToken.ThrowIfCancellationRequested();
        // Trainers pass over the rows several times (SDCA epochs, tree binning): cached once.
        var model = Train(ml, ml.Data.Cache(data), settings);
        return new Model(this, ml, model, data.Schema, new MlNetRows.Layout(width, indicators, scales));
    }

    /// <summary>
    /// Weight of each training point: (1 + level)^power, scaled to a mean of 1. Models learn in log space, where an
    /// error of 10 % weighs the same at 20 µg/m³ as at 400; MAE, by which champions are chosen and forecasts judged,
    /// weighs it twenty times more at 400. A power of 1 makes the log-space loss approximate the absolute error.
    /// </summary>
    internal static double[] LevelWeights(FeatureBuilder features, IReadOnlyList<ForecastPoint> points, double power)
    {
        var w = new double[points.Count];
        for (var i = 0; i < w.Length; i++)
            w[i] = power == 0 || !features.TryLevel(points[i].Origin, out var level, out _) ? 1 : Math.Exp(power * level);
        var mean = w.Length == 0 ? 1 : w.Average();
        for (var i = 0; i < w.Length; i++) w[i] /= mean;
        return w;
    }

    /// <summary>RMS of the training deltas per horizon (index h - 1), never below 0.01.</summary>
    internal static double[] HorizonScales(FeatureBuilder features, IEnumerable<ForecastPoint> points)
    {
        var sum = new double[FeatureBuilder.MaxHorizon];
        var count = new int[FeatureBuilder.MaxHorizon];
        foreach (var p in points)
        {
            var d = features.Delta(p.Origin, p.Horizon);
            if (double.IsNaN(d)) continue;
            sum[p.Horizon - 1] += d * d;
            count[p.Horizon - 1]++;
        }
        return MlNetRows.Scales(sum, count);
    }

    public IForecastModel Load(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        var (layout, ml, model, schema) = MlNetRows.Load(reader);
        return new Model(this, ml, model, schema, layout);
    }

    private sealed class Model(MlNetFamily family, MLContext ml, ITransformer transformer, DataViewSchema schema, MlNetRows.Layout layout) : IForecastModel
    {
        public ModelFamily Family => family.Family;

        public double[] PredictDeltas(FeatureBuilder features, IReadOnlyList<ForecastPoint> points)
        {
            if (family.Width(features) != layout.Width)
                throw new InvalidOperationException($"The {family.Family.Code()} model expects {layout.Width} features, the builder gives {family.Width(features)}");
            return MlNetRows.PredictDeltas(features, points, (point, row) => family.Write(features, point, row), ml, transformer, layout);
        }

        public byte[] Save() => MlNetRows.Save(ml, transformer, schema, layout);
    }
}

/// <summary>There is not enough history to train.</summary>
public sealed class InsufficientHistoryException(string message) : Exception(message);
