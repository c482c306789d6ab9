using AirQuality.Grains.Abstractions;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using Microsoft.Extensions.Options;

namespace AirQuality.Grains.Ingestion;

/// <summary>
/// OpenWeather Air Pollution API, by the city's coordinates: the current hour (`/data/2.5/air_pollution`), past hours
/// for the first-start backfill (`/history`, from 2020-11-27) and the next days (`/forecast`). The values are CAMS
/// model output on a grid, not station readings, so they rank below the CPCB stations when merged.
/// </summary>
/// <remarks>
/// Components come in µg/m³, CO included; CO is converted to mg/m³, the unit of the India AQI. `main.aqi` is
/// OpenWeather's own 1-5 scale, neither the India nor the US AQI: it is not read at all, so it can never be shown as one.
/// `no` (nitric oxide) has no place in either AQI and is dropped.
/// </remarks>
public sealed class OpenWeatherSource(HttpClient http, IOptions<OpenWeatherOptions> options, SourceMonitor monitor) : IHistorySource
{
    /// <summary>The first hour OpenWeather's history holds.</summary>
    private const long EarliestDt = 946_684_800, LatestDt = 4_102_444_800;

    public static readonly DateTime HistoryBegins = new(2020, 11, 27, 0, 0, 0, DateTimeKind.Utc);

    private readonly OpenWeatherOptions _options = options.Value;

    public string Name => SourceNames.OpenWeather;

    public int Priority => MergePolicy.Priority(SourceNames.OpenWeather);

    public bool Enabled => _options.Enabled && !string.IsNullOrWhiteSpace(_options.ApiKey);

    public DateTime HistoryStart => HistoryBegins;

    public async Task<SourceFetch> FetchAsync(City city, DateTime now, CancellationToken cancellationToken)
    {
        var body = await GetAsync("data/2.5/air_pollution", city, "", cancellationToken);
        return Parse(city, body);
    }

    public async Task<SourceFetch> FetchHistoryAsync(City city, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        if (from < HistoryBegins) from = HistoryBegins;
        // Chunks share their boundary hour: keep one reading per hour.
        var readings = new SortedDictionary<DateTime, SourceReading>();
        var rejections = new List<Rejection>();
        var chunk = TimeSpan.FromDays(Math.Max(1, _options.HistoryChunkDays));
        for (DateTime start = from, end; start < to; start = end)
        {
            end = start + chunk < to ? start + chunk : to;
            var body = await GetAsync("data/2.5/air_pollution/history", city,
                $"&start={Unix(start)}&end={Unix(end)}", cancellationToken);
            var part = Parse(city, body);
            foreach (var r in part.Readings.Where(r => r.Hour >= from && r.Hour <= to)) readings[r.Hour] = r;
            rejections.AddRange(part.Rejections);
        }
        return new SourceFetch(readings.Values.ToList(), rejections);
    }

    /// <summary>The forecast hours OpenWeather gives for the city (model output, hours ahead of now).</summary>
    public async Task<SourceFetch> FetchForecastAsync(City city, CancellationToken cancellationToken)
    {
        var body = await GetAsync("data/2.5/air_pollution/forecast", city, "", cancellationToken);
        return Parse(city, body);
    }

    /// <summary>Turns an Air Pollution answer into one reading per listed hour, in canonical units.</summary>
    public static SourceFetch Parse(City city, AirPollutionBody body)
    {
        if (body.List is null) throw new SourceException("answer has no 'list'");
        var byHour = new SortedDictionary<DateTime, SourceReading>();
        var rejections = new List<Rejection>();
        foreach (var entry in body.List)
        {
            // Seconds since 1970 from 2000 to 2100: anything else (0, negative, 3e11) is a bad timestamp, never an overflow.
            if (entry.Dt is not (>= EarliestDt and < LatestDt))
            {
                rejections.Add(new Rejection(SourceNames.OpenWeather, city.Id, "bad_timestamp", $"dt={entry.Dt?.ToString(CultureInfo.InvariantCulture) ?? "missing"}"));
                continue;
            }
            if (entry.Components is not { } c)
            {
                rejections.Add(new Rejection(SourceNames.OpenWeather, city.Id, "no_components", $"dt={entry.Dt}"));
                continue;
            }
            var time = DateTime.UnixEpoch.AddSeconds(entry.Dt.Value);
            var hour = Hours.Floor(time);
            var values = new Dictionary<Pollutant, double>();
            Add(values, Pollutant.Pm25, c.Pm25);
            Add(values, Pollutant.Pm10, c.Pm10);
            Add(values, Pollutant.No2, c.No2);
            Add(values, Pollutant.So2, c.So2);
            Add(values, Pollutant.O3, c.O3);
            Add(values, Pollutant.Nh3, c.Nh3);
            // CO: µg/m³ from OpenWeather, mg/m³ in this system.
            Add(values, Pollutant.Co, c.Co / 1000.0);
            byHour[hour] = new SourceReading(city.Id, hour, SourceNames.OpenWeather, values, null);
        }
        return new SourceFetch(byHour.Values.ToList(), rejections);
    }

    private static void Add(Dictionary<Pollutant, double> values, Pollutant p, double? v)
    {
        if (v is { } x) values[p] = x;
    }

    private async Task<AirPollutionBody> GetAsync(string path, City city, string extra, CancellationToken cancellationToken)
    {
        var uri = string.Create(CultureInfo.InvariantCulture,
            $"{path}?lat={city.Latitude:0.####}&lon={city.Longitude:0.####}{extra}&appid={Uri.EscapeDataString(_options.ApiKey ?? "")}");
        return await http.GetJsonAsync<AirPollutionBody>(Name, monitor, uri, DescribeError, cancellationToken);
    }

    /// <summary>OpenWeather's errors: `{"cod":401,"message":"Invalid API key. ..."}`.</summary>
    private static string DescribeError(HttpStatusCode status, string body)
    {
        var message = UpstreamHttp.ErrorMessage(body, "message");
        var hint = status == HttpStatusCode.Unauthorized ? " (check OPENWEATHER_API_KEY)" : "";
        return UpstreamHttp.DescribeStatus(status, message) + hint;
    }

    private static long Unix(DateTime t) => (long)(t - DateTime.UnixEpoch).TotalSeconds;

    /// <summary>The body of every Air Pollution endpoint. `coord` (an array in the docs, an object live) and `main` are not read.</summary>
    public sealed record AirPollutionBody([property: JsonPropertyName("list")] List<Entry>? List);

    public sealed record Entry(
        [property: JsonPropertyName("dt")] long? Dt,
        [property: JsonPropertyName("components")] Components? Components);

    /// <summary>Concentrations in µg/m³ (CO too).</summary>
    public sealed record Components(
        [property: JsonPropertyName("co")] double? Co,
        [property: JsonPropertyName("no2")] double? No2,
        [property: JsonPropertyName("o3")] double? O3,
        [property: JsonPropertyName("so2")] double? So2,
        [property: JsonPropertyName("pm2_5")] double? Pm25,
        [property: JsonPropertyName("pm10")] double? Pm10,
        [property: JsonPropertyName("nh3")] double? Nh3);
}
