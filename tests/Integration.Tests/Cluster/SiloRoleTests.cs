using AirQuality.Silo;
using Microsoft.Extensions.DependencyInjection;

namespace AirQuality.Integration.Tests.Cluster;

/// <summary>A silo-only process (`run --role silo`) runs on ServiceDefaults and the grains: no web-front code at all.</summary>
public sealed class SiloRoleTests
{
    private const string WebFrontAssembly = "AirQuality.WebFront";

    private static readonly string[] Args = ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"];

    [Fact]
    public void The_silo_role_registers_no_web_front_service_and_the_one_process_start_does()
    {
        static List<string> FromWebFront(SiloRole role) =>
            SiloHost.CreateBuilder(Args, role).Services
                .SelectMany(d => new[] { d.ServiceType, d.IsKeyedService ? d.KeyedImplementationType : d.ImplementationType,
                    (d.IsKeyedService ? d.KeyedImplementationInstance : d.ImplementationInstance)?.GetType() })
                .Where(t => t?.Assembly.GetName().Name == WebFrontAssembly)
                // Orleans registers the serializer metadata of every referenced assembly (WebFront's push observer
                // types); that is type metadata, not a web-front service.
                .Where(t => !t!.Namespace!.StartsWith("OrleansCodeGen", StringComparison.Ordinal))
                .Select(t => t!.FullName!)
                .Distinct()
                .ToList();

        Assert.Empty(FromWebFront(SiloRole.Silo));
        // The check would see them: the one-process start registers the web front's hosted push subscriber, for one.
        Assert.Contains("AirQuality.WebFront.Push.CityChangeSubscriber", FromWebFront(SiloRole.All));
    }
}
