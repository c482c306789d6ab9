using System.Runtime.CompilerServices;
using AirQuality.Grains.Hosting;
using Orleans.Dashboard;

namespace AirQuality.Silo;

/// <summary>Builds one process of the system for its role: a silo, a web front, or both.</summary>
/// <remarks>
/// Everything every role shares comes from ServiceDefaults; the web front's code is reached only through
/// <see cref="WebFrontPart"/>, so a silo-only process neither registers nor loads any of it.
/// </remarks>
public static class SiloHost
{
    public const string DefaultUrl = "http://localhost:8080";

    /// <summary>Where the Orleans Dashboard is mapped on silo processes (behind the admin or dashboard token).</summary>
    public const string DashboardPath = DashboardLogin.DashboardPath;

    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The settings are invalid.</exception>
    public static WebApplication Build(string[] args, SiloRole role = SiloRole.All)
    {
        var app = CreateBuilder(args, role).Build();
        // First of all: who the client is (only configured proxies may say), for limits, logs and Secure cookies.
        app.UseForwardedHeaders();
        if (role == SiloRole.Silo) app.UseRateLimiter();
        app.MapProbes();
        app.MapTelemetry();
        if (role is SiloRole.All or SiloRole.Silo)
        {
            app.MapOrleansDashboard(routePrefix: DashboardPath).RequireAuthorization(SecurityHosting.DashboardPolicy);
            app.MapDashboardLogin();
        }
        if (role is SiloRole.All or SiloRole.Web)
            WebFrontPart.Map(app);
        return app;
    }

    /// <summary>The services of a process of <paramref name="role"/>, before the host is built.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The cluster settings are invalid.</exception>
    public static WebApplicationBuilder CreateBuilder(string[] args, SiloRole role)
    {
        // appsettings.json (default log levels) is read from beside the executable, wherever it is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
            builder.WebHost.UseUrls(DefaultUrl);
        builder.AddTelemetry(role switch { SiloRole.Silo => "airquality-silo", SiloRole.Web => "airquality-web", _ => "airquality" });
        var probes = builder.AddProbes();
        if (role is SiloRole.All or SiloRole.Silo)
        {
            builder.Services.AddAirQualityGrains(builder.Configuration);
            builder.AddAirQualitySilo();
            builder.Services.AddHostedService<CityStarter>();
            probes.AddCheck<SiloActiveCheck>("silo", tags: [ProbeHosting.ReadyTag]);
        }
        else
        {
            builder.AddOrleansClient();
        }
        if (role is SiloRole.All or SiloRole.Web)
        {
            builder.AddClusterCheck(ready: role == SiloRole.Web);
            WebFrontPart.Add(builder); // with the admin token check, for the API and the dashboard alike
        }
        else
        {
            builder.AddAdminAuth(); // the dashboard's token check
            builder.AddApiRateLimiting(); // sign-in and /metrics limits
        }
        builder.AddTrustedProxies();
        builder.AddManagementPort(); // /metrics on its own port (Management:Port), after the public addresses
        return builder;
    }

    /// <summary>
    /// The only place the silo executable touches the web front. Not inlined, so the JIT resolves the web front's
    /// types only when one of these runs, never in a silo-only process.
    /// </summary>
    private static class WebFrontPart
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static void Add(WebApplicationBuilder builder) => AirQuality.WebFront.WebFrontHosting.AddWebFront(builder);

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static void Map(WebApplication app) => AirQuality.WebFront.WebFrontHosting.MapWebFront(app);
    }
}
