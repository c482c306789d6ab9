using AirQuality.Forecasting.Features;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AirQuality.Forecasting.Models;

/// <summary>
/// LSTM (TorchSharp): reads the last hours step by step (relative log value, a presence mask, hour of day) and the
/// origin's features, and emits all 48 horizons at once: a direct multi-output forecast, one network per city and target.
/// Missing hours enter as 0 with mask 0, so the network knows a gap from a value equal to the level.
/// </summary>
public sealed class LstmFamily : IForecastFamily
{
    private const int StepChannels = 4;

    /// <summary>Marks the stored layout that carries the sequence length (older artifacts start with the width).</summary>
    private const int FormatTag = -2;

    private const int LegacySequenceHours = 48;
    private readonly string? _forcedReason;

    /// <param name="unavailableReason">Set to keep the family off (configuration, tests); null asks TorchSharp itself.</param>
    public LstmFamily(string? unavailableReason = null) => _forcedReason = unavailableReason;

    public ModelFamily Family => ModelFamily.Lstm;

    public string? UnavailableReason => _forcedReason ?? TorchRuntime.UnavailableReason;

    private static readonly Lock TorchGate = new();

    public IForecastModel Fit(FeatureBuilder features, TrainingWindow window, ForecastSettings settings, CancellationToken cancellationToken)
    {
        ThrowIfUnavailable();
        var points = window.Points(features).ToList();
        var origins = points.Select(p => p.Origin).Distinct().ToArray();
        if (origins.Length < 50) throw new InsufficientHistoryException($"{origins.Length} usable origins; at least 50 are needed");
        var width = StaticWidth(features);
        var sequenceHours = Math.Clamp(settings.LstmSequenceHours, 1, FeatureBuilder.Lookback);
        var (mean, std) = Standardisation(features, origins, width);
        // TorchSharp's random generator is process-wide: the seed and the initial weights drawn from it are taken under
        // one lock, so a fit is repeatable whatever trains beside it (training itself draws only from its own Random).
        Network net;
        lock (TorchGate)
        {
            torch.set_num_threads(Math.Max(1, settings.Threads));
            torch.manual_seed(settings.Seed);
            net = new Network(width, settings.LstmHidden);
        }
        // Targets are divided by their horizon's typical size so that the loss weighs every horizon alike.
        var scales = MlNetFamily.HorizonScales(features, points);
        var targets = new float[origins.Length * FeatureBuilder.MaxHorizon];
        var masks = new float[targets.Length];
        var weights = MlNetFamily.LevelWeights(features, origins.Select(t => new ForecastPoint(t, 1)).ToList(), settings.LevelWeightPower);
        for (var i = 0; i < origins.Length; i++)
            for (var h = 1; h <= FeatureBuilder.MaxHorizon; h++)
            {
                var t = origins[i];
                var d = t + h < window.TargetLimit ? features.Delta(t, h) : double.NaN;
                targets[i * FeatureBuilder.MaxHorizon + h - 1] = double.IsNaN(d) ? 0f : (float)(d / scales[h - 1]);
                masks[i * FeatureBuilder.MaxHorizon + h - 1] = double.IsNaN(d) ? 0f : (float)weights[i];
            }
        // Every origin's inputs are built once; a step only picks its mini-batch rows out of them.
        var (allSequences, allStatics) = Inputs(features, origins, mean, std, sequenceHours);
        using var sequences = allSequences;
        using var statics = allStatics;
        using var allTargets = tensor(targets, [origins.Length, FeatureBuilder.MaxHorizon]);
        using var allMasks = tensor(masks, [origins.Length, FeatureBuilder.MaxHorizon]);
        var random = new Random(settings.Seed);
        var batch = Math.Min(settings.LstmBatch, origins.Length);
        using var optimizer = new KeptScalarAdam(net.parameters(), learningRate: 3e-3);
        // Scalar operands are made once and kept alive (see KeptScalarAdam for why implicit ones are avoided).
        using var one = 1.0.ToScalar();
        using var half = 0.5.ToScalar();
        net.train();
        var pick = new long[batch];
        for (var step = 0; step < settings.LstmSteps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            for (var b = 0; b < batch; b++) pick[b] = random.Next(origins.Length);
            var index = tensor(pick);
            var y = allTargets.index_select(0, index);
            var m = allMasks.index_select(0, index);
            optimizer.ZeroGrad();
            var error = (net.call(sequences.index_select(0, index), statics.index_select(0, index)) - y).abs();
            // Huber: squared near zero, linear for the smog spikes that would otherwise dominate.
            var huber = where(error.lt(one), error.mul(error).mul_(half), error.sub(half));
            var loss = (huber * m).sum() / m.sum().clamp_min(one);
            loss.backward();
            nn.utils.clip_grad_norm_(net.parameters(), 1.0);
            optimizer.Step();
        }
        net.eval();
        return new Model(net, mean, std, scales, settings.LstmHidden, sequenceHours);
    }

