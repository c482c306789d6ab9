using Orleans.Core.Internal;

namespace AirQuality.Grains.Tests.Forecasting;

public class CityForecastGrainTests(ForecastClusterFixture fixture) : IClassFixture<ForecastClusterFixture>
{
    [Fact]
    public async Task A_city_serves_a_baseline_at_once_then_its_champion_and_the_registry_survives_deactivation()
    {
        var grain = fixture.Cluster.GrainFactory.GetGrain<ICityForecastGrain>(GrainKeys.Forecast("delhi"));

        var first = await grain.GetForecast("pm25", 48);
        Assert.NotNull(first);
        Assert.True(first.Baseline);
        Assert.Null(first.Version);
        Assert.Contains(first.Model, new[] { "persistence", "seasonal_naive" });
        Assert.Equal(48, first.Hours.Count);

        Assert.True((await grain.Retrain("test")).Queued);
        Assert.False((await grain.Retrain("test again")).Queued);   // one job per city at a time
        var registry = await WaitForTraining(grain);
        var pm25 = Assert.Single(registry.Targets);
        Assert.Equal(1, registry.Retrains);
        Assert.Equal(3, pm25.Versions.Count);                      // linear, random forest, gradient boosting; the LSTM is off
        Assert.All(pm25.Versions, v => Assert.True(v.Samples > 0 && v.Metrics.Mae > 0 && v.City == "delhi"));
        Assert.NotNull(pm25.ChampionVersion);
        Assert.Contains(registry.RecentEvents, e => e.Contains("lstm unavailable", StringComparison.Ordinal));

        var served = await grain.GetForecast("pm25", 48);
        Assert.False(served!.Baseline, served.Note);
        Assert.Equal(pm25.ChampionVersion, served.Version);
        Assert.Equal(pm25.Champion, served.Model);

        await grain.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await Task.Delay(500);

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

    private static async Task<ModelRegistryView> WaitForTraining(ICityForecastGrain grain)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            var view = await grain.GetModels();
            if (view.Retrains > 0) return view;
            await Task.Delay(250);
        }
        throw new TimeoutException("training did not finish in 120 s");
    }
}
