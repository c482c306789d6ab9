extern alias webfront;

using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using AirQuality.Silo;
using AirQuality.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Hosting;

namespace AirQuality.WebFront.Tests;

/// <summary>
/// The system with a short backfill, an admin token and the given extra settings. By default the one-process system
/// (silo + web front) on loopback ports, exactly as `dotnet run --project src/Silo` starts it: browsers, SignalR over
/// WebSockets, Kestrel's own limits and the client's address need a real socket. With <see cref="InMemory"/>, a silo
/// process (`--role silo`) and the web front's own entry point (`AirQuality.WebFront`'s Program, an Orleans client of
/// that silo) under <see cref="WebApplicationFactory{TEntryPoint}"/>: the API on the in-memory TestServer, the real grains.
/// </summary>
public class EmbeddedApp : IAsyncLifetime
{
    public const string AdminToken = "test-admin-token-0123456789";
    public const string DashboardToken = "test-dashboard-token-abcdef";

    /// <summary>The host that serves the API (the one process, or the in-memory web front).</summary>
    public IHost App { get; private set; } = null!;

    /// <summary>The silo host of an <see cref="InMemory"/> system (null in the one-process system).</summary>
    public WebApplication? Silo { get; private set; }

    /// <summary>The management port (`Management:Port`), where `/metrics` answers (a real socket in both forms).</summary>
    public int ManagementPort { get; } = FreePort();

    private WebApplicationFactory<webfront::Program>? _factory;

    public HttpClient Http { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    protected virtual IEnumerable<string> Settings => [];

    /// <summary>Cities that must have reported before the tests start (0: start at once, cities still starting).</summary>
    protected virtual int ReadyCities => 56;

    /// <summary>The API on the in-memory TestServer (see the class remarks); false: the one process on loopback.</summary>
    protected virtual bool InMemory => false;

    public async Task InitializeAsync()
    {
        string[] args =
        [
            $"--Orleans:SiloPort={FreePort()}",
            $"--Orleans:GatewayPort={FreePort()}",
            "--Cities:BackfillDays=3",
            $"--Auth:AdminTokens:0={AdminToken}",
            $"--Auth:DashboardTokens:0={DashboardToken}",
            "--Logging:LogLevel:Default=Warning",
            .. Settings,
        ];
        if (InMemory)
        {
            // The silo's own HTTP (probes) on loopback; the web front in memory, reaching it through its gateway.
            Silo = SiloHost.Build(["--urls", "http://127.0.0.1:0", .. args], SiloRole.Silo);
            await Silo.StartAsync();
            _factory = new WebFrontFactory([.. args, $"--Management:Port={ManagementPort}"], host => App = host);
            Http = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = true, HandleCookies = true });
            Http.Timeout = TimeSpan.FromSeconds(30);
            BaseAddress = Http.BaseAddress!;
        }
        else
        {
            var app = SiloHost.Build(["--urls", "http://127.0.0.1:0", $"--Management:Port={ManagementPort}", .. args]);
            App = app;
            await app.StartAsync();
            BaseAddress = new Uri(app.Urls.First(u => !u.EndsWith($":{ManagementPort}", StringComparison.Ordinal)));
            Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        }
        // Ready when every city of the catalog answers, as an orchestrator sees it (a catalog without sources never is).
        if (ReadyCities > 0)
            await SystemReadiness.WaitUntilReadyAsync(Http, TimeSpan.FromSeconds(90));
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_factory is not null) await _factory.DisposeAsync();
        else
        {
            await App.StopAsync();
            if (App is IAsyncDisposable d) await d.DisposeAsync(); else App.Dispose();
        }
        if (Silo is not null)
        {
            await Silo.StopAsync();
            await Silo.DisposeAsync();
        }
    }

    /// <summary>The web front's entry point with the fixture's settings (as command-line configuration) on TestServer.</summary>
    private sealed class WebFrontFactory(string[] settings, Action<IHost> built) : WebApplicationFactory<webfront::Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment(Environments.Production);
            foreach (var setting in settings)
            {
                var pair = setting.TrimStart('-').Split('=', 2);
                builder.UseSetting(pair[0], pair[1]);
            }
        }

        protected override IHost CreateHost(IHostBuilder builder)
        {
            var host = base.CreateHost(builder);
            built(host);
            return host;
        }
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
