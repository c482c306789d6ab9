using System.Reflection;
using AirQuality.Grains.Hosting;
using AirQuality.ServiceDefaults;
using AirQuality.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace AirQuality.Integration.Tests.Orleans;

/// <summary>
/// In-process silos that find each other through PostgreSQL and keep grain state and reminders there, wired by the
/// production <see cref="OrleansHosting.UseAirQualityPostgres"/>, with a client on the same membership table.
/// </summary>
public static class PostgresTestCluster
{
    /// <summary>
    /// Builds (not deploys) <paramref name="silos"/> silos on <paramref name="connectionString"/> with
    /// <paramref name="settings"/>; <paramref name="services"/> adds to each silo's services before the grains' own,
    /// <paramref name="silo"/> to its Orleans setup.
    /// </summary>
    public static InProcessTestCluster Build(short silos, string connectionString, IReadOnlyDictionary<string, string?> settings,
        Action<IHostApplicationBuilder>? services = null, Action<ISiloBuilder>? silo = null)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        // The test cluster swaps in its in-memory membership table unless told not to, and 10.4.2 keeps that switch
        // internal; the point here is PostgreSQL membership, so turn it off.
        typeof(InProcessTestClusterOptions).GetProperty("UseTestClusterMembership", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)!
            .SetValue(builder.Options, false);
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Configuration.AddInMemoryCollection(settings);
            services?.Invoke(host);
            host.Services.AddAirQualityGrains(host.Configuration);
            host.UseOrleans(s =>
            {
                s.UseAirQualityPostgres(connectionString, host.Configuration);
                silo?.Invoke(s);
            });
        });
        builder.ConfigureClient(client =>
        {
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = OrleansClientHosting.PostgresInvariant;
                o.ConnectionString = connectionString;
            });
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
        });
        return builder.Build();
    }
}
