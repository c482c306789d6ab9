using AirQuality.Domain.Cities;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AirQuality.WebFront.Infrastructure;

/// <summary>The one error shape of the API: RFC 7807 problem details.</summary>
public static class Problems
{
    /// <summary>400 naming the parameter and what is wrong with it.</summary>
    public static ProblemHttpResult BadParameter(string parameter, string reason) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "Invalid parameter",
            Detail = $"'{parameter}': {reason}",
            Type = "https://www.rfc-editor.org/rfc/rfc9110#name-400-bad-request",
            Extensions = { ["parameter"] = parameter },
        });

    /// <summary>404 for a city that is not in the catalog, with close names.</summary>
    public static ProblemHttpResult UnknownCity(string name, CityCatalog catalog)
    {
        var shown = name.Length > 100 ? name[..100] + "…" : name;
        return TypedResults.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status404NotFound,
            Title = "Unknown city",
            Detail = $"No city named '{shown}' in the catalog. GET /api/v1/cities/ lists every city.",
            Type = "https://www.rfc-editor.org/rfc/rfc9110#name-404-not-found",
            Extensions = { ["suggestions"] = catalog.Suggest(name) },
        });
    }

    /// <summary>503 when a city has no data yet (just started).</summary>
    public static ProblemHttpResult NotReady(string city) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "No data yet",
            Detail = $"{city} has no readings yet; it is starting. Try again in a few seconds.",
        });
}
