using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace AirQuality.ServiceDefaults.Security;

/// <summary>Bearer tokens of the administrative endpoints (configuration section `Auth`).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>Tokens that may call every administrative endpoint (`Auth__AdminTokens__0`, ...).</summary>
    public List<string> AdminTokens { get; set; } = [];

    /// <summary>Tokens that may only open the Orleans Dashboard (`Auth__DashboardTokens__0`, ...).</summary>
    public List<string> DashboardTokens { get; set; } = [];

    /// <summary>How long a dashboard browser session lasts after sign-in (`Auth__DashboardSessionLifetime`, 8 h; absolute).</summary>
    public TimeSpan DashboardSessionLifetime { get; set; } = TimeSpan.FromHours(8);
}

/// <summary>Checks `Authorization: Bearer TOKEN` against the configured tokens (browsers use <see cref="DashboardSession"/>).</summary>
public sealed class AdminTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<AuthOptions> tokens,
    IProblemDetailsService problems) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AdminToken";
    public const string AdminRole = "admin";
    public const string DashboardRole = "dashboard";
    /// <summary>Name of the dashboard's session cookie (<see cref="DashboardSession"/>), which never holds a token.</summary>
    public const string CookieName = "aq_dashboard";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = ReadToken();
        if (token is null) return Task.FromResult(AuthenticateResult.NoResult());
        var roles = RolesOf(token, tokens.CurrentValue);
        if (roles.Count == 0) return Task.FromResult(AuthenticateResult.Fail("The bearer token is not valid."));
        var identity = new ClaimsIdentity(roles.Select(r => new Claim(ClaimTypes.Role, r)), SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    /// <summary>The roles a token grants: admin (and dashboard), dashboard only, or none.</summary>
    /// <remarks>
    /// Tokens are compared as SHA-256 digests with a fixed-time comparison and no early exit, so neither the
    /// content nor the length of a configured token leaks through timing.
    /// </remarks>
    public static IReadOnlyList<string> RolesOf(string token, AuthOptions auth)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        if (Matches(digest, auth.AdminTokens)) return [AdminRole, DashboardRole];
        if (Matches(digest, auth.DashboardTokens)) return [DashboardRole];
        return [];
    }

    private string? ReadToken()
    {
        var header = Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    private static bool Matches(byte[] digest, IEnumerable<string> configured)
    {
        var match = false;
        foreach (var t in configured)
        {
            if (string.IsNullOrEmpty(t)) continue;
            match |= CryptographicOperations.FixedTimeEquals(digest, SHA256.HashData(Encoding.UTF8.GetBytes(t)));
        }
        return match;
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (DashboardLogin.WantsLoginPage(Request))
        {
            Response.Redirect(DashboardLogin.LoginPath);
            return;
        }
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        var configured = tokens.CurrentValue.AdminTokens.Any(t => !string.IsNullOrEmpty(t));
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Authentication required",
                Detail = configured
                    ? "This administrative endpoint needs 'Authorization: Bearer <token>' with a configured admin token."
                    : "Administrative endpoints are closed: no admin token is configured (set Auth__AdminTokens__0).",
                Type = "https://www.rfc-editor.org/rfc/rfc9110#name-401-unauthorized",
            },
        });
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Forbidden",
                Detail = "The token is valid but does not allow this administrative action.",
                Type = "https://www.rfc-editor.org/rfc/rfc9110#name-403-forbidden",
            },
        });
    }
}

/// <summary>Registers the admin token scheme and the `admin` and `dashboard` policies.</summary>
public static class SecurityHosting
{
    public const string AdminPolicy = "admin";
    public const string DashboardPolicy = "dashboard";

    public static IHostApplicationBuilder AddAdminAuth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        if (builder.Properties.ContainsKey(typeof(SecurityHosting))) return builder;
        builder.Properties[typeof(SecurityHosting)] = true;
        builder.Services.AddOptions<AuthOptions>().Bind(builder.Configuration.GetSection(AuthOptions.Section))
            .Validate(o => o.DashboardSessionLifetime > TimeSpan.Zero, "Auth:DashboardSessionLifetime must be positive (e.g. 08:00:00)")
            .ValidateOnStart();
        // No default scheme: public endpoints never run the token check; only the admin policies ask for it.
        var authentication = builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, AdminTokenHandler>(AdminTokenHandler.SchemeName, null);
        DashboardSession.Add(builder, authentication);
        builder.Services.AddAuthorizationBuilder()
            // Administrative API calls take the bearer token only: a browser's session cookie never authorises them.
            .AddPolicy(AdminPolicy, p => p.AddAuthenticationSchemes(AdminTokenHandler.SchemeName).RequireRole(AdminTokenHandler.AdminRole))
            .AddPolicy(DashboardPolicy, p => p.AddAuthenticationSchemes(DashboardSession.SelectorScheme).RequireRole(AdminTokenHandler.DashboardRole));
        return builder;
    }

    /// <summary>Says at start whether administrative endpoints are open, and how to open them.</summary>
    public static void LogAuthState(WebApplication app)
    {
        var auth = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AirQuality.Auth");
        if (auth.AdminTokens.All(string.IsNullOrEmpty))
            log.LogWarning("No admin token configured: administrative endpoints (retrain, cache clear, dashboard) answer 401. Set Auth__AdminTokens__0 to a long random secret to open them.");
        else
            log.LogInformation("{Count} admin token(s) configured", auth.AdminTokens.Count(t => !string.IsNullOrEmpty(t)));
    }
}
