using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace AirQuality.Grains.Tests.Ingestion;

/// <summary>Loopback handlers that answer as the upstreams do, from the real sample bodies.</summary>
public static class Upstreams
{
    /// <summary>Serves <paramref name="records"/> page by page as data.gov.in does, honouring `offset` and `limit`.</summary>
    public static Func<HttpContext, Task> CpcbFeed(JsonArray records) => ctx =>
    {
        var offset = int.Parse(ctx.Request.Query["offset"]!, CultureInfo.InvariantCulture);
        var limit = int.Parse(ctx.Request.Query["limit"]!, CultureInfo.InvariantCulture);
        return LoopbackUpstream.Respond(ctx, 200, Samples.CpcbPage(records, offset, limit));
    };

    /// <summary>Answers a history request with an hour for every hour of [start, end], values taken in turn from the real Delhi history.</summary>
    public static Task OpenWeatherHistory(HttpContext ctx)
    {
        var start = long.Parse(ctx.Request.Query["start"]!, CultureInfo.InvariantCulture);
        var end = long.Parse(ctx.Request.Query["end"]!, CultureInfo.InvariantCulture);
        var sample = (JsonArray)JsonNode.Parse(Samples.Body(Samples.OwmHistory))!["list"]!;
        var list = new JsonArray();
        var i = 0;
        for (var t = start - start % 3600; t <= end; t += 3600, i++)
        {
            var entry = sample[i % sample.Count]!.DeepClone();
            entry["dt"] = t;
            list.Add(entry);
        }
        var body = new JsonObject { ["coord"] = new JsonObject { ["lon"] = 77.145, ["lat"] = 28.564 }, ["list"] = list };
        return LoopbackUpstream.Respond(ctx, 200, body.ToJsonString());
    }
}
