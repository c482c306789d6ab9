using System.Reflection;
using AirQuality.Grains;
using Orleans.Runtime;

namespace AirQuality.WebFront.Apis;

/// <summary>Health of the service: database, cache and cluster.</summary>
public static class HealthApi
{
    /// <summary>The seed's health answer.</summary>
    /// <param name="Status">`healthy`, `degraded` (something optional is down) or `unhealthy`.</param>
    /// <param name="Database">`memory` in embedded mode, else the state of PostgreSQL.</param>
    /// <param name="Cache">`memory`, `connected` or `unavailable`.</param>
    /// <param name="Cluster">Silos and their state.</param>
    /// <param name="Polling">Whether every city keeps polling: `ok`, or which cities the poll watchdog had to restart (see <see cref="IPollWatchdogGrain"/>).</param>
    /// <param name="Sources">Each upstream source: `ok`, `degraded`, `failing` or `off`, with its last success (details at /api/v1/sources).</param>
    public sealed record HealthDto(string Status, DateTime Timestamp, string Database, string Cache, ClusterHealthDto Cluster, string Version, string Mode,
        IReadOnlyList<SourceHealthDto> Sources, string Polling = "ok");

    /// <summary>One upstream source in the health answer.</summary>
    public sealed record SourceHealthDto(string Name, string Status, string Circuit, DateTime? LastSuccess, string? LastError, int ConsecutiveFailures);

    /// <param name="ActiveSilos">Silos the cluster considers active.</param>
    public sealed record ClusterHealthDto(string Status, int ActiveSilos, IReadOnlyList<string> Silos);

    public static RouteGroupBuilder MapHealthApi(this RouteGroupBuilder api)
    {
        api.MapGet("/health", GetHealth)
            .WithTags("Administration")
            .WithName("GetHealth")
            .WithSummary("Service health")
            .WithDescription("Database, cache and cluster status. `status` is `healthy`, `degraded` when an optional part (the cache) is down, `unhealthy` when the cluster cannot be reached.");
        return api;
    }

    internal static async Task<IResult> GetHealth(IGrainFactory grains, TimeProvider clock, IEnumerable<IHealthContributor> contributors, IConfiguration configuration)
    {
        ClusterHealthDto cluster;
        try
        {
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(5));
            cluster = new ClusterHealthDto("up", hosts.Count, hosts.Keys.Select(k => k.ToString()).Order().ToList());
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            cluster = new ClusterHealthDto($"unreachable: {ex.GetType().Name}", 0, []);
        }
        var clustered = !string.IsNullOrWhiteSpace(configuration.GetConnectionString("Postgres"));
        var parts = new Dictionary<string, string>
        {
            ["database"] = clustered ? "unknown" : "memory",
            ["cache"] = "memory",
            ["mode"] = clustered ? "cluster" : "embedded",
        };
        var degraded = false;
        foreach (var c in contributors)
        {
            var (value, ok) = await c.CheckAsync();
            parts[c.Name] = value;
            degraded |= !ok;
        }
        IReadOnlyList<SourceHealthDto> sources = [];
        if (cluster.ActiveSilos > 0)
        {
            try
            {
                var all = await grains.GetGrain<ISourceHealthGrain>(GrainKeys.SourceHealth).GetAll().WaitAsync(TimeSpan.FromSeconds(5));
                sources = all.Select(h => new SourceHealthDto(h.Source, SourcesApi.StatusOf(h), h.Circuit, h.LastSuccess, h.LastError, h.ConsecutiveFailures)).ToList();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                sources = [new SourceHealthDto("sources", "unknown", "none", null, ex.GetType().Name, 0)];
            }
        }
        var polling = "ok";
        if (cluster.ActiveSilos > 0)
        {
            try
            {
                var watchdog = await grains.GetGrain<IPollWatchdogGrain>(GrainKeys.PollWatchdog).GetStatus().WaitAsync(TimeSpan.FromSeconds(5));
                if (!watchdog.Healthy)
                {
                    polling = $"restarted {watchdog.Stale.Count} cities not polling for {watchdog.Threshold.TotalMinutes:0} min: {string.Join(", ", watchdog.Stale.Take(5))}";
                    degraded = true;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                polling = "unknown: " + ex.GetType().Name;
            }
        }
        // A failing upstream degrades the service (answers come from older or fewer sources) but does not stop it.
        degraded |= sources.Any(s => s.Status is "failing" or "unknown");
        var status = cluster.ActiveSilos == 0 ? "unhealthy" : degraded ? "degraded" : "healthy";
        var dto = new HealthDto(status, clock.GetUtcNow().UtcDateTime, parts["database"], parts["cache"], cluster, Version, parts["mode"], sources, polling);
        return Results.Json(dto, statusCode: status == "unhealthy" ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
    }

    private static readonly string Version =
        typeof(HealthApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}

/// <summary>A part of the system that reports into /health (database, cache, mode).</summary>
public interface IHealthContributor
{
    /// <summary>The field of the health answer this fills (`database`, `cache`, `mode`).</summary>
    string Name { get; }

    /// <summary>The text shown and whether it is healthy.</summary>
    Task<(string Value, bool Healthy)> CheckAsync();
}
