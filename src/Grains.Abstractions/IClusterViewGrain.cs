using Orleans.Concurrency;

namespace AirQuality.Grains.Abstractions;

/// <summary>
/// The cluster as the silo answering sees it (its membership snapshot in memory), for health checks that must work
/// while the membership table in PostgreSQL cannot be read. A stateless worker: whichever silo serves the call answers.
/// </summary>
public interface IClusterViewGrain : IGrainWithIntegerKey
{
    /// <summary>The silos the answering silo believes active.</summary>
    [ReadOnly]
    Task<IReadOnlyList<string>> GetActiveSilos();
}