    public IForecastModel Load(byte[] bytes)
    {
        ThrowIfUnavailable();
        using var reader = new BinaryReader(new MemoryStream(bytes));
        var first = reader.ReadInt32();
        var sequenceHours = first == FormatTag ? reader.ReadInt32() : LegacySequenceHours;
        var width = first == FormatTag ? reader.ReadInt32() : first;
        var hidden = reader.ReadInt32();
        var mean = new double[width];
        var std = new double[width];
        for (var i = 0; i < width; i++) mean[i] = reader.ReadDouble();
        for (var i = 0; i < width; i++) std[i] = reader.ReadDouble();
        var scales = new double[FeatureBuilder.MaxHorizon];
        for (var i = 0; i < scales.Length; i++) scales[i] = reader.ReadDouble();
        var net = new Network(width, hidden);
        net.load(reader);
        net.eval();
        return new Model(net, mean, std, scales, hidden, sequenceHours);
    }

    private void ThrowIfUnavailable()
    {
        if (UnavailableReason is { } reason) throw new FamilyUnavailableException(ModelFamily.Lstm, reason);
    }

    private static int StaticWidth(FeatureBuilder f) => f.OriginNames.Count + f.HorizonNames.Count;

    private static double[] StaticRow(FeatureBuilder f, int t)
    {
        var row = new double[StaticWidth(f)];
        f.Origin(t).CopyTo(row, 0);
        f.Horizon(t, 1, row.AsSpan(f.OriginNames.Count));
        return row;
    }

    private static (double[] Mean, double[] Std) Standardisation(FeatureBuilder f, int[] origins, int width)
    {
        var sum = new double[width];
        var sq = new double[width];
        var n = new int[width];
        foreach (var t in origins)
        {
            var row = StaticRow(f, t);
            for (var j = 0; j < width; j++)
            {
                if (double.IsNaN(row[j])) continue;
                sum[j] += row[j];
                sq[j] += row[j] * row[j];
                n[j]++;
            }
        }
        var mean = new double[width];
        var std = new double[width];
        for (var j = 0; j < width; j++)
        {
            mean[j] = n[j] > 0 ? sum[j] / n[j] : 0;
            var variance = n[j] > 1 ? sq[j] / n[j] - mean[j] * mean[j] : 0;
            std[j] = variance > 1e-12 ? Math.Sqrt(variance) : 1;
        }
        return (mean, std);
    }

