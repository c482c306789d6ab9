using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AirQuality.ServiceDefaults;

/// <summary>
/// Where this process finds the cluster and how it presents itself to it: the one place cluster configuration is read.
/// Cluster mode is on exactly when <c>ConnectionStrings:Postgres</c> is set; otherwise everything stays embedded.
/// </summary>
/// <remarks>
/// Read with <see cref="Load"/>, which validates with <see cref="ClusterSettingsValidation"/> and fails the start with
/// every problem listed. The names are the ones deployments set (compose, Kubernetes): <c>ConnectionStrings__Postgres</c>,
/// <c>ConnectionStrings__Redis</c>, <c>Orleans__SiloPort</c>, <c>Orleans__GatewayPort</c>, <c>ORLEANS_CLUSTER_ID</c>,
/// <c>ORLEANS_SERVICE_ID</c>, <c>POD_NAME</c>, <c>POD_IP</c>.
/// </remarks>
public sealed class ClusterSettings
{
    public const string DefaultClusterId = "aq-cluster";
    public const string DefaultServiceId = "aq";
    public const int DefaultSiloPort = 11111;
    public const int DefaultGatewayPort = 30000;

    /// <summary>PostgreSQL holding membership, grain state and reminders (null: embedded mode).</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary>Redis for the shared cache of API answers (null: in-process cache).</summary>
    public string? RedisConnectionString { get; init; }

    /// <summary>True when the process joins a PostgreSQL-backed cluster.</summary>
    public bool IsClustered => PostgresConnectionString is not null;

    /// <summary>Orleans ClusterId (`ORLEANS_CLUSTER_ID`): silos and clients with the same id form one cluster.</summary>
    public string ClusterId { get; init; } = DefaultClusterId;

    /// <summary>Orleans ServiceId (`ORLEANS_SERVICE_ID`): keys grain state and reminders, so it must outlive deployments.</summary>
    public string ServiceId { get; init; } = DefaultServiceId;

    /// <summary>Silo-to-silo port (`Orleans:SiloPort`).</summary>
    public int SiloPort { get; init; } = DefaultSiloPort;

    /// <summary>Port clients (web fronts) connect to (`Orleans:GatewayPort`).</summary>
    public int GatewayPort { get; init; } = DefaultGatewayPort;

    /// <summary>Name of this silo (`POD_NAME`); null lets the host pick one from the machine name and port.</summary>
    public string? SiloName { get; init; }

    /// <summary>Address other silos and clients reach this silo at (`POD_IP`); null lets Orleans pick this host's address.</summary>
    public IPAddress? AdvertisedAddress { get; init; }

    /// <summary>
    /// How long a stopping silo may take to deactivate its grains and hand over (`Orleans:ShutdownGracePeriod`).
    /// Keep it below the orchestrator's termination grace period (Kubernetes: 30 s by default).
    /// </summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>What the configuration said, before validation (kept so errors can quote it).</summary>
    internal Dictionary<string, string> Unparsed { get; } = new(StringComparer.Ordinal);

    /// <summary>The name this silo shows in membership and on the dashboard.</summary>
    public string EffectiveSiloName => SiloName ?? $"{Environment.MachineName}-{SiloPort}";

    /// <summary>Reads and validates the settings; throws <see cref="OptionsValidationException"/> listing every problem.</summary>
    public static ClusterSettings Load(IConfiguration configuration)
    {
        var settings = Read(configuration);
        var result = new ClusterSettingsValidation().Validate(null, settings);
        if (result.Failed)
            throw new OptionsValidationException(nameof(ClusterSettings), typeof(ClusterSettings), result.Failures);
        return settings;
    }

    private static ClusterSettings Read(IConfiguration c)
    {
        var raw = new Dictionary<string, string>(StringComparer.Ordinal);
        string? Text(string key)
        {
            var v = c[key];
            if (v is not null) raw[key] = v;
            return string.IsNullOrWhiteSpace(v) ? null : v.Trim();
        }
        int Port(string key, int fallback) =>
            Text(key) is { } v ? int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) ? p : -1 : fallback;

