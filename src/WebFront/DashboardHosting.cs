using System.Collections.Frozen;
using System.IO.Hashing;
using System.Reflection;

namespace AirQuality.WebFront;

/// <summary>
/// The live dashboard at `/`: a static page and its scripts (embedded in this assembly, so every host that runs the
/// web front serves them), reading the public API and the SignalR hub like any other client.
/// </summary>
public static class DashboardHosting
{
    public const string AssetPrefix = "/ui";

    private sealed record Asset(byte[] Content, string ContentType, string ETag);

    private static readonly Lazy<FrozenDictionary<string, Asset>> Assets = new(Load);

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext ctx) => Serve(ctx, "index.html")).ExcludeFromDescription();
        app.MapGet(AssetPrefix + "/{file}", (HttpContext ctx, string file) => Serve(ctx, file)).ExcludeFromDescription();
        return app;
    }

    private static IResult Serve(HttpContext ctx, string file)
    {
        if (!Assets.Value.TryGetValue(file, out var asset)) return Results.NotFound();
        ctx.Response.Headers.ETag = asset.ETag;
        // Revalidated on every load, so a new version shows at once; unchanged files cost a 304.
        ctx.Response.Headers.CacheControl = "no-cache";
        if (ctx.Request.Headers.IfNoneMatch == asset.ETag) return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("Dashboard/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var file = name["Dashboard/".Length..];
            var type = Path.GetExtension(file) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".svg" => "image/svg+xml",
                ".json" => "application/json",
                _ => "application/octet-stream",
            };
            assets[file] = new Asset(bytes, type, $"\"{XxHash64.HashToUInt64(bytes):x16}\"");
        }
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
