using AirQuality.Grains.Abstractions;
using Orleans.Concurrency;

namespace AirQuality.Grains.Hosting;

/// <summary>Answers from the local silo's membership snapshot (see <see cref="IClusterViewGrain"/>).</summary>
[StatelessWorker]
public sealed class ClusterViewGrain(IClusterMembershipService membership) : Grain, IClusterViewGrain
{
    public Task<IReadOnlyList<string>> GetActiveSilos() => Task.FromResult<IReadOnlyList<string>>(
        [.. membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress.ToString()).Order(StringComparer.Ordinal)]);
}
