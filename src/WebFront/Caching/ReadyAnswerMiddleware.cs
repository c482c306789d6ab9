using System.Collections.Concurrent;
using AirQuality.Domain.Cities;
using AirQuality.ServiceDefaults.Security;
using AirQuality.WebFront.Apis;
using AirQuality.WebFront.Contracts;
using AirQuality.WebFront.Infrastructure;

namespace AirQuality.WebFront.Caching;

/// <summary>
/// Serves the ready answers of <see cref="HotAnswers"/> (`GET /api/v1/aqi/current/{city}` and unfiltered
/// `GET /api/v1/cities/rankings`) ahead of routing, the exception handler, status pages, CORS, the rate limiter,
/// authentication, authorization and the endpoint's parameter binding: a hit is a path comparison, one dictionary
/// read and the cached bytes written with their headers. Anything else goes on down the pipeline, which answers it
/// as before: a request with an `Origin` header (CORS adds its headers there), any request while the rate limiter is
/// on, one whose parameters do not parse, one with no ready answer, and every other path and method.
/// </summary>
/// <remarks>
/// The request's parameters are read with the endpoints' own parsers and the key is formatted by the endpoints' own
/// functions (<see cref="AqiApi.TryFormatReadyKey"/>, <see cref="CitiesApi.TryFormatReadyKey"/>), so a ready answer
/// served here is the one the endpoint would have written. Placed after the request metrics, so it is counted.
/// </remarks>
public sealed class ReadyAnswerMiddleware(RequestDelegate next, AnswerCache cache, CityCatalog catalog, IConfiguration configuration)
{
    private const string CurrentPrefix = "/api/v1/aqi/current/";
    private const string RankingsPath = "/api/v1/cities/rankings";

    /// <summary>Most path spellings of city names remembered (names, ids and aliases in any case are far fewer).</summary>
    private const int MaxSpellings = 4096;

    // Read once, as the rate limiter itself reads its options once when the host is built.
    private readonly bool _rateLimited = (configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions()).Enabled;

    // The city of each path segment seen (as sent: "Delhi", "delhi", "Bombay"), found without allocating a string.
    private readonly ConcurrentDictionary<string, City> _spellings = new(StringComparer.Ordinal);

    public Task InvokeAsync(HttpContext context)
    {
        if (_rateLimited) return next(context);
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) || request.Headers.Origin.Count > 0) return next(context);
        var path = request.Path.Value;
        if (path is null) return next(context);
        Span<char> key = stackalloc char[HotAnswers.MaxKeyLength];
        int written;
        string kind;
        if (path.StartsWith(CurrentPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var segment = path.AsSpan(CurrentPrefix.Length);
            if (segment.IsEmpty || segment.Contains('/') || City(segment) is not { } city) return next(context);
            string? standard = null, lang = null;
            if (request.QueryString.HasValue && !(Single(request.Query, "standard", out standard) && Single(request.Query, "lang", out lang)))
                return next(context);
            if (!QueryParsing.TryStandard(standard, out var std, out _) || !HealthAdviceDto.TryLanguage(lang, out var language, out _) ||
                !AqiApi.TryFormatReadyKey(key, city, std, language, out written))
                return next(context);
            kind = "current";
        }
        else if (path.Equals(RankingsPath, StringComparison.OrdinalIgnoreCase))
        {
            if (!CitiesApi.TryReadyKey(request.QueryString.HasValue ? request.Query : null, key, out written)) return next(context);
            kind = "rankings";
        }
        else return next(context);

        if (!cache.TryGetHot(kind, key[..written], out var ready)) return next(context);
        cache.Metrics.ServedAhead();
        return ready.Result.ExecuteAsync(context);
    }

    private City? City(ReadOnlySpan<char> segment)
    {
        if (_spellings.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(segment, out var known)) return known;
        var name = segment.ToString();
        if (catalog.Resolve(name) is not { } city) return null;
        if (_spellings.Count < MaxSpellings) _spellings.TryAdd(name, city);
        return city;
    }

    /// <summary>The query parameter's one value (null when absent); false when it is given more than once.</summary>
    internal static bool Single(IQueryCollection query, string name, out string? value)
    {
        var values = query[name];
        value = values.Count == 0 ? null : values[0];
        return values.Count <= 1;
    }
}
