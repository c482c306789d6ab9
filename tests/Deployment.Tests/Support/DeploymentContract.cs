namespace AirQuality.Deployment.Tests.Support;

/// <summary>
/// What the deployment files and the code agree on (issue 6): one image, its commands, ports, probe paths and the
/// environment. Tests check every deployment file against this, and this against the code.
/// </summary>
public static class DeploymentContract
{
    public const string EntryAssembly = "AirQuality.Silo.dll";
    public static readonly string[] SiloCommand = ["run", "--role", "silo"];
    public static readonly string[] WebCommand = ["run", "--role", "web"];
    public static readonly string[] MigrateCommand = ["migrate"];

    public const int HttpPort = 8080;
    /// <summary>The management port (`Management__Port`): /metrics answers only there.</summary>
    public const int ManagementPort = 9464;
    public const int SiloPort = 11111;
    public const int GatewayPort = 30000;

    public const string Live = "/healthz/live";
    public const string Ready = "/healthz/ready";
    public const string Metrics = "/metrics";
    public const string Dashboard = "/dashboard";
    public const string ApiHealth = "/api/v1/health";
    public const string RetrainPath = "/api/v1/models/retrain/";
    public const string HubsPrefix = "/hubs/";

    /// <summary>The image's unprivileged user (the aspnet image's `app`).</summary>
    public const int ImageUser = 1654;

    /// <summary>Every environment variable the application reads, and no other.</summary>
    public static readonly IReadOnlyList<string> EnvironmentNames =
    [
        "ConnectionStrings__Postgres", "ConnectionStrings__Redis", "Orleans__SiloPort", "Orleans__GatewayPort",
        "ORLEANS_CLUSTER_ID", "ORLEANS_SERVICE_ID", "POD_NAME", "POD_IP", "Auth__AdminTokens__0",
        "CPCB_API_KEY", "OPENWEATHER_API_KEY", "IQAIR_API_KEY", "OTEL_EXPORTER_OTLP_ENDPOINT", "ASPNETCORE_URLS",
        "ForwardedHeaders__KnownNetworks__0", "ConnectionStrings__PostgresOwner", "Management__Port",
    ];

    /// <summary>The schema owner's connection: only the migrate step gets it, never a silo or a web front.</summary>
    public static readonly IReadOnlyList<string> OwnerOnly = ["ConnectionStrings__PostgresOwner"];

    /// <summary>Names the container entrypoint fills in when the orchestrator did not (Docker, compose).</summary>
    public static readonly IReadOnlyList<string> SetByEntrypoint = ["POD_NAME", "POD_IP"];

    /// <summary>Names read by the frameworks themselves (ASP.NET Core, the OpenTelemetry SDK), not by project code.</summary>
    public static readonly IReadOnlyList<string> ReadByFrameworks = ["ASPNETCORE_URLS", "OTEL_EXPORTER_OTLP_ENDPOINT"];

    /// <summary>Optional: may be left out of a deployment (Kubernetes shows it commented out).</summary>
    public static readonly IReadOnlyList<string> Optional = ["OTEL_EXPORTER_OTLP_ENDPOINT"];

    /// <summary>Secrets: never a literal value in the repository.</summary>
    public static readonly IReadOnlyList<string> Secrets =
        ["ConnectionStrings__Postgres", "ConnectionStrings__PostgresOwner", "Auth__AdminTokens__0", "CPCB_API_KEY", "OPENWEATHER_API_KEY", "IQAIR_API_KEY"];

    /// <summary>The environment a web front needs: no upstream API keys, no silo ports.</summary>
    public static readonly IReadOnlyList<string> WebEnvironment =
        ["ConnectionStrings__Postgres", "ConnectionStrings__Redis", "ORLEANS_CLUSTER_ID", "ORLEANS_SERVICE_ID", "Auth__AdminTokens__0",
         "ForwardedHeaders__KnownNetworks__0", "Management__Port"];
}
