using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;

namespace AirQuality.ServiceDefaults.Security;

/// <summary>Per-client limits on the API (configuration section `RateLimiting`).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimiting";

    public bool Enabled { get; set; } = true;

    /// <summary>Sustained requests per second per client.</summary>
    public int PermitsPerSecond { get; set; } = 50;

    /// <summary>Requests a client may send at once above the sustained rate.</summary>
    public int Burst { get; set; } = 200;

    /// <summary>Dashboard sign-in attempts per client per minute (token guessing).</summary>
    public int LoginAttemptsPerMinute { get; set; } = 10;
}

/// <summary>A token bucket per client address on /api; 429 problem details with Retry-After beyond it.</summary>
public static class RateLimitingHosting
{
    public static IHostApplicationBuilder AddApiRateLimiting(this IHostApplicationBuilder builder)
    {
        var o = builder.Configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(ctx =>
            {
                // Probes and health checks are never limited: an orchestrator must always see the truth. The API,
                // the SignalR negotiation and the metrics share one bucket per client; sign-in has its own, small one.
                var path = ctx.Request.Path;
                if (!o.Enabled || path.StartsWithSegments("/api/v1/health")) return RateLimitPartition.GetNoLimiter("unlimited");
                var client = TrustedProxies.ClientKey(ctx.Connection.RemoteIpAddress);
                if (path.StartsWithSegments(DashboardLogin.LoginPath) && HttpMethods.IsPost(ctx.Request.Method))
                    return RateLimitPartition.GetFixedWindowLimiter("login:" + client, _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = Math.Max(1, o.LoginAttemptsPerMinute),
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    });
                if (!path.StartsWithSegments("/api") && !path.StartsWithSegments("/hubs/aqi/negotiate") && !path.StartsWithSegments("/metrics"))
                    return RateLimitPartition.GetNoLimiter("unlimited");
                return RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Math.Max(1, o.Burst),
                    TokensPerPeriod = Math.Max(1, o.PermitsPerSecond),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (context, ct) =>
            {
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
                context.HttpContext.Response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
                var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests",
                        Detail = context.HttpContext.Request.Path.StartsWithSegments(DashboardLogin.LoginPath)
                            ? $"This client is over {o.LoginAttemptsPerMinute} sign-in attempts per minute. Retry after {retry} s."
                            : $"This client is over {o.PermitsPerSecond} requests per second (burst {o.Burst}). Retry after {retry} s.",
                        Type = "https://www.rfc-editor.org/rfc/rfc6585#section-4",
                    },
                });
            };
        });
        return builder;
    }
}
