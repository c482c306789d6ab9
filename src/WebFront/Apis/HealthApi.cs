using AirQuality.Grains.Abstractions;
using System.Reflection;
using AirQuality.Grains;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace AirQuality.WebFront.Apis;

/// <summary>
/// Health of the service: the API's writer of the host's health report (the checks of <see cref="ProbeHosting"/> and
/// the web front's own: cache and sources), in the seed's JSON shape.
/// </summary>
public static class HealthApi
{
    /// <summary>Check names of the web front, which are also the fields of the answer they fill.</summary>
    public const string CacheCheck = "cache", SourcesCheck = "sources", PollingCheck = "polling";

    /// <summary>The seed's health answer.</summary>
    /// <param name="Status">`healthy`, `degraded` (something optional is down) or `unhealthy`.</param>
    /// <param name="Database">`memory` in embedded mode, else the state of PostgreSQL.</param>
    /// <param name="Cache">`memory`, `connected` or `unavailable`.</param>
    /// <param name="Cluster">Silos and their state.</param>
    /// <param name="Sources">Each upstream source: `ok`, `degraded`, `failing` or `off`, with its last success (details at /api/v1/sources).</param>
    /// <param name="Polling">Whether every city keeps polling: `ok`, or which cities the poll watchdog had to restart (see <see cref="IPollWatchdogGrain"/>).</param>
    /// <param name="Checks">Every health check behind the answer, by name: its status and what it saw.</param>
    public sealed record HealthDto(string Status, DateTime Timestamp, string Database, string Cache, ClusterHealthDto Cluster, string Version, string Mode,
        IReadOnlyList<SourceHealthDto> Sources, IReadOnlyDictionary<string, CheckDto> Checks, string Polling = "ok");

    /// <summary>One upstream source in the health answer.</summary>
    public sealed record SourceHealthDto(string Name, string Status, string Circuit, DateTime? LastSuccess, string? LastError, int ConsecutiveFailures);

    /// <param name="ActiveSilos">Silos the cluster considers active.</param>
    public sealed record ClusterHealthDto(string Status, int ActiveSilos, IReadOnlyList<string> Silos);

    /// <summary>One health check: `healthy`, `degraded` or `unhealthy`, and its description.</summary>
    public sealed record CheckDto(string Status, string? Description);

    public static RouteGroupBuilder MapHealthApi(this RouteGroupBuilder api)
    {
        api.MapGet("/health", GetHealth)
            .WithTags("Administration")
            .WithName("GetHealth")
            .WithSummary("Service health")
            .WithDescription("Database, cache and cluster status. `status` is `healthy`, `degraded` when an optional part (the cache) is down, `unhealthy` when the cluster cannot be reached.");
        return api;
    }

    /// <summary>
    /// The web front's own checks: the cache tier and the sources, beside the shared ones of <see cref="ProbeHosting"/>.
    /// and the cluster check, reported (a host where the web front runs apart from the silo adds it first, as a
    /// readiness check too: <see cref="ProbeHosting.AddClusterCheck"/>).
    /// </summary>
    public static IHostApplicationBuilder AddApiHealth(this IHostApplicationBuilder builder)
    {
        var checks = builder.AddProbes();
        if (builder.Properties.ContainsKey(typeof(HealthApi))) return builder;
        builder.Properties[typeof(HealthApi)] = true;
        builder.AddClusterCheck(ready: false);
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Redis")))
            checks.AddRedis(sp => sp.GetRequiredService<IConnectionMultiplexer>(), name: CacheCheck, failureStatus: HealthStatus.Degraded,
                tags: [ProbeHosting.ApiTag], timeout: TimeSpan.FromSeconds(2));
        checks.AddCheck<SourcesHealthCheck>(SourcesCheck, failureStatus: HealthStatus.Degraded, tags: [ProbeHosting.ApiTag]);
        checks.AddGrainCheck(PollingCheck, async (grains, ct) =>
        {
            var watchdog = await grains.GetGrain<IPollWatchdogGrain>(GrainKeys.PollWatchdog).GetStatus().WaitAsync(TimeSpan.FromSeconds(5), ct);
            return watchdog.Healthy
                ? HealthCheckResult.Healthy("ok")
                : HealthCheckResult.Degraded($"restarted {watchdog.Stale.Count} cities not polling for {watchdog.Threshold.TotalMinutes:0} min: {string.Join(", ", watchdog.Stale.Take(5))}");
        });
        return builder;
    }

