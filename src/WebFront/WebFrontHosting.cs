using AirQuality.Grains.Abstractions;
using System.Text.Json;
using System.Text.Json.Serialization;
using AirQuality.Grains;
using AirQuality.WebFront.Apis;
using AirQuality.WebFront.Apis.Outlook;
using AirQuality.WebFront.Caching;
using AirQuality.WebFront.Infrastructure;
using AirQuality.WebFront.Observability;
using AirQuality.WebFront.Push;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AirQuality.WebFront;

/// <summary>Wiring of the web front: JSON, problem details, cache, auth, limits, OpenAPI, push, the endpoints.</summary>
public static class WebFrontHosting
{
    /// <summary>Largest request body the API accepts (a batch forecast for thousands of cities fits easily).</summary>
    public const long MaxRequestBodyBytes = 256 * 1024;

    /// <summary>The one JSON setup of the API: snake_case names (as the seed), ISO 8601 UTC times, enums as text.</summary>
    public static void ConfigureJson(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        o.NumberHandling = JsonNumberHandling.Strict;
    }

    /// <summary>
    /// Log levels under every other setting (appsettings, environment, command line all override them): nothing per
    /// request at Information (ASP.NET Core's hosting and routing log two lines a request; under load that is
    /// hundreds of MB a minute and a large share of the CPU). The silo executable's appsettings.json says the same.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> DefaultLogLevels = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
        ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
        ["Logging:LogLevel:Polly"] = "Warning",
        ["Logging:LogLevel:Microsoft.Extensions.Http.Resilience"] = "Warning",
        ["Logging:LogLevel:Orleans"] = "Warning",
        ["Logging:LogLevel:Microsoft.Orleans"] = "Warning",
    };

    /// <summary>Puts <see cref="DefaultLogLevels"/> under the configuration's sources.</summary>
    public static IHostApplicationBuilder AddDefaultLogLevels(this IHostApplicationBuilder builder)
    {
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = DefaultLogLevels });
        return builder;
    }

    public static IHostApplicationBuilder AddWebFront(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            if (c.Exception is not GrainsUnavailableException) return;
            c.ProblemDetails.Title = "Cluster not answering";
            c.ProblemDetails.Detail = "The grains of this answer did not answer in time (a silo is being replaced). Try again in a few seconds.";
            c.HttpContext.Response.Headers.RetryAfter = "5";
        });
        services.TryAddSingleton(TimeProvider.System);
        services.AddCityCatalog(builder.Configuration);
        services.AddOptions<ForecastTargetOptions>().Bind(builder.Configuration.GetSection(ForecastTargetOptions.Section))
            .Validate(o => o.Codes.All(ForecastTargetOptions.Known.Contains),
                $"Forecasting:Targets may list only {string.Join(", ", ForecastTargetOptions.Known)}, comma separated")
            .ValidateOnStart();
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        services.AddSingleton<RequestMetrics>();
        services.AddDatabaseStatistics(builder.Configuration);
        builder.AddAnswerCache();
        builder.AddApiHealth();
        builder.AddAdminAuth();
        builder.AddApiRateLimiting();
        services.AddCors(o => o.AddDefaultPolicy(p =>
        {
            var origins = builder.Configuration.GetSection("Cors:AllowedOrigins").Get<string[]>() ?? [];
            if (origins.Contains("*")) p.AllowAnyOrigin(); else p.WithOrigins(origins);
            p.AllowAnyHeader().WithMethods("GET", "POST").WithExposedHeaders("ETag", "Retry-After", "Age", "Warning");
        }));
        services.AddSignalR().AddJsonProtocol(o => ConfigureJson(o.PayloadSerializerOptions));
        services.AddHostedService<CityChangeSubscriber>();
        services.AddHostedService<AlertPushSubscriber>();
        services.AddSingleton<ICityForecastPeek, ForecastPeek>();
        services.AddEndpointsApiExplorer();
        services.AddApiDocumentation();
        return builder;
    }

    public static WebApplication MapWebFront(this WebApplication app)
    {
        app.UseMiddleware<RequestMetricsMiddleware>();
        // Ready answers go out here, before routing and the rest (ReadyAnswerMiddleware says when they do not); routing
        // is placed after it explicitly (otherwise the host puts it first of all).
        app.UseMiddleware<ReadyAnswerMiddleware>();
        app.UseRouting();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // A bad request the server detects while reading it (malformed JSON, body too large) is the client's mistake.
            // Grains that did not answer within GrainCalls:Budget (a silo lost, nothing known to serve stale) are a 503.
            StatusCodeSelector = ex => ex switch
            {
                BadHttpRequestException bad => bad.StatusCode,
                GrainsUnavailableException => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            },
            // ...so it is answered without an error-level stack trace: a client can send such requests all day.
            SuppressDiagnosticsCallback = c => c.Exception is BadHttpRequestException,
        });
        app.UseStatusCodePages();
        app.UseMiddleware<Infrastructure.BodySizeGuard>();
        app.UseCors();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseApiDocumentation();

        var api = app.MapGroup("/api/v1");
        api.MapHealthApi();
        api.MapAdminApi();
        api.MapCitiesApi();
        api.MapAqiApi();
        api.MapSourcesApi();
        api.MapQualityApi();
        api.MapHistoryApi();
        api.MapForecastApi();
        api.MapModelsApi();
        api.MapOutlookApis();
        app.MapHub<AqiHub>(AqiHub.Path);
        app.MapDashboard();
        SecurityHosting.LogAuthState(app);
        return app;
    }
}
