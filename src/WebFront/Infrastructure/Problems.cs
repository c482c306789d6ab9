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

    /// <summary>Most characters of a client's text an error repeats back.</summary>
    public const int MaxEchoed = 64;

    /// <summary>Names longer than this get no suggestions: no city is called that, and the edit distance would cost.</summary>
    public const int MaxSuggested = 40;

    /// <summary>A client's text as an error repeats it: at most <see cref="MaxEchoed"/> characters.</summary>
    public static string Shown(string? text) =>
        text is null ? "" : text.Length > MaxEchoed ? text[..MaxEchoed] + "…" : text;

    /// <summary>404 for a city that is not in the catalog, with close names.</summary>
    public static ProblemHttpResult UnknownCity(string name, CityCatalog catalog) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status404NotFound,
            Title = "Unknown city",
            Detail = $"No city named '{Shown(name)}' in the catalog. GET /api/v1/cities/ lists every city.",
            Type = "https://www.rfc-editor.org/rfc/rfc9110#name-404-not-found",
            Extensions = { ["suggestions"] = name.Length > MaxSuggested ? Array.Empty<string>() : catalog.Suggest(name) },
        });

    /// <summary>413 for a body over the API's limit.</summary>
    public static ProblemHttpResult TooLarge() =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status413PayloadTooLarge,
            Title = "Request body too large",
            Detail = $"The API accepts bodies of at most {WebFrontHosting.MaxRequestBodyBytes / 1024} KiB.",
            Type = "https://www.rfc-editor.org/rfc/rfc9110#name-413-content-too-large",
        });

    /// <summary>503 when a city has no data yet (just started).</summary>
    public static ProblemHttpResult NotReady(string city) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "No data yet",
            Detail = $"{city} has no readings yet; it is starting. Try again in a few seconds.",
        });
}
