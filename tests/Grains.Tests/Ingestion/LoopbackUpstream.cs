using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AirQuality.Grains.Tests.Ingestion;

/// <summary>
/// A real HTTP server on 127.0.0.1 (Kestrel, port chosen by the system) standing in for an upstream API: it answers
/// with whatever the test's handler writes and remembers every request it got.
/// </summary>
public sealed class LoopbackUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private LoopbackUpstream(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>Root URL of the server (`http://127.0.0.1:PORT/`).</summary>
    public Uri BaseUrl { get; }

    /// <summary>Every request received: when, and its path with query.</summary>
    public ConcurrentQueue<(DateTime At, string PathAndQuery)> Requests { get; } = new();

    public int RequestCount => Requests.Count;

    /// <summary>The handler answering requests; tests may swap it (a healthy server turning bad, and back).</summary>
    public Func<HttpContext, Task> Handler { get; set; } = ctx => Respond(ctx, 404, "{}");

    public static async Task<LoopbackUpstream> StartAsync(Func<HttpContext, Task>? handler = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        LoopbackUpstream? self = null;
        app.Run(async ctx =>
        {
            self!.Requests.Enqueue((DateTime.UtcNow, ctx.Request.Path + ctx.Request.QueryString));
            await self.Handler(ctx);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new LoopbackUpstream(app, new Uri(address.TrimEnd('/') + "/"));
        if (handler is not null) self.Handler = handler;
        return self;
    }

    /// <summary>Stops listening: connections are refused from now on, as when the upstream is down.</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    public static async Task Respond(HttpContext ctx, int status, string body, params (string Name, string Value)[] headers)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        foreach (var (name, value) in headers) ctx.Response.Headers[name] = value;
        await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(body));
    }

    /// <summary>A handler answering each request with the next of <paramref name="answers"/>, the last one repeating.</summary>
    public static Func<HttpContext, Task> Sequence(params Func<HttpContext, Task>[] answers)
    {
        var next = -1;
        return ctx => answers[Math.Min(Interlocked.Increment(ref next), answers.Length - 1)](ctx);
    }
}
