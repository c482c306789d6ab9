using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using AirQuality.WebFront.Infrastructure;

namespace AirQuality.WebFront.Caching;

/// <summary>
/// Cache of serialized API answers (current, pollutants, rankings, compare, history, forecasts): HybridCache with an
/// in-process tier and, when configured, Redis as the shared tier. Every answer is tagged with the cities it shows and
/// dropped when one of them changes (pushed by the cluster, see <see cref="Push.CityChangeSubscriber"/>).
/// </summary>
/// <remarks>
/// A miss asks the grains through <see cref="GrainCallPolicy"/> (retried while a silo is lost). When the grains
/// have not answered within <see cref="GrainCallOptions.StaleAfter"/>, or not at all within the budget, the last
/// known answer for the key is served, marked stale, while the computation goes on and fills the cache.
/// </remarks>
public sealed class AnswerCache(HybridCache cache, CacheMetrics metrics, IOptions<JsonOptions> json, TimeProvider clock,
    GrainCallPolicy policy, LastKnownAnswers lastKnown, HotAnswers hot, ILogger<AnswerCache> logger, RedisAnswerStore? redis = null)
{
    /// <summary>The ready answers in front of the cache (current, rankings).</summary>
    public HotAnswers Hot => hot;

    /// <summary>The hit and miss counts.</summary>
    public CacheMetrics Metrics => metrics;

    /// <summary>Tag of every answer that shows the city.</summary>
    public static string CityTag(string cityId) => "city:" + cityId;

    /// <summary>Tag of every answer that shows all cities (rankings).</summary>
    public const string AllCitiesTag = "cities";

    // Changes are pushed, so entries could live until the next hour; the expiry only bounds the staleness of an
    // answer whose change notice was lost (a web front briefly cut off from the cluster).
    private static readonly HybridCacheEntryOptions Entry = new()
    {
        Expiration = TimeSpan.FromMinutes(5),
        LocalCacheExpiration = TimeSpan.FromMinutes(5),
    };

    /// <summary>
    /// The cached answer for <paramref name="key"/>, computing it with <paramref name="factory"/> on a miss. A factory
    /// that throws caches nothing (used for "not ready yet" and errors).
    /// </summary>
    public ValueTask<CachedAnswer> GetOrCreateAsync<T>(string kind, string key, IReadOnlyCollection<string> tags,
        Func<CancellationToken, ValueTask<T>> factory, CancellationToken cancellationToken = default) =>
        GetOrCreateAsync(kind, key, tags, factory, request: true, cancellationToken);

    /// <summary>
    /// A ready answer from <see cref="Hot"/> for <paramref name="fullKey"/> (`kind:key`; a cache hit of <paramref name="kind"/>), for
    /// callers that format the key on the stack.
    /// </summary>
    public bool TryGetHot(string kind, ReadOnlySpan<char> fullKey, out Task<IResult> result)
    {
        if (!hot.TryGet(fullKey, out result)) return false;
        metrics.Hit(kind);
        return true;
    }

    /// <summary>
    /// As <see cref="GetOrCreateAsync{T}(string, string, IReadOnlyCollection{string}, Func{CancellationToken, ValueTask{T}}, CancellationToken)"/>,
    /// the answer then kept ready in <see cref="Hot"/> and rebuilt there when <paramref name="cityId"/> (null: any city)
    /// changes. A hit returns at once, allocating nothing.
    /// </summary>
    public ValueTask<CachedAnswer> GetOrCreateHotAsync<T>(string kind, string key, string? cityId, IReadOnlyCollection<string> tags,
        Func<CancellationToken, ValueTask<T>> factory, int maxAgeSeconds, CancellationToken cancellationToken = default)
    {
        Span<char> buffer = stackalloc char[HotAnswers.MaxKeyLength];
        if (buffer.TryWrite($"{kind}:{key}", out var written) && TryGetHot(kind, buffer[..written], out var ready))
            return new ValueTask<CachedAnswer>(((CachedAnswerResult)ready.Result).Answer);
        return FillHotAsync(kind, key, cityId, tags, factory, maxAgeSeconds, request: true, cancellationToken);
    }

    private async ValueTask<CachedAnswer> FillHotAsync<T>(string kind, string key, string? cityId, IReadOnlyCollection<string> tags,
        Func<CancellationToken, ValueTask<T>> factory, int maxAgeSeconds, bool request, CancellationToken cancellationToken)
    {
        var generation = hot.Generation(cityId);
        var answer = await GetOrCreateAsync(kind, key, tags, factory, request, cancellationToken);
        hot.Put(kind + ":" + key, cityId, generation, answer, maxAgeSeconds,
            () => FillHotAsync(kind, key, cityId, tags, factory, maxAgeSeconds, request: false, CancellationToken.None).AsTask());
        return answer;
    }

    private async ValueTask<CachedAnswer> GetOrCreateAsync<T>(string kind, string key, IReadOnlyCollection<string> tags,
        Func<CancellationToken, ValueTask<T>> factory, bool request, CancellationToken cancellationToken)
    {
        var ran = new StrongBox<bool>();
        var fullKey = kind + ":" + key;
        var work = cache.GetOrCreateAsync(
            fullKey,
            (factory, json.Value.SerializerOptions, clock, ran, policy),
            async static (state, ct) =>
            {
                state.ran.Value = true;
                var dto = await state.policy.RunAsync(c => state.factory(c).AsTask(), ct);
                var bytes = JsonSerializer.SerializeToUtf8Bytes(dto, state.SerializerOptions);
                return new CachedAnswer(bytes, $"\"{XxHash64.HashToUInt64(bytes):x16}\"", state.clock.GetUtcNow().UtcDateTime);
            },
            Entry,
            tags,
            cancellationToken).AsTask();
        CachedAnswer answer;
        if (lastKnown.TryGet(fullKey, out var known))
        {
            try
            {
                answer = await work.WaitAsync(policy.Options.StaleAfter, clock, cancellationToken);
            }
            catch (Exception e) when ((!work.IsCompleted && e is TimeoutException) || e is GrainsUnavailableException)
            {
                // The computation goes on (and fills the cache); its outcome is observed so it is never unobserved.
                _ = work.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                if (request) metrics.Stale(kind);
                return known.AsStale();
            }
        }
        else answer = await work;
        // A hit in either tier (memory or Redis) means this request did not compute the answer.
        // A rebuild after a change is no request: it is not counted.
        if (request)
        {
            if (ran.Value) metrics.Miss(kind); else metrics.Hit(kind);
        }
        lastKnown.Remember(fullKey, answer);
        return answer;
    }

    /// <summary>
    /// Drops every answer that shows the city; the ready answers it dropped are rebuilt in the background (a change is
    /// pushed to clients without waiting for them; a client that asks meanwhile is served through the cache).
    /// </summary>
    public ValueTask InvalidateCityAsync(string cityId, CancellationToken cancellationToken = default) =>
        InvalidateCitiesAsync([cityId], cancellationToken);

    /// <summary>
    /// As <see cref="InvalidateCityAsync"/> for several cities at once (the changes of one poll cycle): one drop in the
    /// cache tiers, and each ready answer rebuilt once however many of its cities changed (the rankings once).
    /// </summary>
    public async ValueTask InvalidateCitiesAsync(IReadOnlyCollection<string> cityIds, CancellationToken cancellationToken = default)
    {
        if (cityIds.Count == 0) return;
        HashSet<Func<Task>> rebuilds = [];
        foreach (var id in cityIds) hot.Drop(id, rebuilds);
        try
        {
            await cache.RemoveByTagAsync([.. cityIds.Select(CityTag), AllCitiesTag], cancellationToken);
        }
        finally
        {
            foreach (var id in cityIds) hot.Drop(id, rebuilds);
        }
        if (rebuilds.Count > 0) _ = RebuildAsync(cityIds.Count == 1 ? cityIds.First() : $"{cityIds.Count} cities", rebuilds);
    }

    private async Task RebuildAsync(string cities, IReadOnlyCollection<Func<Task>> rebuilds)
    {
        await Task.Yield();
        foreach (var rebuild in rebuilds)
        {
            try
            {
                await rebuild();
            }
            catch (Exception e)
            {
                // Not ready, or the grains did not answer: the next request computes it.
                logger.LogDebug("Ready answer not rebuilt after a change of {Cities}: {Error}", cities, e.Message);
            }
        }
    }

    /// <summary>Empties the cache: this process's tier, and Redis when configured; returns the Redis keys deleted.</summary>
    public async Task<long> ClearAsync(CancellationToken cancellationToken = default)
    {
        await ClearLocalAsync(cancellationToken);
        lastKnown.Clear();
        return redis is null ? 0 : await redis.ClearAsync();
    }

    /// <summary>Empties this process's tier (another web front cleared the shared one).</summary>
    public async ValueTask ClearLocalAsync(CancellationToken cancellationToken = default)
    {
        hot.Clear();
        try
        {
            await cache.RemoveByTagAsync("*", cancellationToken);
        }
        finally
        {
            hot.Clear();
        }
    }
}
