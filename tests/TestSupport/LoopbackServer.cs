using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AirQuality.TestSupport;

/// <summary>A request as a loopback server saw it.</summary>
public sealed record SeenRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, DateTime At = default);

/// <summary>
/// A real Kestrel server on a loopback port (chosen by the system) standing in for something the code under test
/// calls over HTTP: an upstream API replaying real or documented answers, a web front behind nginx, the API a
/// workflow calls. It records every request it received, and can be stopped to stand for an upstream that is down.
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<SeenRequest> _seen;
    private bool _stopped;

    private LoopbackServer(WebApplication app, ConcurrentQueue<SeenRequest> seen, int port)
    {
        _app = app;
        _seen = seen;
        Port = port;
    }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    /// <summary>Root URL with a trailing slash, for clients that resolve relative paths against it.</summary>
    public Uri BaseUri => new($"{BaseUrl}/");

    /// <summary>Requests received so far.</summary>
    public IReadOnlyList<SeenRequest> Seen => [.. _seen];

    /// <summary>The handler of a server started with <see cref="StartAsync(Func{HttpContext, Task})"/>; tests may swap it (a healthy upstream turning bad, and back).</summary>
    public Func<HttpContext, Task> Handler { get; set; } = ctx => Respond(ctx, 404, "{}");

    /// <summary>A server whose endpoints <paramref name="map"/> maps.</summary>
    public static Task<LoopbackServer> StartAsync(Action<WebApplication> map) => StartAsync(map, null);

    /// <summary>A server that answers every request with <see cref="Handler"/> (initially <paramref name="handler"/>).</summary>
    public static Task<LoopbackServer> StartAsync(Func<HttpContext, Task> handler) => StartAsync(null, handler);

    private static async Task<LoopbackServer> StartAsync(Action<WebApplication>? map, Func<HttpContext, Task>? handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var seen = new ConcurrentQueue<SeenRequest>();
        LoopbackServer? self = null;
        app.Use(async (ctx, next) =>
        {
            seen.Enqueue(new SeenRequest(ctx.Request.Method, ctx.Request.Path + ctx.Request.QueryString,
                ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), DateTime.UtcNow));
            await next(ctx);
        });
        if (map is not null) map(app);
        else app.Run(ctx => self!.Handler(ctx));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        self = new LoopbackServer(app, seen, new Uri(address).Port);
        if (handler is not null) self.Handler = handler;
        return self;
    }

    /// <summary>Writes a status and a body (JSON unless <paramref name="contentType"/> says otherwise).</summary>
    public static async Task Respond(HttpContext ctx, int status, string body, string contentType = "application/json")
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = contentType;
        await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(body));
    }

    /// <summary>Stops listening: connections are refused from now on, as when the upstream is down.</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        await _app.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}