    internal static async Task<IResult> GetHealth(HealthCheckService health, ClusterSettings settings, TimeProvider clock, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(r => r.Tags.Contains(ProbeHosting.ApiTag), cancellationToken);
        var dto = Answer(report, settings.IsClustered, clock.GetUtcNow().UtcDateTime);
        return Results.Json(dto, statusCode: dto.Status == "unhealthy" ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
    }

    /// <summary>
    /// The answer for a report: `unhealthy` when the cluster cannot be reached, `degraded` when any other check fails
    /// (database, cache, a failing source, a watchdog), else `healthy`.
    /// </summary>
    public static HealthDto Answer(HealthReport report, bool clustered, DateTime now)
    {
        var entries = report.Entries;
        ClusterHealthDto cluster;
        if (entries.TryGetValue(ProbeHosting.ClusterCheck, out var c))
            cluster = new ClusterHealthDto(
                c.Status == HealthStatus.Healthy ? "up" : c.Description ?? "unreachable",
                c.Data.TryGetValue(ClusterReachableCheck.ActiveSilos, out var n) ? (int)n : 0,
                c.Data.TryGetValue(ClusterReachableCheck.Silos, out var s) ? (IReadOnlyList<string>)s : []);
        else
            cluster = new ClusterHealthDto("unknown", 0, []);
        var up = c is { Status: HealthStatus.Healthy };

        var database = entries.TryGetValue(ProbeHosting.DatabaseCheck, out var db)
            ? db.Status == HealthStatus.Healthy ? "connected"
                : db.Exception is null && db.Description?.StartsWith("read-only", StringComparison.Ordinal) == true ? db.Description
                : $"unavailable: {db.Exception?.Message ?? db.Description ?? "no answer"}"
            : clustered ? "unknown" : "memory";
        // Writes the store refused, waiting in the silos' buffers: said beside the database's own state.
        if (entries.TryGetValue(ProbeHosting.StorageCheck, out var st) && st.Status != HealthStatus.Healthy && st.Description is { } writes)
            database += "; " + writes;
        var cache = entries.TryGetValue(CacheCheck, out var ch) ? ch.Status == HealthStatus.Healthy ? "connected" : "unavailable" : "memory";

        IReadOnlyList<SourceHealthDto> sources = [];
        if (up && entries.TryGetValue(SourcesCheck, out var src))
            sources = src.Data.TryGetValue(SourcesCheck, out var list)
                ? (IReadOnlyList<SourceHealthDto>)list
                : [new SourceHealthDto("sources", "unknown", "none", null, src.Exception?.GetType().Name ?? src.Description, 0)];

        var polling = !up || !entries.TryGetValue(PollingCheck, out var pw) ? "ok"
            : pw.Status == HealthStatus.Healthy ? "ok" : pw.Exception is { } pe ? "unknown: " + pe.GetType().Name : pw.Description ?? "unknown";
        var degraded = entries.Any(e => e.Key != ProbeHosting.ClusterCheck && e.Value.Status != HealthStatus.Healthy
                                        && (up || (e.Key != SourcesCheck && e.Key != PollingCheck))
                                        && !(e.Key == PollingCheck && polling.StartsWith("unknown", StringComparison.Ordinal)));
        var status = !up ? "unhealthy" : degraded ? "degraded" : "healthy";
        var checks = entries.ToDictionary(e => e.Key, e => new CheckDto(e.Value.Status.ToString().ToLowerInvariant(), e.Value.Description));
        return new HealthDto(status, now, database, cache, cluster, Version, clustered ? "cluster" : "embedded", sources, checks, polling);
    }

    private static readonly string Version =
        typeof(HealthApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}

/// <summary>
/// The upstream sources as the source-health grain sees them: degraded when any is failing (answers then come from
/// older or fewer sources, but they come). The list is the check's data, shown in the API's health answer.
/// </summary>
public sealed class SourcesHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var all = await grains.GetGrain<ISourceHealthGrain>(GrainKeys.SourceHealth).GetAll().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
        var sources = all.Select(h => new HealthApi.SourceHealthDto(h.Source, SourcesApi.StatusOf(h), h.Circuit, h.LastSuccess, h.LastError, h.ConsecutiveFailures)).ToList();
        var data = new Dictionary<string, object> { [HealthApi.SourcesCheck] = sources };
        var failing = sources.Where(s => s.Status == "failing").Select(s => s.Name).ToList();
        return failing.Count == 0
            ? HealthCheckResult.Healthy($"{sources.Count} source(s), none failing", data)
            : new HealthCheckResult(context.Registration.FailureStatus, $"failing: {string.Join(", ", failing)}", data: data);
    }
}
