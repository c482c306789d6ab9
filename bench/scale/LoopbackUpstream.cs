using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AirQuality.Bench.Scale;

/// <summary>A generated place: its catalog name, state and coordinates.</summary>
internal sealed record Place(string Name, string State, double Lat, double Lon);

/// <summary>
/// Kestrel on 127.0.0.1 answering as OpenWeather's Air Pollution API (current, history, forecast by `lat`/`lon`) and
/// the CPCB real-time feed on data.gov.in (paged by `offset`/`limit`, one station per place, seven pollutants) do,
/// with values that differ by place and hour (never stuck, never duplicate stations). It logs the time of every
/// current-air request by coordinates, which times the poll cycle.
/// </summary>
internal sealed class LoopbackUpstream : IAsyncDisposable
{
    private static readonly string[] CpcbPollutants = ["PM2.5", "PM10", "NO2", "SO2", "CO", "OZONE", "NH3"];
    private static readonly TimeSpan Ist = TimeSpan.FromHours(5.5);
    private readonly WebApplication _app;
    private readonly IReadOnlyList<Place> _places;

    private LoopbackUpstream(WebApplication app, IReadOnlyList<Place> places, Uri baseUrl)
    {
        _app = app;
        _places = places;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    /// <summary>Every current-air request: when, and the coordinates asked (as the query wrote them).</summary>
    public ConcurrentQueue<(DateTime At, string Coordinates)> CurrentRequests { get; } = new();

    /// <summary>
    /// Hours the upstream's clock runs behind the real one (0: the real hour). A soak starts this many hours back and
    /// steps it down by one after each poll cycle, so every cycle brings the next hour's records (hours in the past,
    /// never in the future: the silo rejects readings more than an hour ahead of its clock).
    /// </summary>
    public int LagHours
    {
        get => Volatile.Read(ref _lagHours);
        set => Volatile.Write(ref _lagHours, value);
    }

    private int _lagHours;

    public long HistoryRequests;
    public long ForecastRequests;
    public long FeedPages;

    public static async Task<LoopbackUpstream> StartAsync(IReadOnlyList<Place> places)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        LoopbackUpstream? self = null;
        app.Run(ctx => self!.HandleAsync(ctx));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new LoopbackUpstream(app, places, new Uri(address.TrimEnd('/') + "/"));
        return self;
    }

