using System.Net;
using Microsoft.Extensions.Options;

namespace AirQuality.ServiceDefaults.Security;

/// <summary>
/// Sign-in for the Orleans Dashboard in a browser: a form that takes an admin or dashboard token and keeps it in an
/// HttpOnly, SameSite=Strict cookie, so the dashboard's own requests carry it. Scripts use the bearer header instead.
/// </summary>
public static class DashboardLogin
{
    /// <summary>Where the Orleans Dashboard is mapped.</summary>
    public const string DashboardPath = "/dashboard";

    public const string LoginPath = DashboardPath + "-login";

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
            var form = await ctx.Request.ReadFormAsync();
            var token = form["token"].ToString().Trim();
            if (token.Length == 0 || token.Length > 4096 || AdminTokenHandler.RolesOf(token, tokens.CurrentValue).Count == 0)
                return Results.Content(Page("That token is not valid."), "text/html; charset=utf-8", statusCode: StatusCodes.Status401Unauthorized);
            ctx.Response.Cookies.Append(AdminTokenHandler.CookieName, token, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = ctx.Request.IsHttps,
                Path = DashboardPath,
                MaxAge = TimeSpan.FromHours(12),
            });
            return Results.Redirect(DashboardPath + "/");
        }).DisableAntiforgery().ExcludeFromDescription();
        return app;
    }

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
        </body></html>
        """;
}
