using System.Text.Json;
using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;

namespace AirQuality.Forecasting.Training;

/// <summary>
/// A trained model as stored in the registry: a JSON header (family, layout, conformal half-widths) followed by the
/// family's own bytes (ML.NET's model zip, or the TorchSharp state), so any silo can rebuild it with nothing else.
/// </summary>
/// <param name="TrainedThrough">The last hour whose value the model learned from (null in artifacts that predate it).</param>
public sealed record ModelArtifact(ModelFamily Family, FeatureLayout Layout, IReadOnlyList<double> HalfWidth80, IReadOnlyList<double> HalfWidth90, byte[] Model,
    DateTime? TrainedThrough = null)
{
    /// <summary>The per-horizon blend with the baselines the model serves through; null when it serves alone.</summary>
    public HorizonBlend? Blend { get; init; }

    /// <summary>The artifact of a trained model: a <see cref="BlendedModel"/> keeps its weights in the header.</summary>
    public static ModelArtifact Of(IForecastModel model, FeatureLayout layout, IReadOnlyList<double> halfWidth80, IReadOnlyList<double> halfWidth90, DateTime? trainedThrough) =>
        new(model.Family, layout, halfWidth80, halfWidth90, model.Save(), trainedThrough) { Blend = (model as BlendedModel)?.Blend };

    private const int FormatVersion = 1;

    private sealed record Header(int Format, string Family, string Target, string[] Covariates, bool YearCycle, double[] HalfWidth80, double[] HalfWidth90,
        DateTime? TrainedThrough = null, bool TargetWeather = false, double[]? BlendModel = null, double[]? BlendSeasonal = null,
        double[]? BlendProfile = null, double[]? BlendDamping = null);

    public byte[] Pack()
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(new Header(FormatVersion, Family.Code(), Layout.Target.Code(), [.. Layout.Covariates], Layout.YearCycle, [.. HalfWidth80], [.. HalfWidth90], TrainedThrough, Layout.TargetWeather,
            Blend is null ? null : [.. Blend.Model], Blend is null ? null : [.. Blend.Seasonal], Blend?.Profile is null ? null : [.. Blend.Profile], Blend?.Damping is null ? null : [.. Blend.Damping]));
        var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(header.Length);
            writer.Write(header);
            writer.Write(Model.Length);
            writer.Write(Model);
        }
        return buffer.ToArray();
    }

    public static ModelArtifact Unpack(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        var header = JsonSerializer.Deserialize<Header>(reader.ReadBytes(reader.ReadInt32()))
            ?? throw new InvalidDataException("model artifact without a header");
        if (header.Format != FormatVersion) throw new InvalidDataException($"model artifact format {header.Format} is not {FormatVersion}");
        if (!ModelFamilies.TryParse(header.Family, out var family)) throw new InvalidDataException($"unknown model family '{header.Family}'");
        if (!ForecastTargets.TryParse(header.Target, out var target)) throw new InvalidDataException($"unknown target '{header.Target}'");
        var model = reader.ReadBytes(reader.ReadInt32());
        return new ModelArtifact(family, new FeatureLayout(target, header.Covariates, header.YearCycle, header.TargetWeather), header.HalfWidth80, header.HalfWidth90, model,
            header.TrainedThrough is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : null)
        {
            Blend = header.BlendModel is { Length: FeatureBuilder.MaxHorizon } a && header.BlendSeasonal is { Length: FeatureBuilder.MaxHorizon } b ? new HorizonBlend(a, b) { Profile = header.BlendProfile is { Length: FeatureBuilder.MaxHorizon } c ? c : null, Damping = header.BlendDamping is { Length: FeatureBuilder.MaxHorizon } d ? d : null } : null,
        };
    }

    /// <summary>Rebuilds the model with the family that made it.</summary>
    public IForecastModel Load(IEnumerable<IForecastFamily> families) => BlendedModel.Wrap(LoadInner(families), Blend);

    private IForecastModel LoadInner(IEnumerable<IForecastFamily> families) => Family switch
    {
        ModelFamily.Persistence => PersistenceModel.Instance,
        ModelFamily.SeasonalNaive => SeasonalNaiveModel.Instance,
        ModelFamily.Ensemble => EnsembleModel.Load(Model, families),
        _ => (families.FirstOrDefault(f => f.Family == Family) ?? throw new FamilyUnavailableException(Family, "not configured in this silo")).Load(Model),
    };
}
