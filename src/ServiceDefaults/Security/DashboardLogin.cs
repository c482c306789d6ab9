using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace AirQuality.ServiceDefaults.Security;

/// <summary>
/// Sign-in for the Orleans Dashboard in a browser: a form that takes an admin or dashboard token and starts a
/// <see cref="DashboardSession"/> (a signed, encrypted cookie with the token's roles, never the token), so the
/// dashboard's own requests carry it; sign-out at <see cref="LogoutPath"/>. Scripts use the bearer header instead.
/// </summary>
public static class DashboardLogin
{
    /// <summary>Where the Orleans Dashboard is mapped.</summary>
    public const string DashboardPath = "/dashboard";

    public const string LoginPath = DashboardPath + "-login";

    public const string LogoutPath = DashboardPath + "-logout";

    /// <summary>The sign-in form is small: a longer body is refused before it is read in full.</summary>
    private const long MaxFormBytes = 16 * 1024;

    /// <summary>A browser asking for a dashboard page gets the login form instead of a bare 401.</summary>
    public static bool WantsLoginPage(HttpRequest request) =>
        request.Path.StartsWithSegments(DashboardPath) && HttpMethods.IsGet(request.Method) &&
        request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    public static IEndpointRouteBuilder MapDashboardLogin(this IEndpointRouteBuilder app)
    {
        app.MapGet(LoginPath, () => Results.Content(Page(null), "text/html; charset=utf-8")).ExcludeFromDescription();
        app.MapPost(LoginPath, async (HttpContext ctx, IOptionsMonitor<AuthOptions> tokens) =>
        {
            if (!ctx.Request.HasFormContentType)
                return Results.Content(Page("Send the token from the form."), "text/html; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
            if (ctx.Request.ContentLength > MaxFormBytes)
                return TooLarge();
            if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxFormBytes;
            IFormCollection form;
            try
            {
                form = await ctx.Request.ReadFormAsync(new FormOptions { ValueLengthLimit = (int)MaxFormBytes, ValueCountLimit = 16, KeyLengthLimit = 64 }, ctx.RequestAborted);
            }
            catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException)
            {
                return TooLarge();
            }
            var token = form["token"].ToString().Trim();
            if (token.Length == 0 || token.Length > 4096 || AdminTokenHandler.RolesOf(token, tokens.CurrentValue) is not { Count: > 0 } roles)
                return Results.Content(Page("That token is not valid."), "text/html; charset=utf-8", statusCode: StatusCodes.Status401Unauthorized);
            var identity = new ClaimsIdentity(roles.Select(r => new Claim(ClaimTypes.Role, r)), DashboardSession.SchemeName);
            await ctx.SignInAsync(DashboardSession.SchemeName, new ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = true });
            return Results.Redirect(DashboardPath + "/");
        }).DisableAntiforgery().ExcludeFromDescription();
        app.MapGet(LogoutPath, () => Results.Content(LogoutPage, "text/html; charset=utf-8")).ExcludeFromDescription();
        app.MapPost(LogoutPath, async (HttpContext ctx) =>
        {
            await ctx.SignOutAsync(DashboardSession.SchemeName);
            return Results.Redirect(LoginPath);
        }).DisableAntiforgery().ExcludeFromDescription();
        return app;
    }

    private static IResult TooLarge() => Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large",
        detail: $"The sign-in form takes at most {MaxFormBytes / 1024} KiB.", type: "https://www.rfc-editor.org/rfc/rfc9110#name-413-content-too-large");

    private const string LogoutPage = $$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Orleans Dashboard sign-out</title></head><body>
        <form method="post" action="{{LogoutPath}}"><input type="submit" value="Sign out of the Orleans Dashboard"></form>
        </body></html>
        """;

    private static string Page(string? error) => $$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Orleans Dashboard sign-in</title>
        <style>body{font:16px system-ui;margin:4rem auto;max-width:28rem}input{width:100%;padding:.5rem;margin:.5rem 0}p.e{color:#b00}</style>
        </head><body>
        <h1>Orleans Dashboard</h1>
        <p>Sign in with an admin or dashboard token (<code>Auth__AdminTokens__N</code>, <code>Auth__DashboardTokens__N</code>).</p>
        {{(error is null ? "" : $"<p class=\"e\">{WebUtility.HtmlEncode(error)}</p>")}}
        <form method="post" action="{{LoginPath}}"><input type="password" name="token" autocomplete="current-password" autofocus required>
        <input type="submit" value="Sign in"></form>
        <p><a href="{{LogoutPath}}">Sign out</a></p>
        </body></html>
        """;
}
