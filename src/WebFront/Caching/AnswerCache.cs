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
    GrainCallPolicy policy, LastKnownAnswers lastKnown, RedisAnswerStore? redis = null)
{
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
    public async ValueTask<CachedAnswer> GetOrCreateAsync<T>(string kind, string key, IReadOnlyCollection<string> tags,
        Func<CancellationToken, ValueTask<T>> factory, CancellationToken cancellationToken = default)
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
                metrics.Stale(kind);
                return known.AsStale();
            }
        }
        else answer = await work;
        // A hit in either tier (memory or Redis) means this request did not compute the answer.
        if (ran.Value) metrics.Miss(kind); else metrics.Hit(kind);
        lastKnown.Remember(fullKey, answer);
        return answer;
    }

    /// <summary>Drops every answer that shows the city.</summary>
    public ValueTask InvalidateCityAsync(string cityId, CancellationToken cancellationToken = default) =>
        cache.RemoveByTagAsync([CityTag(cityId), AllCitiesTag], cancellationToken);

    /// <summary>Empties the cache: this process's tier, and Redis when configured; returns the Redis keys deleted.</summary>
    public async Task<long> ClearAsync(CancellationToken cancellationToken = default)
    {
        await ClearLocalAsync(cancellationToken);
        lastKnown.Clear();
        return redis is null ? 0 : await redis.ClearAsync();
    }

    /// <summary>Empties this process's tier (another web front cleared the shared one).</summary>
    public ValueTask ClearLocalAsync(CancellationToken cancellationToken = default) => cache.RemoveByTagAsync("*", cancellationToken);
}
