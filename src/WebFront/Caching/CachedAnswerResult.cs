using Microsoft.Net.Http.Headers;

namespace AirQuality.WebFront.Caching;

/// <summary>Writes a cached answer with its ETag and Cache-Control, or 304 when the client already has it.</summary>
public sealed class CachedAnswerResult(CachedAnswer answer, int maxAgeSeconds) : IResult
{
    private const string JsonContentType = "application/json; charset=utf-8";

    private readonly string _cacheControl = $"public, max-age={maxAgeSeconds}";

    public CachedAnswer Answer => answer;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.Headers.ETag = answer.ETag;
        if (answer.Stale)
        {
            // RFC 9111 Age and the (obsolete but widely understood) RFC 7234 stale warning; not to be reused.
            var age = Math.Max(0, (long)(DateTime.UtcNow - answer.CreatedAt).TotalSeconds);
            response.Headers.Age = age.ToString(System.Globalization.CultureInfo.InvariantCulture);
            response.Headers.Warning = "110 - \"Response is Stale\"";
            response.Headers.CacheControl = "no-cache";
        }
        else response.Headers.CacheControl = _cacheControl;
        if (httpContext.Request.Headers.IfNoneMatch is { Count: > 0 } inm && Matches(inm))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = JsonContentType;
        response.ContentLength = answer.Json.Length;
        var write = response.Body.WriteAsync(answer.Json);
        return write.IsCompletedSuccessfully ? Task.CompletedTask : write.AsTask();
    }

    // The usual conditional GET sends back the one ETag it was given: compared as it is, nothing parsed or allocated.
    private bool Matches(Microsoft.Extensions.Primitives.StringValues inm) =>
        (inm.Count == 1 && string.Equals(inm[0], answer.ETag, StringComparison.Ordinal)) ||
        (EntityTagHeaderValue.TryParseList(inm, out var tags) &&
         tags.Any(t => t.Tag == "*" || t.Tag.Equals(answer.ETag, StringComparison.Ordinal)));
}