        var ip = Text("POD_IP");
        var grace = Text("Orleans:ShutdownGracePeriod");
        var settings = new ClusterSettings
        {
            PostgresConnectionString = Text("ConnectionStrings:Postgres"),
            RedisConnectionString = Text("ConnectionStrings:Redis"),
            ClusterId = Text("ORLEANS_CLUSTER_ID") ?? DefaultClusterId,
            ServiceId = Text("ORLEANS_SERVICE_ID") ?? DefaultServiceId,
            SiloPort = Port("Orleans:SiloPort", DefaultSiloPort),
            GatewayPort = Port("Orleans:GatewayPort", DefaultGatewayPort),
            SiloName = Text("POD_NAME"),
            AdvertisedAddress = ip is not null && IPAddress.TryParse(ip, out var a) ? a : null,
            ShutdownGracePeriod = grace is null ? TimeSpan.FromSeconds(25)
                : TimeSpan.TryParse(grace, CultureInfo.InvariantCulture, out var g) ? g : TimeSpan.MinValue,
        };
        foreach (var (k, v) in raw) settings.Unparsed[k] = v;
        return settings;
    }
}

/// <summary>The checks cluster settings must pass before anything starts; each failure names the setting to fix.</summary>
public sealed class ClusterSettingsValidation : IValidateOptions<ClusterSettings>
{
    public ValidateOptionsResult Validate(string? name, ClusterSettings s)
    {
        var errors = new List<string>();
        if (s.PostgresConnectionString is { } cs)
        {
            try
            {
                var b = new NpgsqlConnectionStringBuilder(cs);
                if (string.IsNullOrWhiteSpace(b.Host))
                    errors.Add("ConnectionStrings:Postgres has no Host (e.g. Host=db;Username=aq;Password=...;Database=aq).");
            }
            catch (ArgumentException ex)
            {
                errors.Add($"ConnectionStrings:Postgres is not a PostgreSQL connection string: {ex.Message}");
            }
        }
        CheckId(errors, "ORLEANS_CLUSTER_ID", s.ClusterId);
        CheckId(errors, "ORLEANS_SERVICE_ID", s.ServiceId);
        CheckPort(errors, "Orleans:SiloPort", s.SiloPort, s);
        CheckPort(errors, "Orleans:GatewayPort", s.GatewayPort, s);
        if (s.SiloPort == s.GatewayPort && s.SiloPort is > 0 and <= 65535)
            errors.Add($"Orleans:SiloPort and Orleans:GatewayPort are both {s.SiloPort}; they must differ.");
        if (s.Unparsed.TryGetValue("POD_IP", out var ip) && !string.IsNullOrWhiteSpace(ip) && s.AdvertisedAddress is null)
            errors.Add($"POD_IP '{ip}' is not an IP address.");
        if (s.AdvertisedAddress is { } a && (a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any)))
            errors.Add($"POD_IP '{a}' is a wildcard; give the address other silos can reach this one at.");
        if (s.ShutdownGracePeriod <= TimeSpan.Zero || s.ShutdownGracePeriod > TimeSpan.FromMinutes(10))
            errors.Add($"Orleans:ShutdownGracePeriod '{s.Unparsed.GetValueOrDefault("Orleans:ShutdownGracePeriod")}' must be a time span between 00:00:01 and 00:10:00.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckId(List<string> errors, string key, string value)
    {
        if (value.Length > 100 || value.Any(char.IsWhiteSpace) || value.Any(char.IsControl))
            errors.Add($"{key} '{value}' must be at most 100 characters without spaces.");
    }

    private static void CheckPort(List<string> errors, string key, int port, ClusterSettings s)
    {
        if (port is < 1 or > 65535)
            errors.Add($"{key} '{s.Unparsed.GetValueOrDefault(key)}' must be a port number from 1 to 65535.");
    }
}
