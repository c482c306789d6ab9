using Microsoft.OpenApi;

namespace AirQuality.WebFront;

/// <summary>OpenAPI document at /api/v1/openapi.json and interactive docs at /api/v1/docs.</summary>
public static class ApiDocumentation
{
    /// <summary>Name of the OpenAPI document; it gives the path /api/v1/openapi.json.</summary>
    public const string DocumentName = "openapi";

    public static IServiceCollection AddApiDocumentation(this IServiceCollection services)
    {
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc(DocumentName, new OpenApiInfo
            {
                Title = "Air quality forecasting for Indian cities",
                Version = "v1",
                Description = "Current AQI (India NAQI by default, US EPA with `?standard=us`), history, forecasts and models for Indian cities. " +
                              "JSON uses snake_case and ISO 8601 UTC times. Every error is an RFC 7807 problem details document. " +
                              "Administrative calls need `Authorization: Bearer <token>`.",
            });
            o.AddSecurityDefinition("bearer", new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "Admin token from Auth__AdminTokens__N",
            });
            o.OperationFilter<ApiExamples>();
            // The document describes this API only (not the Orleans Dashboard's internal endpoints, mapped beside it).
            o.DocInclusionPredicate((_, api) => api.RelativePath?.StartsWith("api/v1/", StringComparison.Ordinal) == true);
            var xml = Path.Combine(AppContext.BaseDirectory, "AirQuality.WebFront.xml");
            if (File.Exists(xml)) o.IncludeXmlComments(xml);
        });
        return services;
    }

    public static WebApplication UseApiDocumentation(this WebApplication app)
    {
        app.UseSwagger(o => o.RouteTemplate = "api/v1/{documentName}.json");
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "api/v1/docs";
            o.SwaggerEndpoint("/api/v1/openapi.json", "v1");
            o.DocumentTitle = "Air quality API";
        });
        return app;
    }
}
