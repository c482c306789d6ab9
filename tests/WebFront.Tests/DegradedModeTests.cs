using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace AirQuality.WebFront.Tests;

/// <summary>A web front whose Redis is down and whose clients are rate limited.</summary>
public sealed class DegradedApp : EmbeddedApp
{
    protected override IEnumerable<string> Settings =>
    [
        $"--ConnectionStrings:Redis=127.0.0.1:{FreePort()}",
        "--RateLimiting:PermitsPerSecond=1",
        "--RateLimiting:Burst=200",
    ];

    protected override bool InMemory => true;
}

public sealed class DegradedModeTests(DegradedApp app) : IClassFixture<DegradedApp>
{
    [Fact]
    public async Task With_redis_down_answers_still_come_and_health_says_degraded()
    {
        // The rate-limit test may have spent this client's tokens: one comes back every second.
        var current = await app.Http.GetAsync("/api/v1/aqi/current/Srinagar");
        await Eventually.UntilAsync(async () =>
        {
            if (current.StatusCode != HttpStatusCode.TooManyRequests) return true;
            current = await app.Http.GetAsync("/api/v1/aqi/current/Srinagar");
            return false;
        }, TimeSpan.FromSeconds(15), "a token of the rate limiter coming back");
        Assert.Equal(HttpStatusCode.OK, current.StatusCode);

        var health = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/health");
        Assert.Equal("degraded", health.GetProperty("status").GetString());
        Assert.Equal("unavailable", health.GetProperty("cache").GetString());
        Assert.Equal("up", health.GetProperty("cluster").GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_client_over_its_rate_gets_429_with_retry_after()
    {
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 400 && limited is null; i++)
        {
            var r = await app.Http.GetAsync("/api/v1/cities/");
            if (r.StatusCode == HttpStatusCode.TooManyRequests) limited = r;
        }

        Assert.NotNull(limited);
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        var problem = await limited.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
    }
}
