using System.Collections.Concurrent;
using AirQuality.Domain.Cities;
using AirQuality.WebFront.Infrastructure;

namespace AirQuality.WebFront.Caching;

/// <summary>Endpoint helpers: answer from the cache, computing on a miss; "not ready" is answered and never cached.</summary>
public static class CachedAnswers
{
    /// <summary>How long clients and proxies may reuse an answer; the data changes hourly and changes are pushed.</summary>
    public const int MaxAgeSeconds = 60;

    // The tag list of a one-city answer is built once per city: the hot read path allocates as little as it can.
    private static readonly ConcurrentDictionary<string, string[]> CityTags = new(StringComparer.Ordinal);

    /// <summary>An answer about one city, dropped when that city changes.</summary>
    public static Task<IResult> ForCity<T>(this AnswerCache cache, string kind, City city, string key, Func<Task<T>> compute) =>
        cache.Answer(kind, CityTags.GetOrAdd(city.Id, id => [AnswerCache.CityTag(id)]), key, compute);

    /// <summary>
    /// An answer about one city kept ready in <see cref="AnswerCache.Hot"/> (see <see cref="HotAnswers"/>), rebuilt when
    /// that city changes; for the most asked answers, whose callers look the ready one up first.
    /// </summary>
    public static async Task<IResult> ForCityHot<T>(this AnswerCache cache, string kind, City city, string key, Func<Task<T>> compute)
    {
        try
        {
            var answer = await cache.GetOrCreateHotAsync(kind, key, city.Id, CityTags.GetOrAdd(city.Id, id => [AnswerCache.CityTag(id)]),
                async _ => await compute(), MaxAgeSeconds);
            return new CachedAnswerResult(answer, MaxAgeSeconds);
        }
        catch (CityNotReadyException e)
        {
            return Problems.NotReady(e.City);
        }
    }

    /// <summary>An answer about several cities, dropped when any of them changes.</summary>
    public static Task<IResult> ForCities<T>(this AnswerCache cache, string kind, IReadOnlyCollection<City> cities, string key, Func<Task<T>> compute) =>
        cache.Answer(kind, cities.Select(c => AnswerCache.CityTag(c.Id)).ToArray(), key, compute);

    private static async Task<IResult> Answer<T>(this AnswerCache cache, string kind, string[] tags, string key, Func<Task<T>> compute)
    {
        try
        {
            var answer = await cache.GetOrCreateAsync(kind, key, tags, async _ => await compute());
            return new CachedAnswerResult(answer, MaxAgeSeconds);
        }
        catch (CityNotReadyException e)
        {
            return Problems.NotReady(e.City);
        }
    }
}
