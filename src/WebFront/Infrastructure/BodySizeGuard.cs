using Microsoft.AspNetCore.Mvc;

namespace AirQuality.WebFront.Infrastructure;

/// <summary>
/// Answers 413 problem details at once for a request that declares a body larger than the API takes, whether or not
/// its endpoint reads the body (Kestrel's own limit only trips when the body is read).
/// </summary>
public sealed class BodySizeGuard(RequestDelegate next, IProblemDetailsService problems)
{
    // Not async on the common path: a request within the limit costs one comparison, no state machine.
    public Task InvokeAsync(HttpContext context) =>
        context.Request.ContentLength is > WebFrontHosting.MaxRequestBodyBytes ? RefuseAsync(context) : next(context);

    private async Task RefuseAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status413PayloadTooLarge,
                Title = "Request body too large",
                Detail = $"The API accepts bodies of at most {WebFrontHosting.MaxRequestBodyBytes / 1024} KiB.",
                Type = "https://www.rfc-editor.org/rfc/rfc9110#name-413-content-too-large",
            },
        });
    }
}