    private static (Tensor Sequence, Tensor Static) Inputs(FeatureBuilder f, int[] origins, double[] mean, double[] std, int sequenceHours)
    {
        var width = mean.Length;
        var seq = new float[origins.Length * sequenceHours * StepChannels];
        var stat = new float[origins.Length * width];
        for (var b = 0; b < origins.Length; b++)
        {
            var t = origins[b];
            f.TryLevel(t, out var level, out _);
            for (var k = 0; k < sequenceHours; k++)
            {
                var i = t - sequenceHours + 1 + k;
                var v = f.LogAt(i);
                var hour = FeatureBuilder.Ist(f.Series.HourAt(i)).Hour;
                var o = (b * sequenceHours + k) * StepChannels;
                seq[o] = double.IsNaN(v) ? 0f : (float)(v - level);
                seq[o + 1] = double.IsNaN(v) ? 0f : 1f;
                seq[o + 2] = (float)Math.Sin(2 * Math.PI * hour / 24);
                seq[o + 3] = (float)Math.Cos(2 * Math.PI * hour / 24);
            }
            var row = StaticRow(f, t);
            for (var j = 0; j < width; j++)
                stat[b * width + j] = double.IsNaN(row[j]) ? 0f : (float)((row[j] - mean[j]) / std[j]);
        }
        return (tensor(seq, [origins.Length, sequenceHours, StepChannels]), tensor(stat, [origins.Length, width]));
    }

    private sealed class Network : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly LSTM lstm;
        private readonly Linear hidden;
        private readonly Linear output;

        public Network(int staticWidth, int hiddenUnits) : base("aq_lstm")
        {
            lstm = nn.LSTM(StepChannels, hiddenUnits, batchFirst: true);
            hidden = nn.Linear(hiddenUnits + staticWidth, 64);
            output = nn.Linear(64, FeatureBuilder.MaxHorizon);
            RegisterComponents();
        }

        public override Tensor forward(Tensor sequence, Tensor statics)
        {
            var (_, hn, _) = lstm.call(sequence, null);
            var last = hn[hn.shape[0] - 1];
            return output.call(nn.functional.relu(hidden.call(cat([last, statics], 1))));
        }
    }

    private sealed class Model(Network net, double[] mean, double[] std, double[] scales, int hiddenUnits, int sequenceHours) : IForecastModel
    {
        public ModelFamily Family => ModelFamily.Lstm;

        public double[] PredictDeltas(FeatureBuilder features, IReadOnlyList<ForecastPoint> points)
        {
            var result = new double[points.Count];
            Array.Fill(result, double.NaN);
            if (StaticWidth(features) != mean.Length)
                throw new InvalidOperationException($"The LSTM expects {mean.Length} static features, the builder gives {StaticWidth(features)}");
            var origins = points.Select(p => p.Origin).Where(t => features.TryLevel(t, out _, out _)).Distinct().ToArray();
            var row = origins.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i);
            for (var start = 0; start < origins.Length; start += 512)
            {
                var chunk = origins[start..Math.Min(origins.Length, start + 512)];
                float[] flat;
                lock (net)
                {
                    using var scope = NewDisposeScope();
                    using var noGrad = no_grad();
                    var (seq, stat) = Inputs(features, chunk, mean, std, sequenceHours);
                    flat = net.call(seq, stat).data<float>().ToArray();
                }
                for (var i = 0; i < points.Count; i++)
                {
                    if (!row.TryGetValue(points[i].Origin, out var r) || r < start || r >= start + chunk.Length) continue;
                    result[i] = flat[(r - start) * FeatureBuilder.MaxHorizon + points[i].Horizon - 1] * scales[points[i].Horizon - 1];
                }
            }
            return result;
        }

        public byte[] Save()
        {
            var buffer = new MemoryStream();
            using var writer = new BinaryWriter(buffer);
            writer.Write(FormatTag);
            writer.Write(sequenceHours);
            writer.Write(mean.Length);
            writer.Write(hiddenUnits);
            foreach (var v in mean) writer.Write(v);
            foreach (var v in std) writer.Write(v);
            foreach (var v in scales) writer.Write(v);
            lock (net) net.save(writer);
            writer.Flush();
            return buffer.ToArray();
        }
    }
}

/// <summary>A family cannot run on this machine; the reason says why.</summary>
public sealed class FamilyUnavailableException(ModelFamily family, string reason) : Exception($"{family.Code()} is unavailable: {reason}")
{
    public ModelFamily Family { get; } = family;

    public string Reason { get; } = reason;
}
