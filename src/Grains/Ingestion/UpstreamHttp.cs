using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;

namespace AirQuality.Grains.Ingestion;

/// <summary>A source could not give an answer; the message says why in a line fit for a status page (never the key).</summary>
public sealed class SourceException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>An upstream's answer body was too large or not JSON: a failed attempt for the circuit breaker, not retried.</summary>
public sealed class UpstreamBodyException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The one HTTP stack of the sources: a typed client per source from <c>IHttpClientFactory</c> with the standard
/// resilience handler (rate limit, total timeout, retries with jittered exponential backoff that honour
/// `Retry-After`, circuit breaker, per-attempt timeout), configured from the source's options; plus the calls that
/// turn HTTP outcomes into <see cref="SourceException"/>s with readable messages.
/// </summary>
public static class UpstreamHttp
{
    /// <summary>JSON reading of upstream bodies: numbers may come as strings (data.gov.in sends every value as one).</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    /// <summary>Registers <typeparamref name="TClient"/> as a typed client of source <paramref name="source"/>.</summary>
    public static IHttpClientBuilder AddUpstreamClient<TClient, TOptions>(this IServiceCollection services, string source)
        where TClient : class
        where TOptions : UpstreamOptions
    {
        var builder = services.AddHttpClient<TClient>((sp, http) =>
        {
            var o = sp.GetRequiredService<IOptions<TOptions>>().Value;
            var root = o.BaseUrl.EndsWith('/') ? o.BaseUrl : o.BaseUrl + "/";
            http.BaseAddress = new Uri(root, UriKind.Absolute);
            http.MaxResponseContentBufferSize = 64 * 1024 * 1024;
            http.DefaultRequestHeaders.UserAgent.ParseAdd("AirQuality/0.1");
        });
        builder.AddStandardResilienceHandler().Configure((r, sp) => Configure(r, source, sp.GetRequiredService<IOptions<TOptions>>().Value, sp.GetRequiredService<SourceMonitor>()));
        // Added after the resilience handler, so it sits inside it and sees every attempt, retries included.
        builder.AddHttpMessageHandler(sp => new AttemptCounter(source, sp.GetRequiredService<SourceMonitor>()));
        // Innermost: the whole body is read within the attempt's timeout and size bound, so a body that never ends
        // or is not JSON is a failed attempt the circuit breaker counts, not a hang or a half-read answer.
        builder.AddHttpMessageHandler(sp => new BoundedBody(sp.GetRequiredService<IOptions<TOptions>>().Value.MaxResponseKilobytes * 1024L));
        return builder;
    }

