using AirQuality.Grains.Storage;
using Orleans.Configuration;

namespace AirQuality.Silo;

/// <summary>Orleans configuration of the silo.</summary>
public static class OrleansHosting
{
    /// <summary>
    /// Embedded mode (no `ConnectionStrings:Postgres`): localhost clustering, in-memory grain state and reminders.
    /// Nothing survives a restart in this mode; the startup log says so.
    /// </summary>
    public static IHostApplicationBuilder AddAirQualitySilo(this IHostApplicationBuilder builder)
    {
        var config = builder.Configuration;
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(
                siloPort: config.GetValue("Orleans:SiloPort", EndpointOptions.DEFAULT_SILO_PORT),
                gatewayPort: config.GetValue("Orleans:GatewayPort", EndpointOptions.DEFAULT_GATEWAY_PORT));
            silo.AddMemoryGrainStorage(GrainStorage.Name);
            silo.UseInMemoryReminderService();
        });
        return builder;
    }
}
