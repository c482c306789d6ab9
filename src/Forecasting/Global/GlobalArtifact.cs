using System.Collections.Concurrent;
using System.Diagnostics;
using AirQuality.Forecasting.Series;

namespace AirQuality.Forecasting.Global;

/// <summary>
/// One training of the global family for a target: the model that validates (fitted on each city's history before
/// its validation hours) and the model that serves (fitted on all of it). Immutable; one per target is shared by every
/// city of a silo, and each city's own part (its level offsets) is small and kept with the city's model version.
/// </summary>
/// <param name="Id">Names this training; a city's saved model refers to it.</param>
public sealed record GlobalArtifact(string Id, ForecastTarget Target, DateTime TrainedAt, int Cities, int Rows, GlobalModel Validation, GlobalModel Serving)
{
    /// <summary>CPU seconds of the process while pooling and fitting (both models), when measured.</summary>
    public double CpuSeconds { get; init; } = double.NaN;

    /// <summary>Fits both models of a pool.</summary>
    public static GlobalArtifact Fit(GlobalPool pool, GlobalSettings settings, DateTime trainedAt, CancellationToken cancellationToken = default)
    {
        var validation = GlobalModel.Fit(pool.Target, pool.Validation, settings, cancellationToken);
        var serving = GlobalModel.Fit(pool.Target, pool.Serving, settings, cancellationToken);
        var id = $"{pool.Target.Code()}-{trainedAt:yyyyMMddTHHmmss}-{Guid.NewGuid():N}"[..40];
        return new GlobalArtifact(id, pool.Target, trainedAt, pool.Cities, pool.Serving.Count, validation, serving);
    }

    /// <summary>Pools the histories and fits both models, measuring the process's CPU time.</summary>
    public static GlobalArtifact Train(ForecastTarget target, IReadOnlyList<HourlySeries> histories, GlobalSettings settings, double validationFraction,
        DateTime trainedAt, CancellationToken cancellationToken = default)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var pool = new GlobalPool(target, histories.Count, settings, validationFraction);
        foreach (var h in histories) pool.Add(h, cancellationToken);
        var artifact = Fit(pool, settings, trainedAt, cancellationToken);
        return artifact with { CpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds };
    }

    private const int FormatVersion = 1;

    public byte[] Pack()
    {
        var buffer = new MemoryStream();
        using var writer = new BinaryWriter(buffer);
        writer.Write(FormatVersion);
        writer.Write(Id);
        writer.Write(Target.Code());
        writer.Write(TrainedAt.Ticks);
        writer.Write(Cities);
        writer.Write(Rows);
        foreach (var m in new[] { Validation, Serving })
        {
            var bytes = m.Save();
            writer.Write(bytes.Length);
            writer.Write(bytes);
        }
        writer.Flush();
        return buffer.ToArray();
    }

    public static GlobalArtifact Unpack(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        var format = reader.ReadInt32();
        if (format != FormatVersion) throw new InvalidDataException($"global artifact format {format} is not {FormatVersion}");
        var id = reader.ReadString();
        if (!ForecastTargets.TryParse(reader.ReadString(), out var target)) throw new InvalidDataException("global artifact of an unknown target");
        var at = new DateTime(reader.ReadInt64(), DateTimeKind.Utc);
        var cities = reader.ReadInt32();
        var rows = reader.ReadInt32();
        var validation = GlobalModel.Load(reader.ReadBytes(reader.ReadInt32()));
        var serving = GlobalModel.Load(reader.ReadBytes(reader.ReadInt32()));
        return new GlobalArtifact(id, target, at, cities, rows, validation, serving);
    }
}

/// <summary>
/// The global models a process holds: the newest per target (what new trainings use) and a few older ones, so cities
/// whose saved models refer to them keep serving until they retrain. Thread-safe.
/// </summary>
public sealed class GlobalModelSet
{
    /// <summary>Trainings kept per target (the newest included).</summary>
    public const int Kept = 3;

    private readonly ConcurrentDictionary<string, GlobalArtifact> _byId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ForecastTarget, GlobalArtifact> _current = new();
    private readonly Lock _lock = new();

    /// <summary>The newest training of a target, or null when none was published.</summary>
    public GlobalArtifact? Current(ForecastTarget target) => _current.GetValueOrDefault(target);

    /// <summary>A training by id, or null when it is not held.</summary>
    public GlobalArtifact? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>Every training held.</summary>
    public IReadOnlyCollection<GlobalArtifact> All => _byId.Values.ToList();

    /// <summary>Makes a training the newest of its target (unless a newer one is held) and forgets the oldest beyond <see cref="Kept"/>.</summary>
    public void Publish(GlobalArtifact artifact)
    {
        lock (_lock)
        {
            _byId[artifact.Id] = artifact;
            if (_current.GetValueOrDefault(artifact.Target) is not { } now || now.TrainedAt <= artifact.TrainedAt) _current[artifact.Target] = artifact;
            foreach (var old in _byId.Values.Where(a => a.Target == artifact.Target).OrderByDescending(a => a.TrainedAt).Skip(Kept).ToList())
                if (old != _current[artifact.Target]) _byId.TryRemove(old.Id, out _);
        }
    }
}
