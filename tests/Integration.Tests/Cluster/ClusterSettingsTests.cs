using System.Net;
using AirQuality.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AirQuality.Integration.Tests.Cluster;

/// <summary>Cluster configuration: read from the names deployments set, and refused with every problem named.</summary>
public sealed class ClusterSettingsTests
{
    private static ClusterSettings Load(params (string Key, string Value)[] values) =>
        ClusterSettings.Load(new ConfigurationBuilder().AddInMemoryCollection(values.ToDictionary(v => v.Key, v => (string?)v.Value)).Build());

    [Fact]
    public void Without_a_connection_string_everything_stays_embedded_on_the_default_ports()
    {
        var s = Load();
        Assert.False(s.IsClustered);
        Assert.Equal((11111, 30000, "aq-cluster", "aq"), (s.SiloPort, s.GatewayPort, s.ClusterId, s.ServiceId));
    }

    [Fact]
    public void Pod_metadata_and_ports_come_from_the_deployment_names()
    {
        var s = Load(("ConnectionStrings:Postgres", "Host=db;Database=aq"), ("ConnectionStrings:Redis", "cache:6379"),
            ("ORLEANS_CLUSTER_ID", "prod"), ("ORLEANS_SERVICE_ID", "airquality"), ("POD_NAME", "silo-7f9"), ("POD_IP", "10.2.3.4"),
            ("Orleans:SiloPort", "12000"), ("Orleans:GatewayPort", "31000"));
        Assert.True(s.IsClustered);
        Assert.Equal("cache:6379", s.RedisConnectionString);
        Assert.Equal(("prod", "airquality", "silo-7f9", IPAddress.Parse("10.2.3.4")), (s.ClusterId, s.ServiceId, s.EffectiveSiloName, s.AdvertisedAddress));
        Assert.Equal((12000, 31000), (s.SiloPort, s.GatewayPort));
    }

    [Fact]
    public void Every_invalid_setting_is_reported_at_once()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Load(
            ("ConnectionStrings:Postgres", "Host=db;Nonsense Key=1"), ("Orleans:SiloPort", "30000"), ("Orleans:GatewayPort", "30000"),
            ("ORLEANS_CLUSTER_ID", "my cluster"), ("Orleans:ShutdownGracePeriod", "soon")));
        Assert.Equal(4, ex.Failures.Count());
        Assert.Contains(ex.Failures, f => f.StartsWith("ConnectionStrings:Postgres is not a PostgreSQL connection string", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("are both 30000", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("ORLEANS_CLUSTER_ID 'my cluster'", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("Orleans:ShutdownGracePeriod 'soon'", StringComparison.Ordinal));
    }
}