    private static void Configure(HttpStandardResilienceOptions r, string source, UpstreamOptions o, SourceMonitor monitor)
    {
        r.AttemptTimeout.Timeout = o.AttemptTimeout;
        r.TotalRequestTimeout.Timeout = o.TotalTimeout > o.AttemptTimeout ? o.TotalTimeout : o.AttemptTimeout;

        // Exponential backoff with jitter; ShouldRetryAfterHeader (on by default) replaces the delay with the server's
        // Retry-After. A Retry-After beyond MaxRetryAfter is not waited for: the request fails and says so.
        r.Retry.MaxRetryAttempts = Math.Max(1, o.MaxRetries);
        r.Retry.BackoffType = DelayBackoffType.Exponential;
        r.Retry.UseJitter = true;
        r.Retry.Delay = o.RetryBaseDelay;
        var maxRetryAfter = o.MaxRetryAfter;
        r.Retry.ShouldHandle = args => ValueTask.FromResult(
            !args.Context.CancellationToken.IsCancellationRequested
            && HttpClientResiliencePredicates.IsTransient(args.Outcome)
            && !(RetryAfter(args.Outcome.Result, monitor.Clock) > maxRetryAfter));
        r.Retry.OnRetry = _ =>
        {
            monitor.RecordRetry(source);
            return default;
        };

        // Bodies that are not JSON count as failures too (not retried: the next poll asks again).
        r.CircuitBreaker.ShouldHandle = args => ValueTask.FromResult(
            HttpClientResiliencePredicates.IsTransient(args.Outcome) || args.Outcome.Exception is UpstreamBodyException);
        r.CircuitBreaker.FailureRatio = o.CircuitFailureRatio;
        r.CircuitBreaker.MinimumThroughput = Math.Max(2, o.CircuitMinimumThroughput);
        var minimumSampling = o.AttemptTimeout * 2;
        r.CircuitBreaker.SamplingDuration = o.CircuitSamplingDuration >= minimumSampling ? o.CircuitSamplingDuration : minimumSampling;
        r.CircuitBreaker.BreakDuration = o.CircuitBreakDuration;
        r.CircuitBreaker.OnOpened = _ =>
        {
            monitor.CircuitChanged(source, "open");
            return default;
        };
        r.CircuitBreaker.OnHalfOpened = _ =>
        {
            monitor.CircuitChanged(source, "half_open");
            return default;
        };
        r.CircuitBreaker.OnClosed = _ =>
        {
            monitor.CircuitChanged(source, "closed");
            return default;
        };

        // Queue, not reject: a burst (every place polling at the same moment, or backfilling at start) waits its turn
        // instead of failing; the standard handler's own limiter (1,000 at once, no queue) would refuse the rest.
        var queue = Math.Max(0, o.MaxQueuedCalls);
        var atOnce = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = Math.Max(1, o.MaxConcurrentCalls),
            QueueLimit = queue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        if (o.CallsPerMinute is not (> 0 and var perMinute))
        {
            r.RateLimiter.RateLimiter = args => atOnce.AcquireAsync(1, args.Context.CancellationToken);
            return;
        }
        var window = new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
        {
            PermitLimit = perMinute,
            Window = TimeSpan.FromMinutes(1),
            SegmentsPerWindow = 6,
            QueueLimit = queue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        r.RateLimiter.RateLimiter = args => BothAsync(window, atOnce, args.Context.CancellationToken);
    }

    /// <summary>A permit of the per-minute window, then one of the at-once limit; the window's permit is spent either way.</summary>
    private static async ValueTask<RateLimitLease> BothAsync(RateLimiter window, RateLimiter atOnce, CancellationToken ct)
    {
        var minute = await window.AcquireAsync(1, ct);
        if (!minute.IsAcquired) return minute;
        minute.Dispose();
        return await atOnce.AcquireAsync(1, ct);
    }

    /// <summary>
    /// GETs <paramref name="relativeUri"/> and reads its JSON. Failures become <see cref="SourceException"/>; a non-success
    /// status is described by <paramref name="describeError"/> from the status and the start of the body.
    /// </summary>
    public static async Task<T> GetJsonAsync<T>(this HttpClient http, string source, SourceMonitor monitor, string relativeUri,
        Func<HttpStatusCode, string, string> describeError, CancellationToken cancellationToken)
    {
        monitor.RecordRequest(source);
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(relativeUri, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (BrokenCircuitException ex)
        {
            var wait = ex.RetryAfter is { } after ? $"; next try in {Math.Ceiling(after.TotalSeconds):0} s" : "";
            throw new SourceException($"circuit open after repeated failures, calls paused{wait}", ex);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new SourceException($"timed out after {ex.Timeout.TotalSeconds:0.###} s", ex);
        }
        catch (UpstreamBodyException ex)
        {
            throw new SourceException(ex.Message, ex);
        }
        catch (RateLimiterRejectedException ex)
        {
            throw new SourceException("too many requests already waiting for this source's call limits (per minute or at once)", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new SourceException($"unreachable: {ex.HttpRequestError} ({ex.InnerException?.Message ?? ex.Message})", ex);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var body = await Snippet(response, cancellationToken);
                var retry = RetryAfter(response, monitor.Clock) is { } ra ? $" (Retry-After {ra.TotalSeconds:0} s)" : "";
                throw new SourceException(describeError(response.StatusCode, body) + retry);
            }
            try
            {
                return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
                    ?? throw new SourceException("empty answer (JSON null)");
            }
            catch (JsonException ex)
            {
                throw new SourceException($"malformed JSON at {ex.Path ?? "$"} (line {ex.LineNumber}): {FirstLine(ex.Message)}", ex);
            }
            catch (NotSupportedException ex)
            {
                throw new SourceException($"not JSON ({response.Content.Headers.ContentType?.MediaType ?? "no content type"})", ex);
            }
        }
    }

    /// <summary>`HTTP 401 Unauthorized: &lt;message&gt;`, the upstream's own words when it gives any.</summary>
    public static string DescribeStatus(HttpStatusCode status, string? message) =>
        $"HTTP {(int)status} {status}" + (string.IsNullOrWhiteSpace(message) ? "" : $": {message}");

    /// <summary>
    /// The upstream's own words in an error body: the first of <paramref name="paths"/> (property paths such as
    /// `message` or `data.message`) a JSON object has, none when it has none of them, or the first 200 characters of
    /// a body that is not JSON (a proxy's HTML page, plain text).
    /// </summary>
    public static string? ErrorMessage(string body, params string[] paths)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            foreach (var path in paths)
            {
                var at = doc.RootElement;
                var found = true;
                foreach (var name in path.Split('.'))
                {
                    if (at.ValueKind != JsonValueKind.Object || !at.TryGetProperty(name, out at)) { found = false; break; }
                }
                if (found) return at.ToString();
            }
            return null;
        }
        catch (JsonException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }

    /// <summary>The first characters of a body, for error messages.</summary>
    private static async Task<string> Snippet(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            return text.Length > 2000 ? text[..2000] : text;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return "";
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeProvider clock)
    {
        var header = response?.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is { } date) return date - clock.GetUtcNow();
        return null;
    }

