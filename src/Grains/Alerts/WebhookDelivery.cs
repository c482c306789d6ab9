using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AirQuality.Grains.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace AirQuality.Grains.Alerts;

/// <summary>Delivery settings (section `Alerts`).</summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>Retries of a failed webhook call after the first attempt (exponential backoff with jitter).</summary>
    public int MaxRetries { get; set; } = 5;

    /// <summary>Delay before the first retry; each next one doubles it.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Time one webhook attempt may take.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the periodic check runs (stale data, source outages, quiet hours ending, pending deliveries).</summary>
    public TimeSpan CheckPeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Entries of the delivery log kept per subscription.</summary>
    public int DeliveriesKept { get; set; } = 200;

    /// <summary>Dead letters kept per subscription.</summary>
    public int DeadLettersKept { get; set; } = 50;
}

/// <summary>The outcome of one webhook delivery (all its attempts).</summary>
public sealed record WebhookResult(bool Delivered, int Attempts, int? Status, string? Error, IReadOnlyList<string> AttemptLog);

/// <summary>
/// Webhook signatures: `X-AQ-Timestamp` (Unix seconds of the attempt) and `X-AQ-Signature: v1=HEX`, HEX the
/// lower-case HMAC-SHA256, keyed with the subscription's secret, of `TIMESTAMP.BODY` (the timestamp, a dot, the raw
/// body bytes). Receivers recompute it, compare in constant time and refuse a timestamp more than 5 minutes off.
/// </summary>
public static class WebhookSignature
{
    public const string TimestampHeader = "X-AQ-Timestamp";
    public const string SignatureHeader = "X-AQ-Signature";
    public const string DeliveryHeader = "X-AQ-Delivery";
    public const string EventHeader = "X-AQ-Event";

    /// <summary>Replays older (or newer) than this are refused by <see cref="Verify"/>.</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message));
    }

    /// <summary>What a receiver does: true when the signature is the secret's and the timestamp within the tolerance of <paramref name="now"/>.</summary>
    public static bool Verify(string secret, string? timestampHeader, string? signatureHeader, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (!long.TryParse(timestampHeader, NumberStyles.None, CultureInfo.InvariantCulture, out var t) || signatureHeader is null) return false;
        if (Math.Abs(now.ToUnixTimeSeconds() - t) > Tolerance.TotalSeconds) return false;
        var expected = Encoding.ASCII.GetBytes(Sign(secret, t, body));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signatureHeader.Trim()));
    }
}

/// <summary>The bodies webhooks receive.</summary>
public static class AlertPayloads
{
    public static byte[] Body(Alert alert, WebhookFormat format) =>
        format == WebhookFormat.Slack ? JsonSerializer.SerializeToUtf8Bytes(Slack(alert), AlertJson.Options) : JsonSerializer.SerializeToUtf8Bytes(alert, AlertJson.Options);

    /// <summary>Slack's incoming-webhook message: a `text` fallback and blocks with the message and the health advice.</summary>
    public static object Slack(Alert alert)
    {
        var held = alert.HeldUntil is { } h ? $" _(held by quiet hours until {(h + QuietHours.Ist):HH:mm} IST)_" : "";
        var blocks = new List<object>
        {
            new { type = "section", text = new { type = "mrkdwn", text = $"*{Title(alert)}*\n{alert.Message}{held}" } },
        };
        if (alert.HealthAdvice is { } a)
            blocks.Add(new { type = "context", elements = new object[] { new { type = "mrkdwn", text = $"{a.Category}: {a.Text} ({a.Source})" } } });
        return new { text = alert.Message, blocks };
    }

    private static string Title(Alert a) => a.Event switch
    {
        "forecast_crossing" => $"Forecast: {a.Category} ahead",
        "crossed_up" or "crossed_down" => $"{a.Category}",
        "grap_stage_up" or "grap_stage_down" => $"GRAP stage {a.GrapStage}",
        "stale" => "Stale data",
        "fresh_again" => "Data fresh again",
        "source_down" => "Source down",
        "source_recovered" => "Source recovered",
        _ => a.Event,
    };
}

