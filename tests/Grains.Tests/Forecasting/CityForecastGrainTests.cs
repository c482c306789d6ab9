using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Forecasting;
using AirQuality.Grains.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace AirQuality.Grains.Tests.Forecasting;

public class CityForecastGrainTests(ForecastClusterFixture fixture) : IClassFixture<ForecastClusterFixture>
{
    [Fact]
    public async Task A_city_serves_a_baseline_at_once_then_its_champion_and_the_registry_survives_deactivation()
    {
        var grain = fixture.Grains.GetGrain<ICityForecastGrain>(GrainKeys.Forecast("delhi"));
        await using var watcher = await ChangeWatcher.SubscribeAsync(fixture.Grains);

        var first = await grain.GetForecast("pm25", 48);
        Assert.NotNull(first);
        Assert.True(first.Baseline);
        Assert.Null(first.Version);
        Assert.Contains(first.Model, new[] { "persistence", "seasonal_naive" });
        Assert.Equal(48, first.Hours.Count);

        Assert.True((await grain.Retrain("test")).Queued);
        Assert.False((await grain.Retrain("test again")).Queued);   // one job per city at a time
        var registry = await TrainedAsync(grain, watcher, "delhi");
        var pm25 = Assert.Single(registry.Targets);
        Assert.Equal(1, registry.Retrains);
        // linear, random forest, gradient boosting and their ensemble; the LSTM is off
        Assert.Equal(["ensemble", "gradient_boosting", "linear", "random_forest"], pm25.Versions.Select(v => v.Model).Order(StringComparer.Ordinal));
        Assert.All(pm25.Versions, v => Assert.True(v.Samples > 0 && v.Metrics.Mae > 0 && v.City == "delhi"));
        Assert.NotNull(pm25.ChampionVersion);
        Assert.Contains(registry.RecentEvents, e => e.Contains("lstm unavailable", StringComparison.Ordinal));

        var served = await grain.GetForecast("pm25", 48);
        Assert.False(served!.Baseline, served.Note);
        Assert.Equal(pm25.ChampionVersion, served.Version);
        Assert.Equal(pm25.Champion, served.Model);

        await fixture.Cluster.DeactivateAsync(grain);
        await fixture.Cluster.WaitForDeactivationAsync(grain);

        var after = await grain.GetModels();
        var again = Assert.Single(after.Targets);
        Assert.Equal(pm25.ChampionVersion, again.ChampionVersion);
        Assert.Equal(pm25.Versions.Select(v => v.Version), again.Versions.Select(v => v.Version));
        var reloaded = await grain.GetForecast("pm25", 12);
        Assert.Equal(served.Version, reloaded!.Version);
        Assert.Equal(12, reloaded.Hours.Count);
        Assert.All(reloaded.Hours, h => Assert.True(h.Lower90 <= h.Lower80 && h.Lower80 <= h.Value && h.Value <= h.Upper80 && h.Upper80 <= h.Upper90));
        Assert.Equal(served.Hours[0].Value, reloaded.Hours[0].Value);
    }

    [Fact]
    public async Task A_refresh_that_finishes_after_a_promotion_does_not_overwrite_the_new_champions_forecast()
    {
        await fixture.AddHistoryAsync("Agra");
        var grain = fixture.Grains.GetGrain<ICityForecastGrain>(GrainKeys.Forecast("agra"));
        await using var watcher = await ChangeWatcher.SubscribeAsync(fixture.Grains);
        Assert.True((await grain.Retrain("seed")).Queued);
        var trained = Assert.Single((await TrainedAsync(grain, watcher, "agra")).Targets);
        var champion = trained.ChampionVersion ?? throw new InvalidOperationException($"no family beat persistence: {trained.ChampionReason}");
        Assert.Equal(champion, (await grain.GetForecast("pm25", 48))!.Version);

        // A refresh for a new hour starts with the champion and waits on its model (forgotten, so it loads again)...
        fixture.Silo.GetRequiredService<ServingModels>().Forget("agra", "pm25", champion);
        var (entered, release) = fixture.Artifacts.Hold("agra", champion);
        var seen = watcher.Seen.Count;
        var agra = Domain.Cities.CityCatalog.Default.Resolve("Agra")!;
        var next = Hours.Floor(DateTime.UtcNow).AddHours(1);
        var hour = MergePolicy.Merge(next, null, [SimulatedSource.Reading(agra, next)]);
        await grain.HoursChanged(new CityHoursChanged("agra", DateTime.UtcNow, [hour], null));
        await entered.WaitAsync(TimeSpan.FromSeconds(30));

        // ...while a training demotes it (persistence beats it on the same window), and only then does the old refresh finish.
        var demotion = grain.CompleteTraining(new TrainingReport("agra", "race", DateTime.UtcNow, DateTime.UtcNow, 480,
            [new TargetTrainingReport("pm25", [], new ModelMetrics(0, 1, 1, null), "persistence", "persistence beats every family", champion, 1000)], null));
        // The demotion is in (the registry answers while refreshes wait: asked until it shows), and its own refresh waits for the older one.
        var asked = System.Diagnostics.Stopwatch.StartNew();
        while (Assert.Single((await grain.GetModels()).Targets).ChampionVersion is not null)
            Assert.True(asked.Elapsed < TimeSpan.FromSeconds(30), "the demotion did not arrive");
        Assert.False(demotion.IsCompleted);
        release();
        await demotion.WaitAsync(TimeSpan.FromSeconds(30));
        await watcher.NextAsync(c => c.CityId == "agra" && c.Kind == CityChangeKind.Readings, TimeSpan.FromSeconds(30), seen);

        var registry = Assert.Single((await grain.GetModels()).Targets);
        Assert.Null(registry.ChampionVersion);
        var served = (await grain.GetForecast("pm25", 48))!;
        Assert.True(served.Baseline, served.Note);
        Assert.Null(served.Version);
        Assert.Equal(next, served.IssuedFor);
    }

    /// <summary>The registry once the city's next training is done (its forecast grain publishes a model change).</summary>
    private static async Task<ModelRegistryView> TrainedAsync(ICityForecastGrain grain, ChangeWatcher watcher, string cityId)
    {
        await watcher.NextAsync(c => c.CityId == cityId && c.Kind == CityChangeKind.Model, TimeSpan.FromSeconds(120));
        return await grain.GetModels();
    }
}
