using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Forecasting;
using AirQuality.Grains.Ingestion;
using AirQuality.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace AirQuality.Grains.Tests.Forecasting;

public class LiveSkillTests
{
    [Fact]
    public async Task Issued_forecasts_are_scored_against_persistence_when_their_hours_arrive_and_the_scores_survive_deactivation()
    {
        var readings = new InMemoryReadingStore();
        var delhi = CityCatalog.Default.Resolve("Delhi")!;
        var start = Hours.Floor(CityTestCluster.Start.UtcDateTime);
        var history = SimulatedSource.Range(delhi, start.AddDays(-14), start).Select(r => MergePolicy.Merge(r.Hour, null, [r])).ToList();
        await readings.SaveHoursAsync(delhi.Id, history);
        await using var cluster = await CityTestCluster.StartAsync(new Dictionary<string, string?>
        {
            ["Forecasting:Targets"] = "pm25",
            ["Forecasting:LstmEnabled"] = "false",
            ["Forecasting:RetrainNewSamples"] = "100000",   // nothing trains: a baseline serves throughout
            ["Forecasting:LiveSkillHorizons"] = "1,3",
        }, services => services.AddSingleton<IReadingStore>(readings));
        var grain = cluster.Grains.GetGrain<ICityForecastGrain>(GrainKeys.Forecast(delhi.Id));
        await using var watcher = await ChangeWatcher.SubscribeAsync(cluster.Grains);

        var actual = new Dictionary<DateTime, double> { [start] = history[^1].Get(Pollutant.Pm25)!.Value };
        var forecasts = new Dictionary<DateTime, CityForecast>();
        var first = (await grain.GetForecast("pm25", 48))!;
        Assert.Equal(start, first.IssuedFor);
        forecasts[first.IssuedFor] = first;
        Assert.Empty((await grain.GetModels()).LiveSkill!);

        async Task PushAsync(int k)
        {
            var hour = start.AddHours(k);
            cluster.Clock.SetUtcNow(new DateTimeOffset(hour.AddMinutes(59).AddSeconds(58), TimeSpan.Zero));
            var value = 40 + 9 * k % 23;
            actual[hour] = value;
            var seen = watcher.Seen.Count;
            await grain.HoursChanged(new CityHoursChanged(delhi.Id, hour, [new CityHour(hour, [new Measurement(Pollutant.Pm25, value, SourceNames.Cpcb)], null)], null));
            await watcher.NextAsync(c => c.CityId == delhi.Id && c.Kind == CityChangeKind.Readings, TimeSpan.FromSeconds(30), seen);
            var f = (await grain.GetForecast("pm25", 48))!;
            Assert.Equal(hour, f.IssuedFor);
            forecasts[hour] = f;
        }

        // Hours 1-8 after the start arrive, except hour 4: forecasts of it are never scored.
        foreach (var k in new[] { 1, 2, 3, 5, 6, 7, 8 }) await PushAsync(k);
        var skill = (await grain.GetModels()).LiveSkill!;
        Assert.Equal([1, 3], skill.Select(s => s.HorizonHours));
        Assert.All(skill, s => Assert.Equal("pm25", s.Target));
        Assert.Equal(6, skill[0].Count);   // origins 0, 1, 2, 5, 6, 7 (origin 3's hour 4 never came)
        Assert.Equal(4, skill[1].Count);   // origins 0, 2, 3, 5 (origin 1's hour 4 never came)
        foreach (var s in skill) AssertScores(s, forecasts, actual);

        await cluster.Cluster.DeactivateAsync(grain);
        await cluster.Cluster.WaitForDeactivationAsync(grain);
        var after = (await grain.GetModels()).LiveSkill!;
        Assert.Equal(skill, after);

        // What was waiting for its hours survived too: hour 9 completes origin 8 at 1 h and origin 6 at 3 h.
        await PushAsync(9);
        var more = (await grain.GetModels()).LiveSkill!;
        Assert.Equal([7, 5], more.Select(s => s.Count));
        foreach (var s in more) AssertScores(s, forecasts, actual);
    }

    [Fact]
    public void The_buffer_keeps_the_last_days_only_and_drops_forecasts_whose_hours_never_come()
    {
        var state = new LiveSkillState();
        int[] horizons = [1, 24, 48];
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var values = Enumerable.Repeat(10.0, 48).ToArray();
        for (var i = 0; i < 24 * 60; i++)
        {
            var now = t0.AddHours(i);
            LiveSkillBook.Issue(state, now, 12, values, horizons);
            LiveSkillBook.Issue(state, now, 99, values, horizons);   // once per origin
            // Every tenth hour is never observed.
            LiveSkillBook.Score(state, h => (h - t0).TotalHours % 10 == 0 ? double.NaN : 11, now, 7, horizons);
            Assert.True(state.Pending.Count <= LiveSkillBook.PendingHours(horizons) + 1);
            Assert.True(state.Buckets.Count <= 7 * horizons.Length);
        }
        var summary = LiveSkillBook.Summary("pm25", state).ToList();
        Assert.Equal(horizons, summary.Select(s => s.HorizonHours));
        foreach (var s in summary)
        {
            Assert.InRange(s.Count, 6 * 24 * 9 / 10, 7 * 24 * 9 / 10 + 1);
            Assert.Equal(1, s.Mae);
            Assert.Equal(1, s.PersistenceMae);
            Assert.Equal(0, s.Skill);
        }
    }

    [Fact]
    public void Scored_hours_leave_their_residuals_for_the_bands_for_two_weeks_only()
    {
        var state = new LiveSkillState();
        int[] horizons = [1, 24];
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var now = t0;
        for (var k = 0; k < 30 * 24; k++)
        {
            now = t0.AddHours(k);
            LiveSkillBook.Issue(state, now, 10, Enumerable.Repeat(k < 20 * 24 ? 10.0 : 20.0, 48).ToList(), horizons);
            LiveSkillBook.Score(state, _ => 11, now, 30, horizons);
        }
        var residuals = LiveSkillBook.Residuals(state, now);
        Assert.Equal([1, 24], residuals.Keys.Order());
        Assert.All(state.Residuals, r => Assert.True(r.Hour > now.AddHours(-AirQuality.Forecasting.Evaluation.LiveBands.WindowHours)));
        Assert.InRange(residuals[1].Count, 14 * 24 - 1, 14 * 24);
        // Forecasts of 20 against 11 since day 20: the 1 h residuals of the last ten days are log(21 / 12), older ones log(12 / 11).
        Assert.Equal(Math.Log(21.0 / 12), residuals[1][^1], 9);
        Assert.Equal(Math.Log(12.0 / 11), residuals[1][0], 9);
    }

    private static void AssertScores(LiveSkill s, Dictionary<DateTime, CityForecast> forecasts, Dictionary<DateTime, double> actual)
    {
        var pairs = forecasts.Values
            .Where(f => actual.ContainsKey(f.IssuedFor.AddHours(s.HorizonHours)))
            .Select(f => (Forecast: f.Hours[s.HorizonHours - 1].Value, Persistence: actual[f.IssuedFor], Actual: actual[f.IssuedFor.AddHours(s.HorizonHours)]))
            .ToList();
        Assert.Equal(pairs.Count, s.Count);
        var mae = pairs.Average(p => Math.Abs(p.Actual - p.Forecast));
        var persistence = pairs.Average(p => Math.Abs(p.Actual - p.Persistence));
        Assert.Equal(mae, s.Mae, 3);
        Assert.Equal(persistence, s.PersistenceMae, 3);
        Assert.Equal(1 - mae / persistence, s.Skill!.Value, 3);
    }
}
