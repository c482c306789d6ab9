using AirQuality.WebFront.Infrastructure;
using AirQuality.Grains.Abstractions;
using System.Diagnostics;
using AirQuality.Grains;
using AirQuality.WebFront.Caching;
using AirQuality.WebFront.Observability;

namespace AirQuality.WebFront.Apis;

/// <summary>Metrics and cache administration.</summary>
public static class AdminApi
{
    /// <summary>The seed's metrics figures.</summary>
    /// <param name="Requests">Request rate and latency of this web front over the last minute.</param>
    /// <param name="MemoryMb">Working set and managed heap of this process, in MiB.</param>
    /// <param name="CpuPercent">CPU use of this process since the previous metrics call (100 = one core).</param>
    /// <param name="DatabaseConnections">Open connections of this service to PostgreSQL (null without PostgreSQL).</param>
    public sealed record MetricsDto(
        DateTime Timestamp,
        RequestMetricsSnapshot Requests,
        double RequestRate,
        double ErrorRate,
        MemoryDto MemoryMb,
        double CpuPercent,
        int Cores,
        int? DatabaseConnections,
        CacheDto Cache,
        long PushedChanges,
        IReadOnlyList<SourceMetricsDto> Sources);

    /// <summary>One upstream source's counters across all cities.</summary>
    public sealed record SourceMetricsDto(string Name, string Status, long Polls, long Failures, long ReadingsAccepted, int ConsecutiveFailures,
        DateTime? LastSuccess, long Rejected);

    public sealed record MemoryDto(double WorkingSet, double ManagedHeap);

    /// <param name="Backend">`memory` or `redis`.</param>
    /// <param name="HitRate">Share of cacheable answers served from the cache since start.</param>
    public sealed record CacheDto(string Backend, string Status, long Hits, long Misses, double HitRate);

    /// <param name="RedisKeysDeleted">Answers removed from Redis (0 without Redis).</param>
    public sealed record CacheClearedDto(bool Cleared, long RedisKeysDeleted, DateTime Timestamp);

    public static RouteGroupBuilder MapAdminApi(this RouteGroupBuilder api)
    {
        api.MapGet("/metrics", GetMetrics)
            .WithTags("Administration")
            .WithName("GetMetrics")
            .WithSummary("Service metrics")
            .WithDescription("Request rate, response-time percentiles, error rate, memory, CPU, database connections and cache hit rate of this web front. Prometheus scrapes the same and Orleans' meters at /metrics.");

        api.MapPost("/cache/clear", ClearCache)
            .WithTags("Administration")
            .WithName("ClearCache")
            .WithSummary("Empty the answer cache")
            .WithDescription("Drops every cached answer in every web front and in Redis. Needs an admin bearer token.")
            .RequireAuthorization(SecurityHosting.AdminPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return api;
    }

    // CPU is measured between two metrics calls; the first call measures since the process started.
    private static TimeSpan _lastCpu = TimeSpan.Zero;
    private static DateTime _lastCpuAt = Process.GetCurrentProcess().StartTime.ToUniversalTime();
    private static readonly Lock CpuLock = new();

    internal static async Task<IResult> GetMetrics(
        RequestMetrics requests, CacheMetrics cacheMetrics, TimeProvider clock, IGrainFactory grains,
        IServiceProvider services, IEnumerable<IDatabaseStatistics> databases)
    {
        var process = Process.GetCurrentProcess();
        double cpu;
        lock (CpuLock)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var used = process.TotalProcessorTime;
            var wall = (now - _lastCpuAt).TotalMilliseconds;
            cpu = wall <= 0 ? 0 : Math.Round(100 * (used - _lastCpu).TotalMilliseconds / wall, 1);
            _lastCpu = used;
            _lastCpuAt = now;
        }
        var redis = services.GetService<RedisAnswerStore>();
        var cacheStatus = redis is null ? "memory" : redis.IsConnected ? "connected" : "unavailable";
        int? connections = null;
        foreach (var db in databases) connections = (connections ?? 0) + await db.OpenConnectionsAsync();
        var snapshot = requests.Snapshot();
        var subscriber = services.GetServices<IHostedService>().OfType<Push.CityChangeSubscriber>().FirstOrDefault();
        IReadOnlyList<SourceMetricsDto> sources = [];
        try
        {
            var all = await grains.GetGrain<ISourceHealthGrain>(GrainKeys.SourceHealth).GetAll().WaitAsync(TimeSpan.FromSeconds(5));
            sources = all.Select(h => new SourceMetricsDto(h.Source, SourcesApi.StatusOf(h), h.Polls, h.Failures, h.ReadingsAccepted,
                h.ConsecutiveFailures, h.LastSuccess, h.Rejections.Values.Sum())).ToList();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Metrics of this web front stay available while the cluster is unreachable.
        }
        return TypedResults.Ok(new MetricsDto(
            clock.GetUtcNow().UtcDateTime,
            snapshot,
            snapshot.RequestsPerSecond,
            snapshot.ServerErrorRate,
            new MemoryDto(Math.Round(process.WorkingSet64 / 1048576.0, 1), Math.Round(GC.GetTotalMemory(false) / 1048576.0, 1)),
            cpu,
            Environment.ProcessorCount,
            connections,
            new CacheDto(cacheStatus == "memory" ? "memory" : "redis", cacheStatus, cacheMetrics.Hits, cacheMetrics.Misses, Math.Round(cacheMetrics.HitRate, 4)),
            subscriber?.Received ?? 0,
            sources));
    }

    internal static async Task<IResult> ClearCache(AnswerCache cache, IGrainFactory grains, TimeProvider clock, GrainCallPolicy policy)
    {
        var deleted = await cache.ClearAsync();
        // Every other web front drops its in-process tier too.
        await policy.RunAsync(_ => grains.GetGrain<INotifierGrain>(GrainKeys.Notifier)
            .Publish(new CityChange(CityChange.Everything, CityChangeKind.Readings, clock.GetUtcNow().UtcDateTime, Detail: "cache cleared")));
        return TypedResults.Ok(new CacheClearedDto(true, deleted, clock.GetUtcNow().UtcDateTime));
    }
}

/// <summary>Open database connections of this service, for /metrics (registered when PostgreSQL is configured).</summary>
public interface IDatabaseStatistics
{
    Task<int> OpenConnectionsAsync();
}
