using System.Collections.Concurrent;
using System.Net;
using System.Text;
using AirQuality.ServiceDefaults.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AirQuality.WebFront.Tests;

/// <summary>
/// The dashboard's browser session as the hosts wire it (the token check, the session cookie, the sign-in limits, the
/// trusted proxy), on a loopback Kestrel server with a fake clock; a stand-in answers for the Orleans Dashboard
/// behind the same policy (the one-process system's own dashboard is signed into in <see cref="ProxyAndLimitTests"/>).
/// </summary>
public sealed class DashboardSessionTests : IAsyncLifetime
{
    private const string Token = "session-test-admin-token-0123456789";
    // Starts at the real time: a browser (the cookie container) drops a cookie whose expiry is already past.
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly ConcurrentQueue<string> _errors = new();
    private WebApplication _app = null!;
    private Uri _base = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().AddProvider(new ErrorLog(_errors));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:AdminTokens:0"] = Token,
            ["Auth:DashboardSessionLifetime"] = "01:00:00",
            ["ForwardedHeaders:KnownProxies:0"] = "127.0.0.1",
            ["RateLimiting:LoginAttemptsPerMinute"] = "1000",
        });
        builder.Services.AddSingleton<TimeProvider>(_clock);
        builder.AddAdminAuth();
        builder.AddApiRateLimiting();
        builder.AddTrustedProxies();
        _app = builder.Build();
        _app.UseForwardedHeaders();
        _app.UseRateLimiter();
        _app.UseAuthentication();
        _app.UseAuthorization();
        _app.MapDashboardLogin();
        _app.MapGet(DashboardLogin.DashboardPath + "/{**rest}", () => "the dashboard").RequireAuthorization(SecurityHosting.DashboardPolicy);
        await _app.StartAsync();
        _base = new Uri(_app.Urls.First());
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private HttpClient Client(CookieContainer? cookies = null) => new(new HttpClientHandler
    {
        AllowAutoRedirect = false,
        UseCookies = cookies is not null,
        CookieContainer = cookies ?? new CookieContainer(),
    }) { BaseAddress = _base, Timeout = TimeSpan.FromSeconds(10) };

    private static HttpRequestMessage SignIn(string token, string? forwardedProto = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, DashboardLogin.LoginPath) { Content = new FormUrlEncodedContent([new("token", token)]) };
        if (forwardedProto is not null) request.Headers.Add("X-Forwarded-Proto", forwardedProto);
        return request;
    }

    private static string SessionCookie(HttpResponseMessage response) =>
        Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(AdminTokenHandler.CookieName + "=", StringComparison.Ordinal));

    private static string CookieValue(string setCookie) => setCookie.Split(';')[0][(AdminTokenHandler.CookieName.Length + 1)..];

    private async Task<HttpStatusCode> OpenDashboard(HttpClient http, string? cookie = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, DashboardLogin.DashboardPath + "/");
        if (cookie is not null) request.Headers.Add("Cookie", $"{AdminTokenHandler.CookieName}={cookie}");
        return (await http.SendAsync(request)).StatusCode;
    }

    [Fact]
    public async Task The_session_cookie_carries_no_token_is_http_only_and_strict_and_opens_the_dashboard()
    {
        using var http = Client();
        using var response = await http.SendAsync(SignIn(Token));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookie = SessionCookie(response);
        var value = CookieValue(cookie);
        foreach (var form in new[] { Token, Convert.ToBase64String(Encoding.UTF8.GetBytes(Token)), Uri.EscapeDataString(Token) })
            Assert.DoesNotContain(form, value, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/dashboard", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie.Replace("samesite", "", StringComparison.OrdinalIgnoreCase), StringComparison.OrdinalIgnoreCase);

        Assert.Equal(HttpStatusCode.OK, await OpenDashboard(http, value));
        Assert.Equal(HttpStatusCode.Unauthorized, await OpenDashboard(http));
    }

    [Fact]
    public async Task A_tampered_cookie_is_refused()
    {
        using var http = Client();
        using var response = await http.SendAsync(SignIn(Token));
        var value = CookieValue(SessionCookie(response));
        Assert.Equal(HttpStatusCode.OK, await OpenDashboard(http, value));

        var middle = value.Length / 2;
        var tampered = value[..middle] + (value[middle] == 'A' ? 'B' : 'A') + value[(middle + 1)..];
        Assert.Equal(HttpStatusCode.Unauthorized, await OpenDashboard(http, tampered));
        // A cookie holding a token itself (how the session used to work) opens nothing either.
        Assert.Equal(HttpStatusCode.Unauthorized, await OpenDashboard(http, Token));
    }

    [Fact]
    public async Task Sign_out_ends_the_session()
    {
        var cookies = new CookieContainer();
        using var http = Client(cookies);
        Assert.Equal(HttpStatusCode.Redirect, (await http.SendAsync(SignIn(Token))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, await OpenDashboard(http));

        using var logout = await http.PostAsync(DashboardLogin.LogoutPath, new FormUrlEncodedContent([]));

        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        Assert.Equal(DashboardLogin.LoginPath, logout.Headers.Location?.OriginalString);
        Assert.Contains("expires=thu, 01 jan 1970", SessionCookie(logout), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(cookies.GetCookies(new Uri(_base, DashboardLogin.DashboardPath + "/")));
        Assert.Equal(HttpStatusCode.Unauthorized, await OpenDashboard(http));
    }

    [Fact]
    public async Task The_session_ends_at_its_lifetime_however_much_it_is_used()
    {
        using var http = Client();
        using var response = await http.SendAsync(SignIn(Token));
        var value = CookieValue(SessionCookie(response));

        _clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(HttpStatusCode.OK, await OpenDashboard(http, value));
        _clock.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(HttpStatusCode.OK, await OpenDashboard(http, value));
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.Unauthorized, await OpenDashboard(http, value));
    }

    [Fact]
    public async Task Behind_a_trusted_tls_proxy_the_cookie_is_secure()
    {
        using var http = Client();
        using var response = await http.SendAsync(SignIn(Token, forwardedProto: "https"));

        var cookie = SessionCookie(response);
        Assert.Contains("; secure", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_browser_without_a_session_gets_the_sign_in_form_and_a_wrong_token_gets_none()
    {
        using var http = Client();
        using var page = new HttpRequestMessage(HttpMethod.Get, DashboardLogin.DashboardPath + "/");
        page.Headers.Add("Accept", "text/html");
        using var redirect = await http.SendAsync(page);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal(DashboardLogin.LoginPath, redirect.Headers.Location?.OriginalString);

        using var wrong = await http.SendAsync(SignIn("not-the-token"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.False(wrong.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task An_oversized_chunked_sign_in_form_is_a_413_problem_without_an_error_log()
    {
        using var http = Client();
        var form = "token=" + new string('x', 2 * 1024 * 1024);
        var content = new StreamContent(new MemoryStream(Encoding.ASCII.GetBytes(form)));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded");
        using var request = new HttpRequestMessage(HttpMethod.Post, DashboardLogin.LoginPath) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(_errors);
    }

    private sealed class ErrorLog(ConcurrentQueue<string> errors) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(errors, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> errors, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (logLevel >= LogLevel.Error) errors.Enqueue($"{category}: {formatter(state, exception)} {exception}");
            }
        }
    }
}
