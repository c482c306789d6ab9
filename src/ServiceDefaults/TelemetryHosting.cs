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

    /// <summary>The management port setting: <see cref="MetricsPath"/> answers there only (unset: not served).</summary>
    public const string ManagementPortSetting = "Management:Port";

    /// <summary>
    /// Adds the management endpoint (<c>Management:Port</c>) beside the public ones: a second Kestrel listener on the
    /// same interfaces (loopback when the public addresses are loopback), which serves <see cref="MetricsPath"/> and
    /// the probes and nothing else. Call after the public addresses are set.
    /// </summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The port is not a port.</exception>
    public static WebApplicationBuilder AddManagementPort(this WebApplicationBuilder builder)
    {
        if (ManagementPort(builder.Configuration) is not { } port) return builder;
        var urls = builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey);
        if (string.IsNullOrWhiteSpace(urls)) urls = "http://localhost:5000";
        var loopback = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .All(u => u.Contains("://localhost", StringComparison.OrdinalIgnoreCase) || u.Contains("://127.0.0.1", StringComparison.Ordinal) || u.Contains("://[::1]", StringComparison.Ordinal));
        builder.WebHost.UseUrls($"{urls};http://{(loopback ? "127.0.0.1" : "+")}:{port}");
        return builder;
    }

    /// <summary>The configured management port, or null when none is.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The port is not a port.</exception>
    public static int? ManagementPort(IConfiguration config)
    {
        var text = config[ManagementPortSetting];
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535)
            return port;
        throw new Microsoft.Extensions.Options.OptionsValidationException(ManagementPortSetting, typeof(int),
            [$"{ManagementPortSetting} is '{text}'; it must be a TCP port (1-65535), or unset for no metrics endpoint."]);
    }

    /// <summary>
    /// Maps the Prometheus scrape endpoint at <see cref="MetricsPath"/>, answering only connections to the management
    /// port (404 elsewhere: the check is the connection's local port, which a client cannot forge with a Host header);
    /// the management port itself answers only the metrics and the probes.
    /// </summary>
    public static WebApplication MapTelemetry(this WebApplication app)
    {
        var port = ManagementPort(app.Configuration);
        if (port is null)
        {
            app.Logger.LogInformation("No {Setting}: the Prometheus endpoint {Path} is not served", ManagementPortSetting, MetricsPath);
            return app;
        }
        app.Use((ctx, next) =>
        {
            if (ctx.Connection.LocalPort != port || ctx.Request.Path.StartsWithSegments(MetricsPath) || ctx.Request.Path.StartsWithSegments(ProbeHosting.Prefix))
                return next(ctx);
            ctx.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        app.MapPrometheusScrapingEndpoint(MetricsPath).Add(endpoint =>
        {
            var scrape = endpoint.RequestDelegate!;
            endpoint.RequestDelegate = ctx =>
            {
                if (ctx.Connection.LocalPort == port) return scrape(ctx);
                ctx.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            };
        });
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
