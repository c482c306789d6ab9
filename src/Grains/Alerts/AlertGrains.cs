using AirQuality.Domain.Cities;
using AirQuality.Domain.Grap;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Placement;

namespace AirQuality.Grains.Alerts;

/// <summary>One subscription as the index knows it.</summary>
[GenerateSerializer]
public sealed class AlertIndexEntry
{
    /// <summary>City ids; empty for every city.</summary>
    [Id(0)] public List<string> Cities { get; set; } = [];
    [Id(1)] public bool SourceRules { get; set; }
}

[GenerateSerializer]
public sealed class AlertIndexState
{
    [Id(0)] public Dictionary<string, AlertIndexEntry> Subscriptions { get; set; } = [];
}

/// <summary>The list of subscriptions and the cities each covers (persisted: PostgreSQL in cluster mode).</summary>
public sealed class AlertIndexGrain(
    [PersistentState("alertindex", GrainStorage.Name)] IPersistentState<AlertIndexState> state,
    CityCatalog catalog) : Grain, IAlertIndexGrain
{
    public async Task Add(string id, IReadOnlyList<string> cities, bool sourceRules)
    {
        state.State.Subscriptions[id] = new AlertIndexEntry { Cities = [.. cities], SourceRules = sourceRules };
        await state.WriteStateAsync();
    }

    public async Task Remove(string id)
    {
        if (state.State.Subscriptions.Remove(id)) await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> All() => Task.FromResult<IReadOnlyList<string>>(state.State.Subscriptions.Keys.Order(StringComparer.Ordinal).ToList());

    public Task<IReadOnlyList<string>> For(string cityId) =>
        Task.FromResult<IReadOnlyList<string>>(state.State.Subscriptions.Where(kv => kv.Value.Cities.Count == 0 || kv.Value.Cities.Contains(cityId))
            .Select(kv => kv.Key).ToList());

    public Task<IReadOnlyList<string>> Cities()
    {
        var subs = state.State.Subscriptions.Values;
        IReadOnlyList<string> cities = subs.Any(s => s.Cities.Count == 0)
            ? catalog.All.Select(c => c.Id).ToList()
            : subs.SelectMany(s => s.Cities).Distinct().ToList();
        return Task.FromResult(cities);
    }

    public Task<IReadOnlyList<string>> WithSourceRules() =>
        Task.FromResult<IReadOnlyList<string>>(state.State.Subscriptions.Where(kv => kv.Value.SourceRules).Select(kv => kv.Key).ToList());
}

/// <summary>
/// A city's alert evaluation: reads the city's current AQI and its forecasts once per change and hands the snapshot to
/// every subscription covering the city. No state of its own (the rules' state lives in the subscriptions).
/// Placed at random: the notifier, one grain, activates one for every city, and the default placement kept all of
/// them on the notifier's silo.
/// </summary>
[RandomPlacement]
public sealed class CityAlertGrain(CityCatalog catalog, TimeProvider clock, ILogger<CityAlertGrain> logger) : Grain, ICityAlertGrain
{
    private string CityId => GrainKeys.CityIdOfAlerts(this.GetPrimaryKeyString());

    public async Task Changed(DateTime at)
    {
        try
        {
            await Check();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Alert evaluation of {City} failed; the next change or check tries again", CityId);
        }
    }

    public async Task Check()
    {
        var subscriptions = await GrainFactory.GetGrain<IAlertIndexGrain>(GrainKeys.AlertIndex).For(CityId);
        if (subscriptions.Count == 0 || catalog.Resolve(CityId) is not { } city) return;
        var snapshot = await SnapshotAsync(city);
        await Task.WhenAll(subscriptions.Select(id => GrainFactory.GetGrain<IAlertSubscriptionGrain>(GrainKeys.AlertSubscription(id)).Evaluate(snapshot)));
    }

    private async Task<CityAlertSnapshot> SnapshotAsync(City city)
    {
        var current = GrainFactory.GetGrain<ICityGrain>(GrainKeys.City(city)).GetCurrent();
        var forecasts = GrainFactory.GetGrain<ICityForecastGrain>(GrainKeys.Forecast(city.Id));
        var aqi = forecasts.GetForecast("aqi", 48);
        var pm25 = forecasts.GetForecast("pm25", 48);
        var now = await current;
        var grap = GrapSchedule.Cities.Any(g => catalog.Resolve(g.City)?.Id == city.Id);
        return new CityAlertSnapshot(city.Id, city.Name, clock.GetUtcNow().UtcDateTime, now?.Timestamp, now?.India.Headline, now?.Us.Headline,
            now?.Latest.Hour, grap, await aqi, await pm25);
    }
}

/// <summary>The periodic check: cities (stale data), sources (outages), held and pending alerts. A reminder drives it.</summary>
public sealed class AlertScheduleGrain(IOptions<AlertOptions> options, TimeProvider clock, ILogger<AlertScheduleGrain> logger) : Grain, IAlertScheduleGrain, IRemindable
{
    public const string CheckReminder = "alerts-check";

    public async Task Start()
    {
        var period = options.Value.CheckPeriod;
        if (period <= TimeSpan.Zero) return;
        if (await this.GetReminder(CheckReminder) is null)
            await this.RegisterOrUpdateReminder(CheckReminder, period, period);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == CheckReminder) await RunOnce();
    }

    public async Task RunOnce()
    {
        var index = GrainFactory.GetGrain<IAlertIndexGrain>(GrainKeys.AlertIndex);
        var all = await index.All();
        if (all.Count == 0) return;
        var cities = await index.Cities();
        var checks = cities.Select(async c =>
        {
            try
            {
                await GrainFactory.GetGrain<ICityAlertGrain>(GrainKeys.CityAlerts(c)).Check();
            }
            catch (Exception ex)
            {
                logger.LogWarning("Alert check of {City} failed: {Error}", c, ex.Message);
            }
        });
        await Task.WhenAll(checks);
        var withSources = await index.WithSourceRules();
        if (withSources.Count > 0)
        {
            var health = await GrainFactory.GetGrain<ISourceHealthGrain>(GrainKeys.SourceHealth).GetAll();
            var snapshot = new SourceAlertSnapshot(clock.GetUtcNow().UtcDateTime,
                health.Select(h => new SourceAlertStatus(h.Source, h.Enabled, h.Circuit, h.ConsecutiveFailures, h.LastSuccess, h.LastError)).ToList());
            await Task.WhenAll(withSources.Select(id => GrainFactory.GetGrain<IAlertSubscriptionGrain>(GrainKeys.AlertSubscription(id)).EvaluateSources(snapshot)));
        }
        await Task.WhenAll(all.Select(id => GrainFactory.GetGrain<IAlertSubscriptionGrain>(GrainKeys.AlertSubscription(id)).Tick()));
    }
}

/// <summary>Forwards dashboard alerts to subscribed web fronts (no state: they renew themselves).</summary>
[Reentrant]
public sealed class AlertPushGrain(ILogger<AlertPushGrain> logger)
    : Notifications.ObserverGrain<IAlertObserver>(Notifications.NotifierGrain.SubscriptionExpiry, logger), IAlertPushGrain
{

    public Task Publish(Alert alert)
    {
        Observers.Notify(o => o.OnAlert(alert));
        return Task.CompletedTask;
    }
}
