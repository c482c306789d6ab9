using System.Text.Json;
using System.Text.Json.Nodes;
using AirQuality.TestSupport;

namespace AirQuality.Grains.Tests.Ingestion;

/// <summary>The real upstream bodies in ../shared/data/api-samples, as the upstream sent them (without our provenance block).</summary>
public static class Samples
{
    public const string OwmCurrent = "owm_air_pollution_current.docs_example_verbatim.json";
    public const string OwmForecast = "owm_air_pollution_forecast.captured_india_verbatim.json";
    public const string OwmHistory = "owm_air_pollution_history.reconstructed_delhi.json";
    public const string IqAirDelhi = "iqair_airvisual_v2_city.reconstructed_delhi.json";
    public const string IqAirLosAngeles = "iqair_airvisual_v2_city.captured_verbatim_los_angeles.json";
    public const string IqAirErrors = "iqair_airvisual_v2_errors.reconstructed.json";
    public const string CpcbCurrent = "datagovin_cpcb_realtime_aqi.reconstructed_current_schema.json";
    public const string CpcbLegacy = "datagovin_cpcb_realtime_aqi.legacy_2019_verbatim_fragment.json";

    public static JsonNode File(string name) =>
        JsonNode.Parse(System.IO.File.ReadAllText(Path.Combine(TestServices.SharedData, "api-samples", name)))!;

    /// <summary>The body the upstream answered (the `response` part of a sample).</summary>
    public static string Body(string name) => File(name)["response"]!.ToJsonString();

    /// <summary>The records of a CPCB sample (both layouts keep them under `records`).</summary>
    public static JsonArray CpcbRecords(string name)
    {
        var root = File(name);
        return (JsonArray)(root["response"]?["records"] ?? root["records"])!.DeepClone();
    }

    /// <summary>A data.gov.in page over <paramref name="records"/> as the API pages it (`offset`, `limit` of the query).</summary>
    public static string CpcbPage(JsonArray records, int offset, int limit)
    {
        var page = new JsonArray(records.Skip(offset).Take(limit).Select(r => r!.DeepClone()).ToArray());
        var envelope = new JsonObject
        {
            ["index_name"] = "3b01bcb8-0b14-4abf-b6f2-c1bfd384ba69",
            ["title"] = "Real time Air Quality Index from various locations",
            ["status"] = "ok",
            ["message"] = "Resource detail",
            ["total"] = records.Count,
            ["count"] = page.Count,
            ["limit"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["offset"] = offset.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["records"] = page,
        };
        return envelope.ToJsonString();
    }

    public static string Json(object value) => JsonSerializer.Serialize(value);
}