    private static string FirstLine(string s)
    {
        var i = s.IndexOf('.', StringComparison.Ordinal);
        return i > 0 ? s[..i] : s;
    }

    /// <summary>
    /// Reads each answer's body whole, within the attempt's cancellation (its timeout) and at most
    /// <paramref name="maxBytes"/>, and checks that a successful answer is JSON; the response goes on with the body in
    /// memory. A body too large, cut off, or not JSON throws <see cref="UpstreamBodyException"/>.
    /// </summary>
    private sealed class BoundedBody(long maxBytes) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            try
            {
                var content = response.Content;
                if (content.Headers.ContentLength > maxBytes) throw TooLarge();
                var body = new MemoryStream();
                await using (var stream = await content.ReadAsStreamAsync(cancellationToken))
                {
                    var chunk = new byte[16 * 1024];
                    int n;
                    while ((n = await stream.ReadAsync(chunk, cancellationToken)) > 0)
                    {
                        if (body.Length + n > maxBytes) throw TooLarge();
                        body.Write(chunk, 0, n);
                    }
                }
                var bytes = body.GetBuffer().AsMemory(0, (int)body.Length);
                if (response.IsSuccessStatusCode) CheckJson(content.Headers.ContentType?.MediaType, bytes.Span);
                var buffered = new ReadOnlyMemoryContent(bytes);
                foreach (var h in content.Headers) buffered.Headers.TryAddWithoutValidation(h.Key, h.Value);
                response.Content = buffered;
                content.Dispose();
                return response;
            }
            catch (IOException ex) when (!cancellationToken.IsCancellationRequested)
            {
                response.Dispose();
                throw new HttpRequestException(HttpRequestError.ResponseEnded, "answer cut off: " + ex.Message, ex);
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }

        private UpstreamBodyException TooLarge() => new($"answer larger than {maxBytes / 1024} KiB, not read");

        private static void CheckJson(string? mediaType, ReadOnlySpan<byte> body)
        {
            if (mediaType is not null && !mediaType.Contains("json", StringComparison.OrdinalIgnoreCase))
                throw new UpstreamBodyException($"not JSON ({mediaType})");
            if (body.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) body = body[3..];
            try
            {
                var reader = new Utf8JsonReader(body);
                while (reader.Read())
                {
                }
                if (reader.BytesConsumed == 0) throw new UpstreamBodyException("empty answer (no JSON)");
            }
            catch (JsonException ex)
            {
                throw new UpstreamBodyException($"malformed JSON at {ex.Path ?? "$"} (line {ex.LineNumber}): {FirstLine(ex.Message)}", ex);
            }
        }
    }

    /// <summary>Counts each attempt and its status into the <see cref="SourceMonitor"/>.</summary>
    private sealed class AttemptCounter(string source, SourceMonitor monitor) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                monitor.RecordAttempt(source, (int)response.StatusCode);
                return response;
            }
            catch
            {
                monitor.RecordAttempt(source, null);
                throw;
            }
        }
    }
}
