using AirQuality.Grains.Abstractions;
using System.Collections.Concurrent;

namespace AirQuality.Grains.Forecasting;

/// <summary>
/// Where trained models live, so that any silo can load a city's champion: PostgreSQL in cluster mode, process memory
/// in embedded mode (one silo, nothing durable). The registry's metadata lives in the forecast grain's state.
/// </summary>
public interface IModelArtifactStore
{
    Task SaveAsync(ModelVersionInfo version, byte[] artifact, CancellationToken cancellationToken = default);

    /// <summary>The artifact of a version, or null when it is not stored.</summary>
    Task<byte[]?> LoadAsync(string cityId, string target, int version, CancellationToken cancellationToken = default);

    Task DeleteAsync(string cityId, string target, int version, CancellationToken cancellationToken = default);

    /// <summary>`memory` or `postgresql`.</summary>
    string Kind { get; }
}

/// <summary>The embedded mode's artifact store: a dictionary, gone when the process stops.</summary>
public sealed class InMemoryModelArtifactStore : IModelArtifactStore
{
    private readonly ConcurrentDictionary<(string, string, int), byte[]> _artifacts = new();

    public string Kind => "memory";

    /// <summary>Number of artifacts held (for tests and metrics).</summary>
    public int Count => _artifacts.Count;

    public Task SaveAsync(ModelVersionInfo version, byte[] artifact, CancellationToken cancellationToken = default)
    {
        _artifacts[(version.City, version.Target, version.Version)] = artifact;
        return Task.CompletedTask;
    }

    public Task<byte[]?> LoadAsync(string cityId, string target, int version, CancellationToken cancellationToken = default) =>
        Task.FromResult(_artifacts.GetValueOrDefault((cityId, target, version)));

    public Task DeleteAsync(string cityId, string target, int version, CancellationToken cancellationToken = default)
    {
        _artifacts.TryRemove((cityId, target, version), out _);
        return Task.CompletedTask;
    }
}
