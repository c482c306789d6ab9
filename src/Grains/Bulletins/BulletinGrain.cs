using AirQuality.Domain.Cities;
using AirQuality.Domain.Outlook;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Storage;
using Microsoft.Extensions.Logging;

namespace AirQuality.Grains.Bulletins;

/// <summary>Archived state of a day's bulletin.</summary>
[GenerateSerializer]
public sealed class BulletinState
{
    [Id(0)] public DailyBulletin? Bulletin { get; set; }
}

/// <summary>
/// The bulletin of one date: composed from every city's hours (the city grains answer from memory, or from the
/// reading store for older days) and each city's forecast, and archived once final.
/// </summary>
public sealed class BulletinGrain(
    [PersistentState("bulletin", GrainStorage.Name)] IPersistentState<BulletinState> state,
    CityCatalog catalog,
    TimeProvider clock,
    ILogger<BulletinGrain> logger) : Grain, IBulletinGrain
{
    private DateOnly Date => GrainKeys.DateOfBulletin(this.GetPrimaryKeyString());

    public async Task<DailyBulletin?> Get()
    {
        if (state.State.Bulletin is { } archived) return archived;
        var now = clock.GetUtcNow().UtcDateTime;
        if (Date > BulletinDay.IndiaDate(now)) return null;
        if (now < BulletinDay.IssueTime(Date)) return await ComposeAsync(now, final: false);
        return await Issue();
    }

    public async Task<DailyBulletin?> Issue()
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (now < BulletinDay.IssueTime(Date)) return null;
        if (state.State.Bulletin is { } archived) return archived;
        var bulletin = await ComposeAsync(now, final: true);
        state.State.Bulletin = bulletin;
        await state.WriteStateAsync();
        logger.LogInformation("Bulletin of {Date} archived ({Cities} cities)", bulletin.Date, bulletin.Cities.Count);
        return bulletin;
    }

    private async Task<DailyBulletin> ComposeAsync(DateTime now, bool final)
    {
        var end = BulletinDay.Hour(Date);
        var from = end.AddHours(-23);
        // Today's forecasts belong to the bulletin only while they are the ones of its hour.
        var afterTheDay = now - BulletinDay.IssueTime(Date) > BulletinComposer.ForecastOriginTolerance;
        var lines = await Task.WhenAll(catalog.All.Select(async city =>
        {
            var hoursTask = GrainFactory.GetGrain<ICityGrain>(GrainKeys.City(city)).GetHistory(from, end.AddHours(1));
            var forecast = afterTheDay ? null : await GrainFactory.GetGrain<ICityForecastGrain>(GrainKeys.Forecast(city.Id)).GetForecast("aqi", 48);
            return BulletinComposer.Compose(city, Date, await hoursTask, forecast, afterTheDay);
        }));
        return new DailyBulletin(Date.ToString("yyyy-MM-dd"), end, now, final, lines);
    }
}

/// <summary>Issues yesterday's or today's bulletin every day at 16:00 IST.</summary>
public sealed class BulletinScheduleGrain(TimeProvider clock, ILogger<BulletinScheduleGrain> logger) : Grain, IBulletinScheduleGrain, IRemindable
{
    public const string IssueReminder = "issue";

    public async Task Start()
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var next = BulletinDay.IssueTime(BulletinDay.IndiaDate(now)).AddMinutes(1);
        while (next <= now) next = next.AddDays(1);
        if (await this.GetReminder(IssueReminder) is null)
            await this.RegisterOrUpdateReminder(IssueReminder, next - now, TimeSpan.FromDays(1));
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != IssueReminder) return;
        var date = BulletinDay.LatestIssued(clock.GetUtcNow().UtcDateTime);
        var bulletin = await GrainFactory.GetGrain<IBulletinGrain>(GrainKeys.Bulletin(date)).Issue();
        logger.LogInformation("Daily bulletin of {Date}: {Cities} cities", date, bulletin?.Cities.Count ?? 0);
    }
}
