namespace AirQuality.WebFront;

/// <summary>Connects the standalone web front to a cluster.</summary>
public static class OrleansClientHosting
{
    /// <summary>
    /// Cluster membership comes from PostgreSQL (`ConnectionStrings:Postgres`) in cluster mode; without it the client
    /// looks for a silo on this machine's default gateway port.
    /// </summary>
    public static IHostApplicationBuilder AddOrleansClient(this IHostApplicationBuilder builder)
    {
        builder.UseOrleansClient(client =>
        {
            client.UseLocalhostClustering(gatewayPort: builder.Configuration.GetValue("Orleans:GatewayPort", 30000));
        });
        return builder;
    }
}
