using AirQuality.Grains.Abstractions;
using System.Collections.Concurrent;
using AirQuality.Domain.Cities;
using AirQuality.Grains.Forecasting;
using AirQuality.Grains.Ingestion;
using AirQuality.Grains.Storage;
using Orleans.TestingHost;

namespace AirQuality.Grains.Tests.Forecasting;

/// <summary>A one-silo test cluster with in-memory stores the tests can see, 20 days of simulated Delhi history, quick training.</summary>
public sealed class ForecastClusterFixture : IAsyncLifetime
{
    public InMemoryReadingStore Readings { get; } = new();

    public GatedArtifactStore Artifacts { get; } = new(new InMemoryModelArtifactStore());

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public IServiceProvider Silo => Cluster.Silos[0].ServiceProvider;

    /// <summary>Saves 20 days of simulated history of a city, up to the current hour.</summary>
    public async Task AddHistoryAsync(string cityName)
    {
        var city = CityCatalog.Default.Resolve(cityName)!;
        var to = Domain.Readings.Hours.Floor(DateTime.UtcNow);
        await Readings.SaveHoursAsync(city.Id, SimulatedSource.Range(city, to.AddDays(-20), to).Select(r => MergePolicy.Merge(r.Hour, null, [r])).ToList());
    }

    public async Task InitializeAsync()
    {
        await AddHistoryAsync("Delhi");
        Cluster = ForecastTestCluster.Build(Readings, Artifacts);
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>An artifact store whose loads of a chosen version can be held until the test releases them.</summary>
public sealed class GatedArtifactStore(IModelArtifactStore inner) : IModelArtifactStore
{
    private readonly ConcurrentDictionary<(string City, int Version), (TaskCompletionSource Entered, TaskCompletionSource Release)> _held = new();

    public string Kind => inner.Kind;

    /// <summary>Holds the next loads of a version; the first task completes when one is waiting, the second releases them.</summary>
    public (Task Entered, Action Release) Hold(string cityId, int version)
    {
        var gate = (new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _held[(cityId, version)] = gate;
        return (gate.Item1.Task, () =>
        {
            _held.TryRemove((cityId, version), out _);
            gate.Item2.TrySetResult();
        });
    }

    public async Task<byte[]?> LoadAsync(string cityId, string target, int version, CancellationToken cancellationToken = default)
    {
        if (_held.TryGetValue((cityId, version), out var gate))
        {
            gate.Entered.TrySetResult();
            await gate.Release.Task.WaitAsync(cancellationToken);
        }
        return await inner.LoadAsync(cityId, target, version, cancellationToken);
    }

    public Task SaveAsync(ModelVersionInfo version, byte[] artifact, CancellationToken cancellationToken = default) => inner.SaveAsync(version, artifact, cancellationToken);

    public Task DeleteAsync(string cityId, string target, int version, CancellationToken cancellationToken = default) => inner.DeleteAsync(cityId, target, version, cancellationToken);
}
