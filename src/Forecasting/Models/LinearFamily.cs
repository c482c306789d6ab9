using AirQuality.Forecasting.Features;
using MathNet.Numerics.LinearAlgebra;

namespace AirQuality.Forecasting.Models;

/// <summary>
/// The linear family: ridge regression solved in closed form (the normal equations by Cholesky, Math.NET Numerics), so
/// a fit is exact, repeatable bit for bit and independent of thread counts. One direct fit for all horizons 1..48 with
/// per-horizon terms: an intercept of its own for every horizon, and each origin and target-hour feature multiplied by
/// smooth functions of the horizon (1, e^-(h-1)/3, e^-(h-1)/12, h/48), so a weight is a curve over the horizon: the
/// latest value dominates at 1 h and fades towards the weekly mean and the daily cycle at 48 h.
/// </summary>
/// <remarks>
/// Inputs are standardised on the training rows; the ridge penalty (<see cref="ForecastSettings.LinearL2"/> per unit
/// of training weight) applies to the standardised slopes, barely to the intercepts. A missing input becomes 0 (in
/// relative log space: "same as the level") with a 0/1 indicator when the training rows had it missing. Labels are
/// divided by their horizon's typical size, as for the other families, so the loss weighs every horizon alike.
/// </remarks>
public sealed class LinearFamily : IForecastFamily
{
    private const int FormatTag = -3;

    private static readonly Func<int, double>[] Basis =
    [
        _ => 1,
        h => Math.Exp(-(h - 1) / 3.0),
        h => Math.Exp(-(h - 1) / 12.0),
        h => h / 48.0,
    ];

    public ModelFamily Family => ModelFamily.Linear;

    public string? UnavailableReason => null;

    private static int RawWidth(FeatureBuilder f) => f.OriginNames.Count + f.HorizonNames.Count;

    private static void WriteRaw(FeatureBuilder f, ForecastPoint p, Span<double> raw)
    {
        var origin = f.Origin(p.Origin);
        origin.CopyTo(raw);
        f.Horizon(p.Origin, p.Horizon, raw[origin.Length..]);
    }

    /// <summary>The design row of a point: horizon intercepts, then raw x basis, then indicators x basis (unstandardised).</summary>
    private static void Design(ReadOnlySpan<double> raw, int horizon, int[] indicators, Span<double> x)
    {
        // Everything after the horizon intercepts is written below.
        x[..FeatureBuilder.MaxHorizon].Clear();
        x[horizon - 1] = 1;
        var n = FeatureBuilder.MaxHorizon;
        foreach (var b in Basis)
        {
            var w = b(horizon);
            foreach (var v in raw) x[n++] = double.IsNaN(v) ? 0 : v * w;
            foreach (var j in indicators) x[n++] = double.IsNaN(raw[j]) ? w : 0;
        }
    }

    private static int DesignWidth(int raw, int indicators) => FeatureBuilder.MaxHorizon + Basis.Length * (raw + indicators);

