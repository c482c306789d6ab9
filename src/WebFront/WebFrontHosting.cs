using System.Text.Json;
using System.Text.Json.Serialization;
using AirQuality.Domain.Cities;
using AirQuality.WebFront.Apis;
using AirQuality.WebFront.Infrastructure;

namespace AirQuality.WebFront;

/// <summary>Wiring of the web front: JSON, problem details, OpenAPI, the catalog, the endpoints.</summary>
public static class WebFrontHosting
{
    /// <summary>The one JSON setup of the API: snake_case names (as the seed), ISO 8601 UTC times, enums as text.</summary>
    public static void ConfigureJson(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        o.NumberHandling = JsonNumberHandling.Strict;
    }

    public static IHostApplicationBuilder AddWebFront(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        services.AddProblemDetails();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ =>
        {
            var path = builder.Configuration["Cities:CatalogPath"];
            return path is null ? CityCatalog.Default : CityCatalog.Load(path, builder.Configuration["Cities:AliasesPath"]);
        });
        services.AddPostgresHealth(builder.Configuration);
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new() { Title = "Air quality forecasting for Indian cities", Version = "v1",
                Description = "Current AQI (India NAQI and US EPA), history, forecasts and models for Indian cities. Errors are RFC 7807 problem details." });
            var xml = Path.Combine(AppContext.BaseDirectory, "AirQuality.WebFront.xml");
            if (File.Exists(xml)) o.IncludeXmlComments(xml);
        });
        return builder;
    }

    public static WebApplication MapWebFront(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseSwagger(o => o.RouteTemplate = "api/v1/{documentName}.json");
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "api/v1/docs";
            o.SwaggerEndpoint("/api/v1/v1.json", "v1");
            o.DocumentTitle = "Air quality API";
        });
        app.MapGet("/api/v1/openapi.json", (HttpContext ctx) => Results.Redirect("/api/v1/v1.json")).ExcludeFromDescription();

        var api = app.MapGroup("/api/v1");
        api.MapHealthApi();
        api.MapCitiesApi();
        api.MapAqiApi();
        api.MapHistoryApi();
        return app;
    }
}
