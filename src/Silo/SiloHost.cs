using AirQuality.Grains.Hosting;
using AirQuality.WebFront;
using AirQuality.WebFront.Security;
using Orleans.Dashboard;

namespace AirQuality.Silo;

/// <summary>Builds one process of the system for its role: a silo, a web front, or both.</summary>
public static class SiloHost
{
    public const string DefaultUrl = "http://localhost:8080";

    /// <summary>Where the Orleans Dashboard is mapped on silo processes (behind the admin or dashboard token).</summary>
    public const string DashboardPath = DashboardLogin.DashboardPath;

    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The cluster settings are invalid.</exception>
    public static WebApplication Build(string[] args, SiloRole role = SiloRole.All)
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
            probes.AddCheck<ClusterReachableCheck>("cluster", tags: [ProbeHosting.ReadyTag]);
        }
        if (role is SiloRole.All or SiloRole.Web)
            builder.AddWebFront();
        else
        {
            builder.AddAdminAuth(); // the dashboard's token check
            builder.AddApiRateLimiting(); // sign-in and /metrics limits
        }
        builder.AddTrustedProxies();

        var app = builder.Build();
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
            app.MapWebFront();
        return app;
    }
}
