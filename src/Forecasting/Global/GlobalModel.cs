using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;
using Microsoft.ML;
using Microsoft.ML.Data;
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
    private readonly int[] _indicators;
    private readonly double[] _scales;

    private GlobalModel(ForecastTarget target, int width, int[] indicators, double[] scales, MLContext ml, ITransformer transformer, DataViewSchema schema)
    {
        Target = target;
        FeatureWidth = width;
        _indicators = indicators;
        _scales = scales;
        _ml = ml;
        _transformer = transformer;
        _schema = schema;
    }

    public ForecastTarget Target { get; }

    /// <summary>Raw feature columns (before the missing indicators).</summary>
    public int FeatureWidth { get; }

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
        var indicators = Enumerable.Range(0, width).Where(j => missing[j]).ToArray();
        var sum = new double[FeatureBuilder.MaxHorizon];
        var count = new int[FeatureBuilder.MaxHorizon];
        for (var i = 0; i < rows.Count; i++)
        {
            sum[rows.Horizons[i] - 1] += rows.Deltas[i] * rows.Deltas[i];
            count[rows.Horizons[i] - 1]++;
        }
        var scales = sum.Select((s, i) => count[i] > 0 ? Math.Max(0.01, Math.Sqrt(s / count[i])) : 1.0).ToArray();
        var data = new List<Row>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            data.Add(new Row { Label = (float)(rows.Deltas[i] / scales[rows.Horizons[i] - 1]), Features = Encode(rows.Features[i], indicators) });
        }
        var ml = new MLContext(settings.Seed);
        var view = ml.Data.LoadFromEnumerable(data, Schema(width + indicators.Length));
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
        return new GlobalModel(target, width, indicators, scales, ml, model, view.Schema);
    }

    /// <summary>Predicted deltas for points of a city (NaN where no level); the builder must use <see cref="GlobalPool.LayoutFor"/>.</summary>
    public double[] PredictDeltas(FeatureBuilder features, CityProfile profile, IReadOnlyList<ForecastPoint> points)
    {
        var result = new double[points.Count];
        Array.Fill(result, double.NaN);
        if (Width(features) != FeatureWidth)
            throw new InvalidOperationException($"The global model expects {FeatureWidth} features, the builder gives {Width(features)}");
        var rows = new List<Row>(points.Count);
        var index = new List<int>(points.Count);
        var raw = new double[FeatureWidth];
        var f = new float[FeatureWidth];
        for (var i = 0; i < points.Count; i++)
        {
            if (!features.TryLevel(points[i].Origin, out _, out _)) continue;
            Array.Clear(raw);
            Write(features, profile, points[i], raw);
            for (var j = 0; j < raw.Length; j++) f[j] = (float)raw[j];
            rows.Add(new Row { Features = Encode(f, _indicators) });
            index.Add(i);
        }
        if (rows.Count == 0) return result;
        // MLContext is not safe for concurrent use: one prediction at a time per model.
        lock (_transformer)
        {
            var data = _ml.Data.LoadFromEnumerable(rows, Schema(FeatureWidth + _indicators.Length));
            var scores = _transformer.Transform(data).GetColumn<float>("Score").ToArray();
            for (var k = 0; k < scores.Length; k++) result[index[k]] = scores[k] * _scales[points[index[k]].Horizon - 1];
        }
        return result;
    }

    public byte[] Save()
    {
        var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Target.Code());
            writer.Write(FeatureWidth);
            writer.Write(_indicators.Length);
            foreach (var j in _indicators) writer.Write(j);
            writer.Write(_scales.Length);
            foreach (var v in _scales) writer.Write(v);
        }
        lock (_transformer) _ml.Model.Save(_transformer, _schema, buffer);
        return buffer.ToArray();
    }

    public static GlobalModel Load(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        if (!ForecastTargets.TryParse(reader.ReadString(), out var target)) throw new InvalidDataException("global model of an unknown target");
        var width = reader.ReadInt32();
        var indicators = new int[reader.ReadInt32()];
        for (var i = 0; i < indicators.Length; i++) indicators[i] = reader.ReadInt32();
        var scales = new double[reader.ReadInt32()];
        for (var i = 0; i < scales.Length; i++) scales[i] = reader.ReadDouble();
        var ml = new MLContext();
        var model = ml.Model.Load(reader.BaseStream, out var schema);
        return new GlobalModel(target, width, indicators, scales, ml, model, schema);
    }

    private static float[] Encode(float[] raw, int[] indicators)
    {
        var f = new float[raw.Length + indicators.Length];
        for (var j = 0; j < raw.Length; j++) f[j] = float.IsNaN(raw[j]) ? 0f : raw[j];
        for (var k = 0; k < indicators.Length; k++) f[raw.Length + k] = float.IsNaN(raw[indicators[k]]) ? 1f : 0f;
        return f;
    }

    private static SchemaDefinition Schema(int width)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return schema;
    }

    private sealed class Row
    {
        public float Label { get; set; }
        public float[] Features { get; set; } = [];
    }
}
