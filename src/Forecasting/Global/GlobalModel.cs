using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;
using Microsoft.ML;
using Microsoft.ML.Trainers.LightGbm;

namespace AirQuality.Forecasting.Global;

/// <summary>
/// One LightGBM model for every city and horizon 1..48, trained on a <see cref="GlobalPool"/>. It predicts in the
/// normalised space every family uses (log(1 + y[t + h]) minus the city's current level, each horizon's label divided
/// by its typical size), so cities of very different levels share one model; the city features carry what is
/// particular to a city. Missing inputs are handled as in the per-city tree families (0 and a 0/1 indicator). Thread-safe
/// to predict; immutable once fitted.
/// </summary>
public sealed class GlobalModel
{
    private readonly MLContext _ml;
    private readonly ITransformer _transformer;
    private readonly DataViewSchema _schema;
    private readonly MlNetRows.Layout _layout;

    private GlobalModel(ForecastTarget target, MlNetRows.Layout layout, MLContext ml, ITransformer transformer, DataViewSchema schema)
    {
        Target = target;
        _layout = layout;
        _ml = ml;
        _transformer = transformer;
        _schema = schema;
    }

    public ForecastTarget Target { get; }

    /// <summary>Raw feature columns (before the missing indicators).</summary>
    public int FeatureWidth => _layout.Width;

    /// <summary>Columns of a row for a builder: its origin and horizon features, the horizon, the city features.</summary>
    public static int Width(FeatureBuilder features) => features.OriginNames.Count + features.HorizonNames.Count + 1 + CityProfile.Names.Count;

    /// <summary>Writes the raw features of one point (NaN where missing).</summary>
    public static void Write(FeatureBuilder features, CityProfile profile, ForecastPoint point, Span<double> row)
    {
        var origin = features.Origin(point.Origin);
        origin.CopyTo(row);
        var at = origin.Length;
        features.Horizon(point.Origin, point.Horizon, row.Slice(at, features.HorizonNames.Count));
        at += features.HorizonNames.Count;
        row[at++] = point.Horizon;
        var level = features.TryLevel(point.Origin, out var l, out _) ? l : double.NaN;
        profile.Write(level, row[at..]);
    }

    /// <summary>Fits the model on one set of pooled rows.</summary>
    public static GlobalModel Fit(ForecastTarget target, PoolRows rows, GlobalSettings settings, CancellationToken cancellationToken = default)
    {
        if (rows.Count < 200) throw new InsufficientHistoryException($"{rows.Count} pooled rows; the global model needs at least 200");
        var width = rows.Features[0].Length;
        var missing = new bool[width];
        foreach (var r in rows.Features)
            for (var j = 0; j < width; j++) missing[j] |= float.IsNaN(r[j]);
        var indicators = MlNetRows.Indicators(missing);
        var sum = new double[FeatureBuilder.MaxHorizon];
        var count = new int[FeatureBuilder.MaxHorizon];
        for (var i = 0; i < rows.Count; i++)
        {
            sum[rows.Horizons[i] - 1] += rows.Deltas[i] * rows.Deltas[i];
            count[rows.Horizons[i] - 1]++;
        }
        var scales = MlNetRows.Scales(sum, count);
        var data = new List<MlNetRows.Row>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            data.Add(new MlNetRows.Row { Label = (float)(rows.Deltas[i] / scales[rows.Horizons[i] - 1]), Features = MlNetRows.Encode(rows.Features[i], indicators) });
        }
        var ml = new MLContext(settings.Seed);
        var view = ml.Data.LoadFromEnumerable(data, MlNetRows.Schema(width + indicators.Length));
        cancellationToken.ThrowIfCancellationRequested();
        var model = ml.Regression.Trainers.LightGbm(new LightGbmRegressionTrainer.Options
        {
            NumberOfIterations = settings.Rounds,
            LearningRate = settings.LearningRate,
            NumberOfLeaves = settings.Leaves,
            MinimumExampleCountPerLeaf = settings.MinimumLeafRows,
            NumberOfThreads = settings.Threads,
            Seed = settings.Seed,
            MaximumBinCountPerFeature = settings.Bins,
            Booster = new GradientBooster.Options { L2Regularization = 1, FeatureFraction = 0.8, SubsampleFraction = 0.8, SubsampleFrequency = 1 },
        }).Fit(ml.Data.Cache(view));
        return new GlobalModel(target, new MlNetRows.Layout(width, indicators, scales), ml, model, view.Schema);
    }

    /// <summary>Predicted deltas for points of a city (NaN where no level); the builder must use <see cref="GlobalPool.LayoutFor"/>.</summary>
    public double[] PredictDeltas(FeatureBuilder features, CityProfile profile, IReadOnlyList<ForecastPoint> points)
    {
        if (Width(features) != FeatureWidth)
            throw new InvalidOperationException($"The global model expects {FeatureWidth} features, the builder gives {Width(features)}");
        return MlNetRows.PredictDeltas(features, points, (point, row) => Write(features, profile, point, row), _ml, _transformer, _layout);
    }

    public byte[] Save() => MlNetRows.Save(_ml, _transformer, _schema, _layout, writer => writer.Write(Target.Code()));

    public static GlobalModel Load(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        if (!ForecastTargets.TryParse(reader.ReadString(), out var target)) throw new InvalidDataException("global model of an unknown target");
        var (layout, ml, model, schema) = MlNetRows.Load(reader);
        return new GlobalModel(target, layout, ml, model, schema);
    }
}
