using System.Net;
using System.Net.Sockets;
using AirQuality.Grains.Storage;
using AirQuality.Silo;
using AirQuality.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AirQuality.Integration.Tests.History;

/// <summary>The real silo host (grains, web front, HTTP on a loopback port) with its readings in a fresh PostgreSQL database.</summary>
public sealed class SiloWithPostgres : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";

    public WebApplication App { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public ReadingsDatabase Readings { get; private set; } = null!;

    public IGrainFactory Grains => App.Services.GetRequiredService<IGrainFactory>();

    public async Task InitializeAsync()
    {
        ConnectionString = await TestServices.CreateDatabaseAsync("aq_http");
        await new SchemaMigrator(ConnectionString, NullLogger.Instance).MigrateAsync();
        Readings = new ReadingsDatabase(ConnectionString);
        App = SiloHost.Build([
            "--urls", "http://127.0.0.1:0",
            $"--ConnectionStrings:Postgres={ConnectionString}",
            $"--Orleans:SiloPort={FreePort()}",
            $"--Orleans:GatewayPort={FreePort()}",
            "--Cities:BackfillDays=3",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await App.StartAsync();
        var address = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Http = new HttpClient { BaseAddress = new Uri(address) };
        // Cities start in the background after the host is up: ready once every one answers.
        await SystemReadiness.WaitUntilReadyAsync(Http, TimeSpan.FromSeconds(90));
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        await Readings.DisposeAsync();
        await TestServices.DropDatabaseAsync(ConnectionString);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
