using System.Text.Json;
using System.Text.Json.Nodes;
using AirQuality.WebFront.Contracts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace AirQuality.WebFront;

/// <summary>
/// Example answers shown in the OpenAPI document, one per response type, and an example problem for every error
/// status. Examples are real shapes serialized with the API's own JSON settings, so they cannot drift from the wire.
/// </summary>
public sealed class ApiExamples : IOperationFilter
{
    private static readonly JsonSerializerOptions Json = CreateJson();
    private static readonly DateTime Hour = new(2025, 11, 5, 10, 0, 0, DateTimeKind.Utc);

    private static readonly QualityFlagDto ExampleFlag = new("stuck", "cpcb", "pm25", Hour.AddHours(-6), Hour, 7, true,
        "pm25 = 92.3 in each of 7 consecutive hours (limit 6)");

    private static readonly Dictionary<Type, object> Samples = new()
    {
        [typeof(CurrentAqiDto)] = new CurrentAqiDto("Delhi", "delhi", "Delhi", 187, 187, "Moderately Polluted", "#FFFF00", 78.5, 132.4, Hour,
            "in", "IN-NAQI-2014", "pm25", true, "cpcb", false,
            [new SubIndexDto("pm25", 92.3, "ug/m3", "24h", 187, "Moderately Polluted", 24), new SubIndexDto("pm10", 140.8, "ug/m3", "24h", 127, "Moderately Polluted", 23),
             new SubIndexDto("no2", 48.1, "ug/m3", "24h", 60, "Satisfactory", 24)], [],
            Quality: new QualityDto(Hour.AddMinutes(7), [ExampleFlag], new Dictionary<string, int> { ["cpcb:pm25:stuck"] = 7 })),
        [typeof(QualityReportDto)] = new QualityReportDto(Hour.AddMinutes(7), "stuck", null, 1, new Dictionary<string, int> { ["stuck"] = 1 },
            [new CityQualityDto("Delhi", "delhi", Hour.AddMinutes(7), [ExampleFlag], new Dictionary<string, int> { ["cpcb:pm25:stuck"] = 7 })]),
        [typeof(PollutantsDto)] = new PollutantsDto("Delhi", Hour, "in", 187, "pm25", false,
            [new PollutantDto("pm25", "PM2.5", 78.5, "ug/m3", "cpcb", "24h", 92.3, "ug/m3", 187, "Moderately Polluted"),
             new PollutantDto("co", "CO", 1.42, "mg/m3", "cpcb", "8h", 1.31, "mg/m3", 65, "Satisfactory")]),
        [typeof(RankingsDto)] = new RankingsDto("in", "desc", 2, Hour.AddMinutes(7),
            [new RankingDto(1, "Delhi", "delhi", "Delhi", 312, "Very Poor", "#FF0000", "pm25", true, false, Hour),
             new RankingDto(2, "Ghaziabad", "ghaziabad", "Uttar Pradesh", 298, "Poor", "#FF6500", "pm25", true, false, Hour)], new PageMetaDto(56, 1, 2)),
        [typeof(CompareDto)] = new CompareDto("in", Hour.AddMinutes(7), 1,
            [new CompareCityDto("Delhi", "delhi", 187, "Moderately Polluted", 78.5, Hour, false, new Last24HoursDto(176.4, 201, 71.2, 104.9, 24),
                new TrendDto("rising", 12.4), new ForecastPeakDto(Hour.AddHours(14), 131.0, "pm25", 278, "Poor", "gradient_boosting v3"))],
            [new BatchProblemDto("Dehli", 404, "Unknown city", "No city named 'Dehli' in the catalog.", ["Delhi"])], new PageMetaDto(1, 1, 20)),
        [typeof(AqiCalculationDto)] = new AqiCalculationDto("in", null, 75, "Satisfactory", "#92D050", "pm25", false, "IN-NAQI-2014",
            [new SubIndexDto("pm25", 45, "ug/m3", "24h", 75, "Satisfactory", null)],
            ["1 sub-index(es) available; the India AQI needs at least 3"]),
    };

    /// <summary>Registers a sample answer for a response type (used by endpoint groups added elsewhere).</summary>
    public static void Register(Type type, object sample) => Samples[type] = sample;

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (operation.Responses is null) return;
        foreach (var described in context.ApiDescription.SupportedResponseTypes)
        {
            var status = described.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!operation.Responses.TryGetValue(status, out var response) || response.Content is null) continue;
            object? sample = described.StatusCode >= 400 ? Problem(described.StatusCode)
                : described.Type is { } t && Samples.TryGetValue(t, out var s) ? s : null;
            if (sample is null) continue;
            foreach (var media in response.Content.Values.OfType<OpenApiMediaType>())
                media.Example = JsonSerializer.SerializeToNode(sample, sample.GetType(), Json);
        }
    }

    private static ProblemDetails Problem(int status) => status switch
    {
        400 => new ProblemDetails { Status = 400, Title = "Invalid parameter", Detail = "'standard': must be 'in' (India NAQI) or 'us' (US EPA)", Extensions = { ["parameter"] = "standard" } },
        401 => new ProblemDetails { Status = 401, Title = "Authentication required", Detail = "This administrative endpoint needs 'Authorization: Bearer <token>' with a configured admin token." },
        403 => new ProblemDetails { Status = 403, Title = "Forbidden", Detail = "The token is valid but does not allow this administrative action." },
        404 => new ProblemDetails { Status = 404, Title = "Unknown city", Detail = "No city named 'Dehli' in the catalog. GET /api/v1/cities/ lists every city.", Extensions = { ["suggestions"] = new[] { "Delhi" } } },
        429 => new ProblemDetails { Status = 429, Title = "Too many requests", Detail = "This client is over 50 requests per second (burst 200). Retry after 1 s." },
        _ => new ProblemDetails { Status = status, Title = "Error" },
    };

    private static JsonSerializerOptions CreateJson()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        WebFrontHosting.ConfigureJson(o);
        return o;
    }
}
