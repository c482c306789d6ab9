using AirQuality.Grains.Hosting;
using AirQuality.WebFront;

namespace AirQuality.Silo;

/// <summary>Builds the silo process: Orleans, the grains' services, and (in embedded mode) the web front.</summary>
public static class SiloHost
{
    public const string DefaultUrl = "http://localhost:8080";

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
            builder.WebHost.UseUrls(DefaultUrl);
        builder.Services.AddAirQualityGrains(builder.Configuration);
        builder.AddAirQualitySilo();
        builder.AddWebFront();
        builder.Services.AddHostedService<CityStarter>();
        var app = builder.Build();
        app.MapWebFront();
        return app;
    }
}