    public IForecastModel Fit(FeatureBuilder features, TrainingWindow window, ForecastSettings settings, CancellationToken cancellationToken)
    {
        var points = window.Sample(features, settings.LinearMaxRows);
        if (points.Count < 50) throw new InsufficientHistoryException($"{points.Count} usable training samples; at least 50 are needed");
        var rawWidth = RawWidth(features);
        var raws = new double[points.Count * rawWidth];
        var missingAnywhere = new bool[rawWidth];
        for (var i = 0; i < points.Count; i++)
        {
            var row = raws.AsSpan(i * rawWidth, rawWidth);
            WriteRaw(features, points[i], row);
            for (var j = 0; j < rawWidth; j++) missingAnywhere[j] |= double.IsNaN(row[j]);
        }
        var indicators = Enumerable.Range(0, rawWidth).Where(j => missingAnywhere[j]).ToArray();
        var p = DesignWidth(rawWidth, indicators.Length);
        var scales = MlNetFamily.HorizonScales(features, points);
        var weights = MlNetFamily.LevelWeights(features, points, settings.LevelWeightPower);

        // The design row is [one-hot horizon, b_1(h) z, ..., b_4(h) z] with z = [raw (NaN as 0), indicators], so every
        // sum the normal equations need is a per-horizon sum over z: the rows are summed once per horizon (m x m each)
        // and the (48 + 4m)-wide system is assembled from those, instead of summing a (48 + 4m)² outer product per row.
        var m = rawWidth + indicators.Length;
        var hs = FeatureBuilder.MaxHorizon;
        var count = new double[hs];
        var wsum = new double[hs];
        var wy = new double[hs];
        var z1 = new double[hs * m];     // unweighted sums of z (column means)
        var z2 = new double[hs * m];     // unweighted sums of z² (column deviations)
        var sz = new double[hs * m];     // weighted sums of z
        var yz = new double[hs * m];     // weighted sums of y z
        var gz = new double[hs * m * m]; // weighted sums of z zᵀ (upper triangle)
        var z = new double[m];
        double weightSum = 0;
        for (var i = 0; i < points.Count; i++)
        {
            var raw = raws.AsSpan(i * rawWidth, rawWidth);
            for (var j = 0; j < rawWidth; j++) z[j] = double.IsNaN(raw[j]) ? 0 : raw[j];
            for (var k = 0; k < indicators.Length; k++) z[rawWidth + k] = double.IsNaN(raw[indicators[k]]) ? 1 : 0;
            var h = points[i].Horizon - 1;
            var w = weights[i];
            var y = features.Delta(points[i].Origin, points[i].Horizon) / scales[h];
            weightSum += w;
            count[h]++;
            wsum[h] += w;
            wy[h] += w * y;
            var o = h * m;
            var g = h * m * m;
            for (var j = 0; j < m; j++)
            {
                var v = z[j];
                z1[o + j] += v;
                z2[o + j] += v * v;
                if (v == 0) continue;
                var wv = w * v;
                sz[o + j] += wv;
                yz[o + j] += wv * y;
                var row = g + j * m;
                for (var k = j; k < m; k++) gz[row + k] += wv * z[k];
            }
            if (i % 1024 == 0) cancellationToken.ThrowIfCancellationRequested();
        }
        var n = (double)points.Count;
        var basis = new double[Basis.Length, hs];
        for (var b = 0; b < Basis.Length; b++)
            for (var h = 0; h < hs; h++) basis[b, h] = Basis[b](h + 1);
        int Column(int b, int j) => hs + b * m + j;
        // Column means and deviations (unweighted) of the slope columns; the horizon intercepts stay 0/1.
        var mean = new double[p];
        var std = new double[p];
        Array.Fill(std, 1);
        for (var b = 0; b < Basis.Length; b++)
            for (var j = 0; j < m; j++)
            {
                double s1 = 0, s2 = 0;
                for (var h = 0; h < hs; h++)
                {
                    var w = basis[b, h];
                    s1 += w * z1[h * m + j];
                    s2 += w * w * z2[h * m + j];
                }
                var mu = s1 / n;
                var variance = s2 / n - mu * mu;
                var c = Column(b, j);
                mean[c] = mu;
                // A column constant on the training rows (up to rounding) is left unscaled.
                std[c] = variance > 1e-12 * (s2 / n + 1e-12) && Math.Sqrt(variance) > 1e-9 ? Math.Sqrt(variance) : 1;
            }
        // Unstandardised weighted sums: G = Xᵀ W X, s = Xᵀ W 1, g = Xᵀ W y.
        var a = new double[p, p];
        var sx = new double[p];
        var gy = new double[p];
        double wyAll = 0;
        for (var h = 0; h < hs; h++)
        {
            a[h, h] = wsum[h];
            sx[h] = wsum[h];
            gy[h] = wy[h];
            wyAll += wy[h];
        }
        for (var b = 0; b < Basis.Length; b++)
            for (var j = 0; j < m; j++)
            {
                var cj = Column(b, j);
                for (var h = 0; h < hs; h++)
                {
                    var w = basis[b, h];
                    a[h, cj] = w * sz[h * m + j];
                    sx[cj] += w * sz[h * m + j];
                    gy[cj] += w * yz[h * m + j];
                }
                for (var c2 = b; c2 < Basis.Length; c2++)
                    for (var k = c2 == b ? j : 0; k < m; k++)
                    {
                        var (lo, hi) = j <= k ? (j, k) : (k, j);
                        double sum = 0;
                        for (var h = 0; h < hs; h++) sum += basis[b, h] * basis[c2, h] * gz[h * m * m + lo * m + hi];
                        a[cj, Column(c2, k)] = sum;
                    }
            }
        // Standardised: x~ = (x - mean) / std on every column (mean 0 and std 1 for the intercepts).
        var rhs = new double[p];
        for (var j = 0; j < p; j++)
        {
            rhs[j] = (gy[j] - mean[j] * wyAll) / std[j];
            for (var k = j; k < p; k++)
                a[j, k] = (a[j, k] - mean[j] * sx[k] - mean[k] * sx[j] + mean[j] * mean[k] * weightSum) / (std[j] * std[k]);
        }
        cancellationToken.ThrowIfCancellationRequested();
        var lambda = settings.LinearL2 * weightSum;
        for (var j = 0; j < p; j++)
        {
            for (var k = 0; k < j; k++) a[j, k] = a[k, j];
            a[j, j] += j < FeatureBuilder.MaxHorizon ? 1e-6 * weightSum : Math.Max(lambda, 1e-9 * weightSum);
        }
        var beta = Matrix<double>.Build.DenseOfArray(a).Cholesky().Solve(Vector<double>.Build.DenseOfArray(rhs)).ToArray();
        if (beta.Any(v => !double.IsFinite(v))) throw new InvalidOperationException("the ridge solution is not finite");
        return new Model(rawWidth, indicators, mean, std, beta, scales);
    }

