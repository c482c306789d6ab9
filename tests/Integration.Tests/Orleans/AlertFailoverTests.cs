using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using AirQuality.Domain.Aqi;
using AirQuality.Grains;
using AirQuality.Grains.Abstractions;
using Orleans;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace AirQuality.Integration.Tests.Orleans;

/// <summary>
/// A subscription lives in PostgreSQL grain state: when the silo holding it dies, it comes back on the other silo with
/// its rules' levels, and the next crossing is alerted there.
/// </summary>
public sealed class AlertFailoverTests : IAsyncLifetime
{
    private readonly MigratedDatabase _database = new();
    private InProcessTestCluster _cluster = null!;
    private LoopbackServer _receiver = null!;
    private readonly ConcurrentQueue<string> _bodies = new();

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        _receiver = await LoopbackServer.StartAsync(async ctx =>
        {
            using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
            _bodies.Enqueue(await reader.ReadToEndAsync());
            await LoopbackServer.Respond(ctx, 200, "{}");
        });
        var settings = new Dictionary<string, string?>(PostgresClusterFixture.Settings)
        {
            ["Sources:Simulated:Enabled"] = "false",
            ["Forecasting:Targets"] = "",
            ["Alerts:CheckPeriod"] = "00:00:00",
        };
        _cluster = PostgresTestCluster.Build(2, _database.ConnectionString, settings);
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _receiver.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task A_subscription_whose_silo_dies_keeps_its_levels_and_alerts_from_the_other_silo()
    {
        var grains = _cluster.Client;
        var id = "sub_00aa11bb22cc33dd";
        var grain = grains.GetGrain<IAlertSubscriptionGrain>(GrainKeys.AlertSubscription(id));
        await grain.Create(new AlertSubscriptionSpec("failover", ["delhi"], AqiStandard.India, "en",
            [new AlertRule(AlertRuleKind.ObservedCategory, Category: "Poor")], null, new WebhookTarget(_receiver.BaseUrl + "/hook", WebhookFormat.Generic), false, TimeSpan.Zero));
        CityAlertSnapshot At(int aqi) => new("delhi", "Delhi", DateTime.UtcNow, DateTime.UtcNow, aqi, null, DateTime.UtcNow, true, null, null);
        // The first value only sets the level (below Poor): no alert, but the level is in PostgreSQL now.
        await grain.Evaluate(At(180));

        var host = (await grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics())
            .Single(s => s.GrainId.Key.ToString() == GrainKeys.AlertSubscription(id)).SiloAddress;
        await _cluster.KillSiloAsync(_cluster.GetActiveSilos().Single(s => s.SiloAddress.Equals(host)));

        // Calls fail until the survivors declare the silo dead; then the grain activates there from its stored state.
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                await grain.Evaluate(At(240)).WaitAsync(TimeSpan.FromSeconds(5));
                return true;
            }
            catch (Exception ex) when (ex is TimeoutException or OrleansException or SiloUnavailableException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), "the subscription answering on the surviving silo");

        // Only the stored level (below Poor) makes 240 a crossing: a subscription starting afresh would just record it.
        await Eventually.UntilAsync(async () => _bodies.Count >= 1, TimeSpan.FromSeconds(30), "the alert from the surviving silo");
        var alert = JsonDocument.Parse(Assert.Single(_bodies)).RootElement;
        Assert.Equal("crossed_up", alert.GetProperty("event").GetString());
        Assert.Equal(240, alert.GetProperty("aqi").GetInt32());
        var now = (await grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics())
            .Single(s => s.GrainId.Key.ToString() == GrainKeys.AlertSubscription(id)).SiloAddress;
        Assert.NotEqual(host, now);
        Assert.Contains(id, await grains.GetGrain<IAlertIndexGrain>(GrainKeys.AlertIndex).All());
    }
}
