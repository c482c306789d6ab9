using AirQuality.Forecasting.Features;

namespace AirQuality.Forecasting.Models;

/// <summary>
/// The equal-weight ensemble of trained families: the mean of their predicted deltas, i.e. of log(1 + forecast), a
/// geometric mean of the forecasts. Opposite biases cancel, and it is never worse than the worst member. A point a
/// member cannot forecast is averaged over the others.
/// </summary>
public sealed class EnsembleModel(IReadOnlyList<IForecastModel> members) : IForecastModel
{
    public ModelFamily Family => ModelFamily.Ensemble;

    public IReadOnlyList<IForecastModel> Members => members;

    public double[] PredictDeltas(FeatureBuilder features, IReadOnlyList<ForecastPoint> points)
    {
        var sum = new double[points.Count];
        var count = new int[points.Count];
        foreach (var m in members)
        {
            var d = DeltaGuard.Clamp(features, points, m.PredictDeltas(features, points));
            for (var i = 0; i < d.Length; i++)
                if (!double.IsNaN(d[i])) { sum[i] += d[i]; count[i]++; }
        }
        return sum.Select((s, i) => count[i] > 0 ? s / count[i] : double.NaN).ToArray();
    }

    /// <summary>The members' family codes and bytes.</summary>
    public byte[] Save()
    {
        var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer))
        {
            w.Write(members.Count);
            foreach (var m in members)
            {
                w.Write(m.Family.Code());
                var bytes = m.Save();
                w.Write(bytes.Length);
                w.Write(bytes);
            }
        }
        return buffer.ToArray();
    }

    /// <summary>Rebuilds an ensemble with the families that made its members.</summary>
    public static EnsembleModel Load(byte[] bytes, IEnumerable<IForecastFamily> families)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        var n = reader.ReadInt32();
        var members = new List<IForecastModel>(n);
        for (var i = 0; i < n; i++)
        {
            var code = reader.ReadString();
            var data = reader.ReadBytes(reader.ReadInt32());
            if (!ModelFamilies.TryParse(code, out var family)) throw new InvalidDataException($"unknown ensemble member '{code}'");
            members.Add((families.FirstOrDefault(f => f.Family == family) ?? throw new FamilyUnavailableException(family, "not configured in this silo")).Load(data));
        }
        return new EnsembleModel(members);
    }
}
