using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace AirQuality.Silo;

/// <summary>Ready once this silo is an active member of the cluster; not while joining or shutting down.</summary>
public sealed class SiloActiveCheck(IClusterMembershipService membership, ILocalSiloDetails local) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = membership.CurrentSnapshot;
        var status = snapshot.GetSiloStatus(local.SiloAddress);
        var active = snapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"active; {active} active silo(s) in the cluster")
            : HealthCheckResult.Unhealthy($"silo is {status}"));
    }
}
