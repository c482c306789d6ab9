using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;

namespace AirQuality.WebFront.Security;

/// <summary>Per-client limits on the API (configuration section `RateLimiting`).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimiting";

    public bool Enabled { get; set; } = true;

    /// <summary>Sustained requests per second per client.</summary>
    public int PermitsPerSecond { get; set; } = 50;

    /// <summary>Requests a client may send at once above the sustained rate.</summary>
    public int Burst { get; set; } = 200;
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
                if (!o.Enabled || !ctx.Request.Path.StartsWithSegments("/api")) return RateLimitPartition.GetNoLimiter("unlimited");
                var client = ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown";
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
                        Detail = $"This client is over {o.PermitsPerSecond} requests per second (burst {o.Burst}). Retry after {retry} s.",
                        Type = "https://www.rfc-editor.org/rfc/rfc6585#section-4",
                    },
                });
            };
        });
        return builder;
    }
}
