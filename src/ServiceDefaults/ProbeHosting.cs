using AirQuality.Grains.Abstractions;
using AirQuality.Grains;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Orleans.Runtime;

namespace AirQuality.ServiceDefaults;

/// <summary>
/// The one health system of every host: ASP.NET Core health checks, read by the orchestrator probes here and by the
/// API's <c>/api/v1/health</c> (the web front's own writer of the same report). <c>/healthz/live</c> answers 200
/// while the process serves HTTP (a failing liveness probe restarts the container, so it checks nothing else), and
/// <c>/healthz/ready</c> answers 200 only when every check tagged <see cref="ReadyTag"/> passes: this silo is an
/// active member (or, for a web front, the cluster answers) and every catalog city answers, so traffic and rollouts
/// wait for it.
/// </summary>
public static class ProbeHosting
{
    public const string Prefix = "/healthz";
    public const string LivePath = "/healthz/live";
    public const string ReadyPath = "/healthz/ready";

    /// <summary>Tag of the health checks <see cref="ReadyPath"/> runs.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Tag of the health checks the API's health answer reports.</summary>
    public const string ApiTag = "api";

    /// <summary>Check names, which are also the fields of the API's health answer they fill.</summary>
    public const string ClusterCheck = "cluster", DatabaseCheck = "database", CitiesCheck = "cities", StorageCheck = "storage";

    /// <summary>
    /// Registers the checks every host shares: every catalog city answers (ready), and, in cluster mode, a round trip
    /// to PostgreSQL (reported; a database outage degrades the service but the grains keep answering from memory).
    /// </summary>
    public static IHealthChecksBuilder AddProbes(this IHostApplicationBuilder builder)
    {
        var checks = builder.Services.AddHealthChecks();
        if (builder.Properties.ContainsKey(typeof(ProbeHosting))) return checks;
        builder.Properties[typeof(ProbeHosting)] = true;
        var settings = builder.AddClusterSettings();
        builder.Services.AddCityCatalog(builder.Configuration);
        builder.Services.AddSingleton<CatalogReadyCheck>();
        checks.AddCheck<CatalogReadyCheck>(CitiesCheck, tags: [ReadyTag]);
        if (settings.PostgresConnectionString is { } cs)
        {
            // Unpooled: each check sees the server's current settings (a database switched to read-only shows at once).
            var dataSource = new NpgsqlDataSourceBuilder(cs) { ConnectionStringBuilder = { ApplicationName = "airquality-health", Timeout = 3, Pooling = false } }.Build();
            checks.Add(new HealthCheckRegistration(DatabaseCheck, _ => new DatabaseWritableCheck(dataSource), HealthStatus.Degraded, [ApiTag], TimeSpan.FromSeconds(3)));
            // The silos' write buffers and unsaved grain states: a database that refuses writes is degraded, not down.
            checks.AddGrainCheck(StorageCheck, StorageWritesCheck.CheckAsync);
        }
        return checks;
    }

    /// <summary>
    /// The cluster check: a grain call reaches an active silo. Reported by the API; <paramref name="ready"/> makes it a
    /// readiness check too (a web front without a silo to talk to should get no traffic). Added once per host: a
    /// second call keeps the first.
    /// </summary>
    public static IHealthChecksBuilder AddClusterCheck(this IHostApplicationBuilder builder, bool ready)
    {
        var checks = builder.AddProbes();
        if (builder.Properties.ContainsKey(typeof(ClusterReachableCheck))) return checks;
        builder.Properties[typeof(ClusterReachableCheck)] = ready;
        return checks.AddCheck<ClusterReachableCheck>(ClusterCheck, tags: ready ? [ApiTag, ReadyTag] : [ApiTag]);
    }

    /// <summary>
    /// A check that asks the cluster, e.g. a watchdog grain: <paramref name="check"/> gets the grain factory and the
    /// request's cancellation and answers the result; an exception counts as <paramref name="failureStatus"/>.
    /// The API's health answer lists it under `checks`, and a failure degrades its `status`.
    /// </summary>
    public static IHealthChecksBuilder AddGrainCheck(this IHealthChecksBuilder checks, string name,
        Func<IGrainFactory, CancellationToken, Task<HealthCheckResult>> check, HealthStatus failureStatus = HealthStatus.Degraded,
        IEnumerable<string>? tags = null, TimeSpan? timeout = null) =>
        checks.Add(new HealthCheckRegistration(name, sp => new GrainHealthCheck(sp.GetRequiredService<IGrainFactory>(), check),
            failureStatus, tags ?? [ApiTag], timeout ?? TimeSpan.FromSeconds(5)));

