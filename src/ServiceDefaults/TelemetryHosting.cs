using System.Reflection;
using Microsoft.Extensions.Logging.Console;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AirQuality.ServiceDefaults;

/// <summary>
/// Traces, metrics and logs of every host (silo, web front, both in one): OpenTelemetry with ASP.NET Core, HTTP
/// client, Npgsql and Orleans instrumentation; a Prometheus scrape endpoint at <c>/metrics</c>; OTLP export when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; JSON console logs in containers.
/// </summary>
public static class TelemetryHosting
{
    /// <summary>Activity sources and meters Orleans publishes.</summary>
    private static readonly string[] OrleansSources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];
    private const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>Activity source and meter of this project's own instrumentation.</summary>
    public const string ProjectSource = "AirQuality";

    /// <summary>The Prometheus scrape path (at the root, where scrapers look by default).</summary>
    public const string MetricsPath = "/metrics";

    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder, string serviceName)
    {
        if (builder.Properties.ContainsKey(typeof(TelemetryHosting))) return builder;
        builder.Properties[typeof(TelemetryHosting)] = serviceName;
        var config = builder.Configuration;

        // One JSON object per line is what container log collectors parse; a terminal keeps the readable format.
        if (RunsInContainer(config) && string.IsNullOrWhiteSpace(config["Logging:Console:FormatterName"]))
            builder.Logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.IncludeScopes = true;
            });

        var otlp = !string.IsNullOrWhiteSpace(config["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName, serviceVersion: Version,
                serviceInstanceId: config["POD_NAME"] ?? $"{Environment.MachineName}-{Environment.ProcessId}"));
        // Traces only go out through OTLP: without an endpoint nothing would read them, and recording a span for every
        // request and grain call costs the hot path a measurable share of its throughput.
        if (otlp)
            otel.WithTracing(t => t
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !IsInfrastructure(ctx.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddSource(OrleansSources)
                .AddSource(ProjectSource));
        otel.WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter(OrleansMeter, ProjectSource, ProjectSource + ".*")
                .AddPrometheusExporter());
        if (otlp)
            otel.UseOtlpExporter(); // traces, metrics and logs; protocol and headers from the standard OTEL_* variables
        return builder;
    }

    /// <summary>Maps the Prometheus scrape endpoint at <see cref="MetricsPath"/>.</summary>
    public static WebApplication MapTelemetry(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }

    /// <summary>True in the .NET container images (they set DOTNET_RUNNING_IN_CONTAINER=true).</summary>
    public static bool RunsInContainer(IConfiguration config) =>
        bool.TryParse(config["DOTNET_RUNNING_IN_CONTAINER"], out var b) && b;

    // Probes and scrapes every few seconds would drown the traces that matter.
    private static bool IsInfrastructure(PathString path) =>
        path.StartsWithSegments(ProbeHosting.Prefix) || path.StartsWithSegments(MetricsPath);

    private static readonly string Version =
        typeof(TelemetryHosting).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
