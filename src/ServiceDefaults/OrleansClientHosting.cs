using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace AirQuality.ServiceDefaults;

/// <summary>Connects the standalone web front to a cluster.</summary>
public static class OrleansClientHosting
{
    /// <summary>The ADO.NET invariant that makes the Orleans providers load Npgsql.</summary>
    public const string PostgresInvariant = "Npgsql";

    /// <summary>
    /// Cluster membership comes from PostgreSQL (`ConnectionStrings:Postgres`) in cluster mode, so the client finds
    /// every live gateway and fails over between them; without it the client looks for a silo on this machine's
    /// gateway port.
    /// </summary>
    public static IHostApplicationBuilder AddOrleansClient(this IHostApplicationBuilder builder)
    {
        var settings = builder.AddClusterSettings();
        builder.UseOrleansClient(client =>
        {
            if (settings.IsClustered)
            {
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = settings.ClusterId;
                    o.ServiceId = settings.ServiceId;
                });
                client.UseAdoNetClustering(o =>
                {
                    o.Invariant = PostgresInvariant;
                    o.ConnectionString = settings.PostgresConnectionString;
                });
                // A killed silo's gateway leaves the list at the next refresh, and a new one joins it; the default
                // (1 min) is too slow. One small membership query every 2 s per web front.
                client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
            }
            else
            {
                client.UseLocalhostClustering(gatewayPort: settings.GatewayPort);
            }
            client.AddActivityPropagation();
        });
        return builder;
    }

    /// <summary>
    /// Reads and validates <see cref="ClusterSettings"/> once per host and registers them; a second call returns the
    /// same instance. Invalid settings stop the start with every problem listed.
    /// </summary>
    public static ClusterSettings AddClusterSettings(this IHostApplicationBuilder builder)
    {
        if (builder.Properties.TryGetValue(typeof(ClusterSettings), out var known)) return (ClusterSettings)known;
        var settings = ClusterSettings.Load(builder.Configuration);
        builder.Properties[typeof(ClusterSettings)] = settings;
        builder.Services.AddSingleton(Options.Create(settings));
        builder.Services.AddSingleton(settings);
        return settings;
    }
}
