using System.Net;
using System.Net.Http.Json;
using AirQuality.ServiceDefaults.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AirQuality.WebFront.Tests;

/// <summary>The system behind a trusted proxy on loopback, with a small rate limit.</summary>
public sealed class ProxiedApp : EmbeddedApp
{
    protected override IEnumerable<string> Settings =>
    [
        "--ForwardedHeaders:KnownProxies:0=127.0.0.1",
        "--RateLimiting:PermitsPerSecond=5",
        "--RateLimiting:Burst=10",
        "--RateLimiting:LoginAttemptsPerMinute=3",
    ];
}

/// <summary>Rate limits key on the real client behind a configured proxy, IPv6 by /64, and cover sign-in, negotiate and metrics.</summary>
public sealed class ProxyAndLimitTests(ProxiedApp app) : IClassFixture<ProxiedApp>
{
    private async Task<HttpStatusCode> Get(string path, string client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Forwarded-For", client);
        return (await app.Http.SendAsync(request)).StatusCode;
    }

    [Fact]
    public async Task Clients_behind_the_trusted_proxy_get_their_own_buckets()
    {
        var first = new List<HttpStatusCode>();
        for (var i = 0; i < 25; i++) first.Add(await Get("/api/v1/cities/", "203.0.113.10"));

        Assert.Contains(HttpStatusCode.TooManyRequests, first);
        Assert.Equal(HttpStatusCode.OK, await Get("/api/v1/cities/", "203.0.113.11"));
    }

    [Fact]
    public async Task Ipv6_clients_of_one_64_share_a_bucket()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 1; i <= 25; i++) statuses.Add(await Get("/api/v1/cities/", $"2001:db8:aa:bb::{i:x}"));

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Equal(HttpStatusCode.OK, await Get("/api/v1/cities/", "2001:db8:aa:cc::1"));
    }

    [Fact]
    public async Task Metrics_and_signalr_negotiation_are_limited_too()
    {
        var metrics = new List<HttpStatusCode>();
        for (var i = 0; i < 25; i++) metrics.Add(await Get($"http://127.0.0.1:{app.ManagementPort}/metrics", "198.51.100.7"));
        Assert.Equal(HttpStatusCode.OK, metrics[0]);
        Assert.Contains(HttpStatusCode.TooManyRequests, metrics);

        var negotiate = new List<HttpStatusCode>();
        for (var i = 0; i < 25; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/hubs/aqi/negotiate?negotiateVersion=1");
            request.Headers.Add("X-Forwarded-For", "198.51.100.8");
            negotiate.Add((await app.Http.SendAsync(request)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, negotiate[0]);
        Assert.Contains(HttpStatusCode.TooManyRequests, negotiate);
    }

    [Fact]
    public async Task Dashboard_sign_in_attempts_are_limited_per_client()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/dashboard-login")
            {
                Content = new FormUrlEncodedContent([new("token", "guess-" + i)]),
            };
            request.Headers.Add("X-Forwarded-For", "192.0.2.50");
            statuses.Add((await app.Http.SendAsync(request)).StatusCode);
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized], statuses.Take(3));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[3]);
    }

    [Fact]
    public async Task Signing_in_behind_a_tls_proxy_opens_the_orleans_dashboard_with_a_secure_session_cookie()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = app.BaseAddress };
        using var signIn = new HttpRequestMessage(HttpMethod.Post, "/dashboard-login") { Content = new FormUrlEncodedContent([new("token", EmbeddedApp.DashboardToken)]) };
        signIn.Headers.Add("X-Forwarded-For", "192.0.2.77");
        signIn.Headers.Add("X-Forwarded-Proto", "https");
        using var signedIn = await http.SendAsync(signIn);

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var cookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith(AdminTokenHandler.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("; secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(EmbeddedApp.DashboardToken, cookie, StringComparison.Ordinal);

        using var open = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        open.Headers.Add("Cookie", cookie.Split(';')[0]);
        open.Headers.Add("X-Forwarded-Proto", "https");
        using var dashboard = await http.SendAsync(open);
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        // The session opens the dashboard only, never an administrative API call.
        using var clear = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cache/clear");
        clear.Headers.Add("Cookie", cookie.Split(';')[0]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(clear)).StatusCode);
    }

    [Fact]
    public void Ipv6_keys_are_their_64_and_mapped_ipv4_is_ipv4()
    {
        Assert.Equal("2001:db8:1:2::/64", TrustedProxies.ClientKey(IPAddress.Parse("2001:db8:1:2:3:4:5:6")));
        Assert.Equal("192.0.2.1", TrustedProxies.ClientKey(IPAddress.Parse("::ffff:192.0.2.1")));
    }
}

/// <summary>With no proxy configured, forwarded headers are not believed.</summary>
[Collection(ApiCollection.Name)]
public sealed class DefaultProxyTrustTests(EmbeddedAppWithRedis app)
{
    [Fact]
    public void No_proxy_or_network_is_trusted_by_default()
    {
        var o = app.App.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value;

        Assert.Empty(o.KnownProxies);
        Assert.Empty(o.KnownIPNetworks);
    }
}
