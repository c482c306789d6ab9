using AirQuality.Forecasting.Features;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AirQuality.Forecasting.Models;

/// <summary>
/// The row layout every ML.NET model of the project shares (the per-city families and the global one): raw features
/// with NaN where missing become a vector with 0 in their place and a 0/1 indicator per column that was missing in
/// training; labels are divided by their horizon's scale; the model is saved as the layout (width, indicators,
/// scales) followed by ML.NET's zip.
/// </summary>
internal static class MlNetRows
{
    /// <summary>One row as ML.NET reads it.</summary>
    internal sealed class Row
    {
        public float Label { get; set; }
        public float Weight { get; set; } = 1;
        public float[] Features { get; set; } = [];
    }

    /// <summary>Writes the raw features of one point, NaN where missing.</summary>
    internal delegate void RowWriter(ForecastPoint point, Span<double> row);

    /// <summary>The layout a fitted model keeps: raw width, the columns with a missing indicator, the horizon scales.</summary>
    internal readonly record struct Layout(int Width, int[] Indicators, double[] Scales);

    /// <summary>The columns that were missing (NaN) in any training row, which get an indicator.</summary>
    internal static int[] Indicators(bool[] missingAnywhere) =>
        Enumerable.Range(0, missingAnywhere.Length).Where(j => missingAnywhere[j]).ToArray();

    /// <summary>Per horizon (index h - 1): the RMS of the deltas from their sums of squares and counts, never below 0.01; 1 with none.</summary>
    internal static double[] Scales(double[] sumOfSquares, int[] counts) =>
        sumOfSquares.Select((s, i) => counts[i] > 0 ? Math.Max(0.01, Math.Sqrt(s / counts[i])) : 1.0).ToArray();

    internal static float[] Encode(ReadOnlySpan<double> raw, int[] indicators)
    {
        var f = new float[raw.Length + indicators.Length];
        for (var j = 0; j < raw.Length; j++) f[j] = double.IsNaN(raw[j]) ? 0f : (float)raw[j];
        for (var k = 0; k < indicators.Length; k++) f[raw.Length + k] = double.IsNaN(raw[indicators[k]]) ? 1f : 0f;
        return f;
    }

    internal static float[] Encode(ReadOnlySpan<float> raw, int[] indicators)
    {
        var f = new float[raw.Length + indicators.Length];
        for (var j = 0; j < raw.Length; j++) f[j] = float.IsNaN(raw[j]) ? 0f : raw[j];
        for (var k = 0; k < indicators.Length; k++) f[raw.Length + k] = float.IsNaN(raw[indicators[k]]) ? 1f : 0f;
        return f;
    }

    internal static SchemaDefinition Schema(int columns)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, columns);
        return schema;
    }

    /// <summary>
    /// Predicted deltas for <paramref name="points"/> (NaN where the builder has no level): the rows written by
    /// <paramref name="write"/>, scored in one batch and multiplied back by their horizon's scale.
    /// </summary>
    internal static double[] PredictDeltas(FeatureBuilder features, IReadOnlyList<ForecastPoint> points, RowWriter write,
        MLContext ml, ITransformer transformer, Layout layout)
    {
        var result = new double[points.Count];
        Array.Fill(result, double.NaN);
        var rows = new List<Row>(points.Count);
        var index = new List<int>(points.Count);
        var raw = new double[layout.Width];
        for (var i = 0; i < points.Count; i++)
        {
            if (!features.TryLevel(points[i].Origin, out _, out _)) continue;
            Array.Clear(raw);
            write(points[i], raw);
            rows.Add(new Row { Features = Encode(raw, layout.Indicators) });
            index.Add(i);
        }
        if (rows.Count == 0) return result;
        // MLContext is not safe for concurrent use; predictions are short, so one lock per model is enough.
        lock (transformer)
        {
            var data = ml.Data.LoadFromEnumerable(rows, Schema(layout.Width + layout.Indicators.Length));
            var scores = transformer.Transform(data).GetColumn<float>("Score").ToArray();
            for (var k = 0; k < scores.Length; k++) result[index[k]] = scores[k] * layout.Scales[points[index[k]].Horizon - 1];
        }
        return result;
    }

    /// <summary>The layout, then ML.NET's zip of the model; <paramref name="header"/> writes what comes before the layout.</summary>
    internal static byte[] Save(MLContext ml, ITransformer transformer, DataViewSchema schema, Layout layout, Action<BinaryWriter>? header = null)
    {
        var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            header?.Invoke(writer);
            writer.Write(layout.Width);
            writer.Write(layout.Indicators.Length);
            foreach (var j in layout.Indicators) writer.Write(j);
            writer.Write(layout.Scales.Length);
            foreach (var v in layout.Scales) writer.Write(v);
        }
        lock (transformer) ml.Model.Save(transformer, schema, buffer);
        return buffer.ToArray();
    }

    /// <summary>Reads what <see cref="Save"/> wrote after its header.</summary>
    internal static (Layout Layout, MLContext Ml, ITransformer Transformer, DataViewSchema Schema) Load(BinaryReader reader)
    {
        var width = reader.ReadInt32();
        var indicators = new int[reader.ReadInt32()];
        for (var i = 0; i < indicators.Length; i++) indicators[i] = reader.ReadInt32();
        var scales = new double[reader.ReadInt32()];
        for (var i = 0; i < scales.Length; i++) scales[i] = reader.ReadDouble();
        var ml = new MLContext();
        var model = ml.Model.Load(reader.BaseStream, out var schema);
        return (new Layout(width, indicators, scales), ml, model, schema);
    }
}
