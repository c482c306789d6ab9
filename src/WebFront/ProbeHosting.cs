using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Orleans.Runtime;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AirQuality.WebFront;

/// <summary>
/// Orchestrator probes, apart from the API's own <c>/api/v1/health</c>: <c>/healthz/live</c> answers 200 while the
/// process serves HTTP (a failing liveness probe restarts the container, so it checks nothing else), and
/// <c>/healthz/ready</c> answers 200 only when every readiness check passes (a silo is an active cluster member, a web
/// front reaches the cluster), so traffic and rollouts wait for it.
/// </summary>
public static class ProbeHosting
{
    public const string Prefix = "/healthz";
    public const string LivePath = "/healthz/live";
    public const string ReadyPath = "/healthz/ready";

    /// <summary>Tag of the health checks <see cref="ReadyPath"/> runs.</summary>
    public const string ReadyTag = "ready";

    public static IHealthChecksBuilder AddProbes(this IHostApplicationBuilder builder) => builder.Services.AddHealthChecks();

    public static WebApplication MapProbes(this WebApplication app)
    {
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false }).ExcludeFromDescription();
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag) }).ExcludeFromDescription();
        return app;
    }
}

/// <summary>Ready when a grain call reaches the cluster (a web front without a silo to talk to should get no traffic).</summary>
public sealed class ClusterReachableCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(3), cancellationToken);
            return hosts.Count > 0
                ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s)")
                : HealthCheckResult.Unhealthy("no active silo");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return HealthCheckResult.Unhealthy("cluster unreachable: " + ex.GetType().Name);
        }
    }
}
