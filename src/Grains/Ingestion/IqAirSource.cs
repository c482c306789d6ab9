using AirQuality.Grains.Abstractions;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AirQuality.Grains.Ingestion;

/// <summary>
/// IQAir AirVisual `/v2/city`. The community plan gives no concentrations: only IQAir's US AQI (`aqius`), its main
/// pollutant and the weather. So a reading carries the weather (which the merge uses) and the reported US AQI with its
/// main pollutant (kept for provenance and comparison, never shown as this system's AQI), and no pollutant values.
/// Calls go through <see cref="IqAirBudget"/>: a city not due this hour, or a spent budget, is skipped and says why.
/// </summary>
public sealed class IqAirSource(HttpClient http, IOptions<IqAirOptions> options, IqAirBudget budget, SourceMonitor monitor,
    TimeProvider clock, ILogger<IqAirSource> logger) : IAirQualitySource
{
    private readonly IqAirOptions _options = options.Value;

    public string Name => SourceNames.IqAir;

    public int Priority => MergePolicy.Priority(SourceNames.IqAir);

    public bool Enabled => _options.Enabled && !string.IsNullOrWhiteSpace(_options.ApiKey);

    public async Task<SourceFetch> FetchAsync(City city, DateTime now, CancellationToken cancellationToken)
    {
        if (budget.Decide(city, now) is { } skip)
        {
            if (skip != "not_due")
                logger.LogWarning("IQAir call for {City} skipped: {Reason}", city.Name, skip);
            return SourceFetch.Skip(skip);
        }
        var (name, state) = Place(city);
        var uri = $"v2/city?city={Uri.EscapeDataString(name)}&state={Uri.EscapeDataString(state)}" +
                  $"&country={Uri.EscapeDataString(_options.Country)}&key={Uri.EscapeDataString(_options.ApiKey ?? "")}";
        var body = await http.GetJsonAsync<CityBody>(Name, monitor, uri, DescribeError, cancellationToken);
        if (!string.Equals(body.Status, "success", StringComparison.OrdinalIgnoreCase))
            throw new SourceException(Explain(HttpStatusCode.OK, MessageOf(body.Data)));
        if (body.Data.ValueKind != JsonValueKind.Object)
            throw new SourceException("answer has no 'data' object");
        return Parse(city, body.Data.Deserialize<CityData>(UpstreamHttp.Json) ?? throw new SourceException("answer has an empty 'data'"));
    }

    /// <summary>IQAir's name of a city: the catalog's name and state, unless configured otherwise (`Places`).</summary>
    public (string City, string State) Place(City city)
    {
        if (_options.Places.TryGetValue(city.Id, out var place))
        {
            var parts = place.Split('|', 2, StringSplitOptions.TrimEntries);
            return (parts[0], parts.Length > 1 ? parts[1] : city.State);
        }
        return (city.Name, city.State);
    }

    /// <summary>Turns a `/v2/city` data object into readings: the reported AQI at its hour, the weather at its own.</summary>
    public static SourceFetch Parse(City city, CityData data)
    {
        var rejections = new List<Rejection>();
        var pollution = data.Current?.Pollution;
        var weather = data.Current?.Weather;
        DateTime? pollutionHour = Hour(pollution?.Ts, "pollution", city, rejections);
        DateTime? weatherHour = Hour(weather?.Ts, "weather", city, rejections);
        var w = weather is null || weatherHour is null
            ? null
            : new Weather(weather.Tp, weather.Hu, weather.Ws, weather.Pr, SourceNames.IqAir);
        var main = MainPollutant(pollution?.Mainus);
        var readings = new List<SourceReading>();
        var empty = new Dictionary<Pollutant, double>();
        if (pollution?.Aqius is { } odd && !(odd is >= 0 and <= 2000))
        {
            rejections.Add(new Rejection(SourceNames.IqAir, city.Id, "aqi_out_of_range", $"aqius={odd.ToString(CultureInfo.InvariantCulture)}"));
            pollutionHour = null;
        }
        if (pollutionHour is { } ph && pollution?.Aqius is { } reported)
        {
            var aqi = (int)Math.Round(reported, MidpointRounding.AwayFromZero);
            // Pollution and weather are stamped separately and can be an hour apart: each goes to its own hour.
            var sameHour = weatherHour == ph;
            readings.Add(new SourceReading(city.Id, ph, SourceNames.IqAir, empty, sameHour ? w : null, aqi, main));
            if (!sameHour && w is not null) readings.Add(new SourceReading(city.Id, weatherHour!.Value, SourceNames.IqAir, empty, w));
        }
        else if (w is not null)
        {
            readings.Add(new SourceReading(city.Id, weatherHour!.Value, SourceNames.IqAir, empty, w));
        }
        return new SourceFetch(readings, rejections);
    }

    /// <summary>IQAir's main-pollutant codes (`p2` = PM2.5, `p1` = PM10, `n2`, `s2`, `o3`, `co`) as this system's codes.</summary>
    public static string? MainPollutant(string? code) => code?.Trim().ToLowerInvariant() switch
    {
        "p2" => Pollutant.Pm25.Code(),
        "p1" => Pollutant.Pm10.Code(),
        "o3" => Pollutant.O3.Code(),
        "n2" => Pollutant.No2.Code(),
        "s2" => Pollutant.So2.Code(),
        "co" => Pollutant.Co.Code(),
        _ => null,
    };

    private static DateTime? Hour(string? ts, string what, City city, List<Rejection> rejections)
    {
        if (ts is null) return null;
        if (!DateTime.TryParse(ts, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t) ||
            t.Year is < 2000 or >= 2100)
        {
            rejections.Add(new Rejection(SourceNames.IqAir, city.Id, "bad_timestamp", $"{what}.ts={ts}"));
            return null;
        }
        return Hours.Floor(t);
    }

    /// <summary>IQAir's errors: `{"status":"fail","data":{"message":"call_limit_reached"}}` with a 4xx status.</summary>
    private string DescribeError(HttpStatusCode status, string body)
    {
        var message = UpstreamHttp.ErrorMessage(body, "data.message");
        return Explain(status, message);
    }

    /// <summary>Says what an IQAir message means, and pauses the budget when the plan's limit is reached.</summary>
    private string Explain(HttpStatusCode status, string? message)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // Messages may carry a tail ("permission_denied (you don't have access ..."): the code is the first word.
        var code = message?.Split([' ', '('], 2)[0].Trim();
        var meaning = code switch
        {
            "call_limit_reached" => "the plan's call limit is reached; calls paused until the next UTC day",
            "too_many_requests" => "more than the plan's calls per minute; calls paused for a minute",
            "incorrect_api_key" => "the key is wrong (check IQAIR_API_KEY)",
            "api_key_expired" => "the key has expired (renew IQAIR_API_KEY)",
            "city_not_found" => "IQAir does not know this city (set Sources:IqAir:Places)",
            "permission_denied" or "forbidden" or "Payment" => "the plan does not include this endpoint",
            _ => null,
        };
        if (code == "call_limit_reached") budget.Pause(now.Date.AddDays(1), code);
        else if (code == "too_many_requests") budget.Pause(now.AddMinutes(1), code);
        var text = meaning is null ? message : $"{message}: {meaning}";
        return status == HttpStatusCode.OK ? $"IQAir answered 'fail': {text ?? "no message"}" : UpstreamHttp.DescribeStatus(status, text);
    }

    private static string? MessageOf(JsonElement data) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty("message", out var m) ? m.ToString() : null;

    /// <summary>The `/v2/city` envelope; `data` holds the city or, on failure, a message.</summary>
    public sealed record CityBody(
        [property: JsonPropertyName("status")] string? Status,
        [property: JsonPropertyName("data")] JsonElement Data);

    public sealed record CityData(
        [property: JsonPropertyName("city")] string? City,
        [property: JsonPropertyName("state")] string? State,
        [property: JsonPropertyName("current")] Current? Current);

    public sealed record Current(
        [property: JsonPropertyName("pollution")] Pollution? Pollution,
        [property: JsonPropertyName("weather")] WeatherNow? Weather);

    /// <summary>`aqius` is IQAir's US AQI, `mainus` its main pollutant; the China AQI (`aqicn`) is not read.</summary>
    public sealed record Pollution(
        [property: JsonPropertyName("ts")] string? Ts,
        [property: JsonPropertyName("aqius")] double? Aqius,
        [property: JsonPropertyName("mainus")] string? Mainus);

    /// <summary>Temperature °C, pressure hPa, humidity %, wind m/s.</summary>
    public sealed record WeatherNow(
        [property: JsonPropertyName("ts")] string? Ts,
        [property: JsonPropertyName("tp")] double? Tp,
        [property: JsonPropertyName("pr")] double? Pr,
        [property: JsonPropertyName("hu")] double? Hu,
        [property: JsonPropertyName("ws")] double? Ws);
}