    private Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "";
        var q = ctx.Request.Query;
        var now = DateTime.UtcNow;
        var hour = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerHour)).AddHours(-LagHours);
        if (path.StartsWith("/data/2.5/air_pollution", StringComparison.Ordinal))
        {
            var lat = double.Parse(q["lat"]!, CultureInfo.InvariantCulture);
            var lon = double.Parse(q["lon"]!, CultureInfo.InvariantCulture);
            IEnumerable<DateTime> hours;
            if (path.EndsWith("/history", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref HistoryRequests);
                var start = DateTime.UnixEpoch.AddSeconds(long.Parse(q["start"]!, CultureInfo.InvariantCulture));
                var end = DateTime.UnixEpoch.AddSeconds(long.Parse(q["end"]!, CultureInfo.InvariantCulture));
                start = start.AddTicks(-(start.Ticks % TimeSpan.TicksPerHour));
                hours = Enumerable.Range(0, (int)Math.Max(0, (end - start).TotalHours) + 1).Select(h => start.AddHours(h)).Where(h => h <= end && h <= hour);
            }
            else if (path.EndsWith("/forecast", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref ForecastRequests);
                hours = Enumerable.Range(1, 96).Select(h => hour.AddHours(h));
            }
            else
            {
                CurrentRequests.Enqueue((now, $"{q["lat"]},{q["lon"]}"));
                hours = [hour];
            }
            var body = new StringBuilder(64 + 200 * 24);
            body.Append(CultureInfo.InvariantCulture, $"{{\"coord\":{{\"lon\":{lon},\"lat\":{lat}}},\"list\":[");
            var first = true;
            foreach (var h in hours)
            {
                var pm = Pm25(lat, lon, h);
                if (!first) body.Append(',');
                first = false;
                body.Append(CultureInfo.InvariantCulture,
                    $"{{\"dt\":{(long)(h - DateTime.UnixEpoch).TotalSeconds},\"main\":{{\"aqi\":{Math.Clamp((int)(pm / 30) + 1, 1, 5)}}},\"components\":{{\"co\":{pm * 9:0.###},\"no\":{pm * 0.05:0.###},\"no2\":{pm * 0.35:0.###},\"o3\":{40 + pm * 0.2:0.###},\"so2\":{pm * 0.12:0.###},\"pm2_5\":{pm:0.###},\"pm10\":{pm * 1.7:0.###},\"nh3\":{pm * 0.08:0.###}}}}}");
            }
            body.Append("]}");
            return Respond(ctx, body.ToString());
        }
        if (path.StartsWith("/resource/", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref FeedPages);
            var offset = int.Parse(q["offset"]!, CultureInfo.InvariantCulture);
            var limit = int.Parse(q["limit"]!, CultureInfo.InvariantCulture);
            var total = _places.Count * CpcbPollutants.Length;
            var updated = (hour + Ist).ToString("dd-MM-yyyy HH:mm:ss", CultureInfo.InvariantCulture);
            var body = new StringBuilder(256 + 260 * limit);
            body.Append(CultureInfo.InvariantCulture, $"{{\"index_name\":\"3b01bcb8-0b14-4abf-b6f2-c1bfd384ba69\",\"status\":\"ok\",\"message\":\"Resource detail\",\"total\":{total},\"offset\":\"{offset}\",\"limit\":\"{limit}\",\"records\":[");
            for (var i = offset; i < Math.Min(total, offset + limit); i++)
            {
                var p = _places[i / CpcbPollutants.Length];
                var pollutant = CpcbPollutants[i % CpcbPollutants.Length];
                var pm = Pm25(p.Lat, p.Lon, hour) * 1.1;
                var v = pollutant switch { "PM2.5" => pm, "PM10" => pm * 1.8, "NO2" => pm * 0.4, "SO2" => pm * 0.1, "CO" => pm * 0.012, "OZONE" => 35 + pm * 0.15, _ => pm * 0.1 };
                if (i > offset) body.Append(',');
                body.Append(CultureInfo.InvariantCulture,
                    $"{{\"country\":\"India\",\"state\":\"{p.State}\",\"city\":\"{p.Name}\",\"station\":\"{p.Name} - Bench\",\"last_update\":\"{updated}\",\"latitude\":\"{p.Lat}\",\"longitude\":\"{p.Lon}\",\"pollutant_id\":\"{pollutant}\",\"min_value\":\"{v * 0.7:0.##}\",\"max_value\":\"{v * 1.3:0.##}\",\"avg_value\":\"{v:0.##}\"}}");
            }
            body.Append("]}");
            return Respond(ctx, body.ToString());
        }
        ctx.Response.StatusCode = 404;
        return Task.CompletedTask;
    }

    /// <summary>PM2.5 of a place and hour: higher in the north, a daily cycle, and a per-place phase (µg/m³).</summary>
    private static double Pm25(double lat, double lon, DateTime hour)
    {
        var seed = (Math.Sin(lat * 12.9898 + lon * 78.233) * 43758.5453) % 1;
        var level = 25 + Math.Clamp(lat - 8, 0, 25) * 6;
        var hours = (hour - DateTime.UnixEpoch).TotalHours;
        return Math.Round(level * (1 + 0.35 * Math.Sin(2 * Math.PI * (hours / 24 + seed)) + 0.1 * Math.Sin(hours * 0.37 + seed * 17)), 2);
    }

    private static Task Respond(HttpContext ctx, string body)
    {
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync(body);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
