using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using AirQuality.Silo;
using AirQuality.TestSupport;
using Microsoft.AspNetCore.Builder;

namespace AirQuality.WebFront.Tests;

/// <summary>
/// The one-process system (silo + web front) on loopback ports, exactly as `dotnet run --project src/Silo` starts it,
/// with a short backfill, an admin token and the given extra settings.
/// </summary>
public class EmbeddedApp : IAsyncLifetime
{
    public const string AdminToken = "test-admin-token-0123456789";
    public const string DashboardToken = "test-dashboard-token-abcdef";

    public WebApplication App { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    protected virtual IEnumerable<string> Settings => [];

    /// <summary>Cities that must have reported before the tests start (0: start at once, cities still starting).</summary>
    protected virtual int ReadyCities => 56;

    public async Task InitializeAsync()
    {
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            $"--Orleans:SiloPort={FreePort()}",
            $"--Orleans:GatewayPort={FreePort()}",
            "--Cities:BackfillDays=3",
            $"--Auth:AdminTokens:0={AdminToken}",
            $"--Auth:DashboardTokens:0={DashboardToken}",
            "--Logging:LogLevel:Default=Warning",
            .. Settings,
        ];
        App = SiloHost.Build(args);
        await App.StartAsync();
        BaseAddress = new Uri(App.Urls.First());
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        // Ready when every city of the catalog answers, as an orchestrator sees it (a catalog without sources never is).
        if (ReadyCities > 0)
            await SystemReadiness.WaitUntilReadyAsync(Http, TimeSpan.FromSeconds(90));
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

/// <summary>The system with the real Redis of the test services as its shared cache.</summary>
public sealed class EmbeddedAppWithRedis : EmbeddedApp
{
    protected override IEnumerable<string> Settings => [$"--ConnectionStrings:Redis={TestServices.Redis}", "--RateLimiting:Enabled=false"];
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<EmbeddedAppWithRedis>
{
    public const string Name = "api";
}