/// <summary>
/// Sends webhook bodies through the `alerts-webhook` HTTP client: retries with exponential backoff (the resilience
/// handler), every attempt signed afresh with its own timestamp and recorded.
/// </summary>
public sealed class WebhookSender(IHttpClientFactory clients)
{
    public const string ClientName = "alerts-webhook";

    internal static readonly HttpRequestOptionsKey<AttemptTrace> TraceKey = new("aq-alert-trace");

    public async Task<WebhookResult> SendAsync(WebhookTarget target, string secret, string deliveryId, string evt, byte[] body, CancellationToken cancellationToken = default)
    {
        var trace = new AttemptTrace(secret, body);
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(WebhookSignature.DeliveryHeader, deliveryId);
        request.Headers.TryAddWithoutValidation(WebhookSignature.EventHeader, evt);
        request.Options.Set(TraceKey, trace);
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            return new WebhookResult(response.IsSuccessStatusCode, trace.Attempts, status, response.IsSuccessStatusCode ? null : $"HTTP {status}", trace.Log);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or OperationCanceledException or Polly.Timeout.TimeoutRejectedException)
        {
            return new WebhookResult(false, trace.Attempts, null, Describe(ex), trace.Log);
        }
    }

    internal static string Describe(Exception ex) => ex switch
    {
        Polly.Timeout.TimeoutRejectedException or TimeoutException => "timeout",
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => "connection refused",
        HttpRequestException h => h.HttpRequestError.ToString(),
        _ => ex.GetType().Name,
    };

    /// <summary>Registers the webhook client: retries and attempt timeout from <see cref="AlertOptions"/>, signing inside the retries.</summary>
    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<WebhookSender>();
        services.AddTransient<SigningHandler>();
        var client = services.AddHttpClient(ClientName, http =>
        {
            // The resilience handler's attempt timeout bounds each attempt; retries and backoff bound the whole.
            http.Timeout = Timeout.InfiniteTimeSpan;
            http.DefaultRequestHeaders.UserAgent.ParseAdd("AirQuality-Alerts/1.0");
        }).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        client.AddResilienceHandler("alerts-webhook", (pipeline, context) =>
        {
            var o = context.ServiceProvider.GetRequiredService<IOptions<AlertOptions>>().Value;
            // Backoff in real time whatever clock the domain runs on (tests move a fake one).
            pipeline.TimeProvider = TimeProvider.System;
            pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(1, o.MaxRetries),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = o.RetryBaseDelay,
                ShouldRetryAfterHeader = false,
            });
            pipeline.AddTimeout(o.AttemptTimeout);
        });
        // Inside the retries: each attempt gets its own timestamp and signature, and is recorded.
        client.AddHttpMessageHandler<SigningHandler>();
    }
}

/// <summary>What the attempts of one delivery did.</summary>
internal sealed class AttemptTrace(string secret, byte[] body)
{
    private readonly List<string> _log = [];

    public string Secret { get; } = secret;

    public byte[] Body { get; } = body;

    public int Attempts => _log.Count;

    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_log) return _log.ToList();
        }
    }

    public void Record(string outcome)
    {
        lock (_log) _log.Add(outcome);
    }
}

/// <summary>Signs every attempt (timestamp of the attempt, the domain clock) and records its outcome.</summary>
internal sealed class SigningHandler(TimeProvider clock) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(WebhookSender.TraceKey, out var trace)) return await base.SendAsync(request, cancellationToken);
        var t = clock.GetUtcNow().ToUnixTimeSeconds();
        request.Headers.Remove(WebhookSignature.TimestampHeader);
        request.Headers.Remove(WebhookSignature.SignatureHeader);
        request.Headers.TryAddWithoutValidation(WebhookSignature.TimestampHeader, t.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(WebhookSignature.SignatureHeader, WebhookSignature.Sign(trace.Secret, t, trace.Body));
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            trace.Record(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
            return response;
        }
        catch (Exception ex)
        {
            trace.Record(cancellationToken.IsCancellationRequested || ex is OperationCanceledException ? "timeout" : WebhookSender.Describe(ex));
            throw;
        }
    }
}