    public static WebApplication MapProbes(this WebApplication app)
    {
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false }).ExcludeFromDescription();
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag) }).ExcludeFromDescription();
        return app;
    }

    private sealed class GrainHealthCheck(IGrainFactory grains, Func<IGrainFactory, CancellationToken, Task<HealthCheckResult>> check) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            check(grains, cancellationToken);
    }
}

/// <summary>
/// Ready when a grain call reaches the cluster. Its data (`active_silos`, `silos`) is what the API's health answer
/// shows of the cluster.
/// </summary>
public sealed class ClusterReachableCheck(IGrainFactory grains) : IHealthCheck
{
    public const string ActiveSilos = "active_silos", Silos = "silos";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(3), cancellationToken);
            var data = new Dictionary<string, object>
            {
                [ActiveSilos] = hosts.Count,
                [Silos] = hosts.Keys.Select(k => k.ToString()).Order().ToList(),
            };
            return hosts.Count > 0
                ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s)", data)
                : HealthCheckResult.Unhealthy("no active silo", data: data);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The management grain reads the membership table, which is in PostgreSQL: while the database is away, a
            // silo still answers from its own view of the cluster.
            try
            {
                var silos = await grains.GetGrain<IClusterViewGrain>(0).GetActiveSilos().WaitAsync(TimeSpan.FromSeconds(3), cancellationToken);
                var data = new Dictionary<string, object> { [ActiveSilos] = silos.Count, [Silos] = silos };
                return silos.Count > 0
                    ? HealthCheckResult.Healthy($"{silos.Count} active silo(s) (membership table unreadable: {ex.GetType().Name})", data)
                    : HealthCheckResult.Unhealthy("no active silo", data: data);
            }
            catch (Exception) when (ex is not OutOfMemoryException)
            {
                return HealthCheckResult.Unhealthy("unreachable: " + ex.GetType().Name);
            }
        }
    }
}

/// <summary>PostgreSQL answers and takes writes: degraded when it is unreachable, in recovery (a standby) or read-only.</summary>
public sealed class DatabaseWritableCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var cmd = dataSource.CreateCommand("SELECT current_setting('transaction_read_only'), pg_is_in_recovery()");
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            if (reader.GetString(0) == "on") return new HealthCheckResult(context.Registration.FailureStatus, "read-only: the database refuses writes (default_transaction_read_only)");
            if (reader.GetBoolean(1)) return new HealthCheckResult(context.Registration.FailureStatus, "read-only: the server is a standby in recovery");
            return HealthCheckResult.Healthy("connected");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, ex.Message, ex);
        }
    }
}

/// <summary>
/// How the silos' writes to the store stand, from their reports to the storage-health grain: degraded while any silo
/// has rows waiting in its write buffer or grain states it could not write, or lost rows to a full buffer.
/// </summary>
public static class StorageWritesCheck
{
    /// <summary>Reports older than this are of silos gone (or not yet reporting).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(60);

    public static async Task<HealthCheckResult> CheckAsync(IGrainFactory grains, CancellationToken cancellationToken)
    {
        var reports = await grains.GetGrain<IStorageHealthGrain>(GrainKeys.StorageHealth).GetReports(MaxAge).WaitAsync(TimeSpan.FromSeconds(3), cancellationToken);
        var data = new Dictionary<string, object>
        {
            ["pending_rows"] = reports.Sum(r => r.PendingRows),
            ["unsaved_states"] = reports.Sum(r => r.UnsavedStates),
            ["buffered_rows"] = reports.Sum(r => r.BufferedRows),
            ["flushed_rows"] = reports.Sum(r => r.FlushedRows),
            ["dropped_rows"] = reports.Sum(r => r.DroppedRows),
        };
        var failing = reports.Where(r => !r.Healthy).ToList();
        var dropped = reports.Sum(r => r.DroppedRows);
        if (failing.Count == 0 && dropped == 0) return HealthCheckResult.Healthy("writes accepted", data);
        var since = failing.Select(r => r.FailingSince).Where(t => t is not null).Min();
        var error = failing.Select(r => r.LastError).FirstOrDefault(e => e is not null);
        var text = failing.Count == 0
            ? $"writes accepted; {dropped} rows were lost to a full write buffer"
            : $"writes refused since {since:HH:mm:ss}Z ({error}); {data["pending_rows"]} rows buffered, {data["unsaved_states"]} grain states unsaved"
              + (dropped > 0 ? $", {dropped} rows lost" : "");
        return HealthCheckResult.Degraded(text, data: data);
    }
}
