using System.Collections.Concurrent;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Training;

namespace AirQuality.Grains.Forecasting;

/// <summary>
/// Champions loaded from the artifact store, kept per (city, target, version) so a model is deserialised once per
/// silo, whichever silo the city lives on.
/// </summary>
public sealed class ServingModels(IModelArtifactStore store, ForecastTrainer trainer)
{
    private readonly ConcurrentDictionary<(string, string, int), Lazy<Task<(IForecastModel Model, ModelArtifact Artifact)?>>> _loaded = new();

    /// <summary>The model of a version, or null when its artifact is missing.</summary>
    public Task<(IForecastModel Model, ModelArtifact Artifact)?> GetAsync(string cityId, string target, int version)
    {
        var lazy = _loaded.GetOrAdd((cityId, target, version), key => new Lazy<Task<(IForecastModel, ModelArtifact)?>>(async () =>
        {
            var bytes = await store.LoadAsync(key.Item1, key.Item2, key.Item3);
            if (bytes is null) return null;
            // Deserialising an ML.NET zip or a TorchSharp state takes milliseconds: off the caller's scheduler.
            return await Task.Run(() =>
            {
                var artifact = ModelArtifact.Unpack(bytes);
                try
                {
                    return ((IForecastModel, ModelArtifact)?)(artifact.Load(trainer.Families), artifact);
                }
                catch (FamilyUnavailableException)
                {
                    // Not cached: a global model this silo does not hold yet is loaded from the store within a sync period.
                    _loaded.TryRemove(key, out _);
                    throw;
                }
            });
        }));
        return lazy.Value;
    }

    /// <summary>Forgets versions a city no longer serves.</summary>
    public void Forget(string cityId, string target, int version) => _loaded.TryRemove((cityId, target, version), out _);
}