    public IForecastModel Load(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        if (reader.ReadInt32() != FormatTag) throw new InvalidDataException("not a ridge model (an older linear model format); retrain the city");
        var rawWidth = reader.ReadInt32();
        int[] Ints() => Enumerable.Range(0, reader.ReadInt32()).Select(_ => reader.ReadInt32()).ToArray();
        double[] Doubles() => Enumerable.Range(0, reader.ReadInt32()).Select(_ => reader.ReadDouble()).ToArray();
        var indicators = Ints();
        return new Model(rawWidth, indicators, Doubles(), Doubles(), Doubles(), Doubles());
    }

    private sealed class Model(int rawWidth, int[] indicators, double[] mean, double[] std, double[] beta, double[] scales) : IForecastModel
    {
        public ModelFamily Family => ModelFamily.Linear;

        /// <summary>The fitted coefficients (standardised design), for tests of repeatability.</summary>
        public IReadOnlyList<double> Coefficients => beta;

        public double[] PredictDeltas(FeatureBuilder features, IReadOnlyList<ForecastPoint> points)
        {
            if (RawWidth(features) != rawWidth)
                throw new InvalidOperationException($"The linear model expects {rawWidth} features, the builder gives {RawWidth(features)}");
            var result = new double[points.Count];
            var raw = new double[rawWidth];
            var x = new double[beta.Length];
            for (var i = 0; i < points.Count; i++)
            {
                if (!features.TryLevel(points[i].Origin, out _, out _))
                {
                    result[i] = double.NaN;
                    continue;
                }
                WriteRaw(features, points[i], raw);
                Design(raw, points[i].Horizon, indicators, x);
                double s = 0;
                for (var j = 0; j < x.Length; j++) s += (x[j] - mean[j]) / std[j] * beta[j];
                result[i] = s * scales[points[i].Horizon - 1];
            }
            return result;
        }

        public byte[] Save()
        {
            var buffer = new MemoryStream();
            using (var w = new BinaryWriter(buffer))
            {
                w.Write(FormatTag);
                w.Write(rawWidth);
                w.Write(indicators.Length);
                foreach (var j in indicators) w.Write(j);
                foreach (var array in new[] { mean, std, beta, scales })
                {
                    w.Write(array.Length);
                    foreach (var v in array) w.Write(v);
                }
            }
            return buffer.ToArray();
        }
    }
}
