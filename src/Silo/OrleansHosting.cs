using System.Net;
using System.Net.Sockets;
using AirQuality.Grains.Storage;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Serialization;
using Orleans.Storage;

namespace AirQuality.Silo;

/// <summary>Orleans configuration of the silo.</summary>
public static class OrleansHosting
{
    /// <summary>
    /// Embedded mode (no `ConnectionStrings:Postgres`): localhost clustering, in-memory grain state and reminders.
    /// Nothing survives a restart in this mode; the startup log says so.
    /// Cluster mode: membership, grain state ("aq") and reminders in PostgreSQL, endpoints and names from
    /// <see cref="ClusterSettings"/>, failure detection from <see cref="FailureDetection"/>, activation rebalancing.
    /// </summary>
    public static IHostApplicationBuilder AddAirQualitySilo(this IHostApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var settings = builder.AddClusterSettings();
        // The host gives the silo this long to deactivate its grains and leave the cluster on SIGTERM.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownGracePeriod);
        builder.UseOrleans(silo =>
        {
            if (settings.IsClustered)
            {
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = settings.ClusterId;
                    o.ServiceId = settings.ServiceId;
                });
                silo.Configure<SiloOptions>(o => o.SiloName = settings.EffectiveSiloName);
                if (settings.AdvertisedAddress is { } ip)
                    // On loopback (several silos on one machine) listen there only; in a pod listen on every interface.
                    silo.ConfigureEndpoints(ip, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(ip));
                else
                    silo.ConfigureEndpoints(settings.SiloPort, settings.GatewayPort, AddressFamily.InterNetwork, listenOnAnyHostAddress: true);
                silo.UseAirQualityPostgres(settings.PostgresConnectionString!, config);
            }
            else
            {
                silo.UseLocalhostClustering(siloPort: settings.SiloPort, gatewayPort: settings.GatewayPort);
                // Orleans' binary serializer, as in the PostgreSQL store: the JSON default kept each city's state as
                // about 140 KB of JSON with type names in memory (measured with bench/scale/heap.sh).
                silo.AddMemoryGrainStorage(GrainStorage.Name, options => options.Configure<Serializer>((o, serializer) =>
                    o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer)));
                silo.UseInMemoryReminderService();
            }
            // Not "Orleans:Reminders": Orleans reads Orleans:{Clustering,Reminders,GrainStorage,...} as provider sections.
            silo.Configure<ReminderOptions>(config.GetSection("Orleans:ReminderService"));
            silo.AddActivityPropagation();
            silo.AddDashboard();
        });
        return builder;
    }

    /// <summary>
    /// The PostgreSQL-backed parts of a cluster silo: ADO.NET membership, grain storage <see cref="GrainStorage.Name"/>
    /// and reminders on the schema the `migrate` verb applies, the failure-detection settings and rebalancing.
    /// Test clusters call this too, so they run what production runs.
    /// </summary>
    public static ISiloBuilder UseAirQualityPostgres(this ISiloBuilder silo, string connectionString, IConfiguration config)
    {
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = OrleansClientHosting.PostgresInvariant;
            o.ConnectionString = connectionString;
        });
        silo.AddAdoNetGrainStorage(GrainStorage.Name, options => options.Configure<Serializer>((o, serializer) =>
        {
            o.Invariant = OrleansClientHosting.PostgresInvariant;
            o.ConnectionString = connectionString;
            // Orleans' own serializer, not the JSON default: the state types are [GenerateSerializer] records with
            // stable [Id]s (version tolerant), and JSON would write concrete .NET type names that the type allow-list
            // rejects on read (e.g. the list type behind a collection expression).
            o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
        }));
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = OrleansClientHosting.PostgresInvariant;
            o.ConnectionString = connectionString;
        });
        silo.Configure<ClusterMembershipOptions>(o => FailureDetection.Configure(o, config));
        if (config.GetValue("Orleans:Rebalancer:Enabled", true))
        {
            // Spreads activations again when silos join: without it, grains stay where they were first placed.
#pragma warning disable ORLEANSEXP002
            silo.AddActivationRebalancer();
#pragma warning restore ORLEANSEXP002
            silo.Configure<ActivationRebalancerOptions>(config.GetSection("Orleans:Rebalancer"));
        }
        return silo;
    }
}
