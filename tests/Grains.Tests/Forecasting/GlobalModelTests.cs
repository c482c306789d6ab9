using AirQuality.Domain.Cities;
using AirQuality.Forecasting.Global;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;
using AirQuality.Forecasting.Training;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Forecasting;
using AirQuality.Grains.Ingestion;
using AirQuality.Grains.Storage;
using AirQuality.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace AirQuality.Grains.Tests.Forecasting;

/// <summary>A one-silo cluster whose global family trains at once (no cold-start wait), on 20 days of three simulated cities, with quick settings.</summary>
public sealed class GlobalClusterFixture : IAsyncLifetime
{
    public InMemoryReadingStore Readings { get; } = new();

    public InMemoryModelArtifactStore Artifacts { get; } = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public IServiceProvider Silo => Cluster.Silos[0].ServiceProvider;

    public async Task InitializeAsync()
    {
        var to = Domain.Readings.Hours.Floor(DateTime.UtcNow);
        foreach (var name in new[] { "Delhi", "Agra", "Mumbai" })
        {
            var city = CityCatalog.Default.Resolve(name)!;
            await Readings.SaveHoursAsync(city.Id, SimulatedSource.Range(city, to.AddDays(-20), to).Select(r => MergePolicy.Merge(r.Hour, null, [r])).ToList());
        }
        Cluster = ForecastTestCluster.Build(Readings, Artifacts, new Dictionary<string, string?>
        {
            // The cheap set for large catalogs (and a quicker test): two per-city families beside the global one.
            ["Forecasting:PerCityFamilies"] = "linear,gradient_boosting",
            ["Forecasting:Global:FirstAfter"] = "00:00:00",
            ["Forecasting:Global:SyncPeriod"] = "00:00:01",
            ["Forecasting:Global:Training:MaxRows"] = "60000",   // shared by the 56 catalog cities: about 1,000 rows each of the three with history
            ["Forecasting:Global:Training:Rounds"] = "40",
            ["Forecasting:Global:Training:Leaves"] = "15",
        });
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

public class GlobalModelTests(GlobalClusterFixture fixture) : IClassFixture<GlobalClusterFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task The_silo_trains_one_shared_global_model_and_each_city_offers_it_to_its_champion_rule()
    {
        var set = fixture.Silo.GetRequiredService<GlobalModelSet>();
        var global = fixture.Grains.GetGrain<IGlobalModelGrain>("pm25");
        // The first global model trains by itself (no cold-start wait here) and the silo holds it.
        IReadOnlyList<GlobalModelView> kept = [];
        await Eventually.UntilAsync(async () =>
        {
            kept = await global.GetKept();
            return kept.Count > 0 && set.Current(ForecastTarget.Pm25)?.Id == kept[0].Id ? null : $"{kept.Count} kept, silo holds {set.Current(ForecastTarget.Pm25)?.Id ?? "none"}";
        }, Patience, "the first global model");
        var first = Assert.Single(kept);
        Assert.Equal(3, first.Cities);
        Assert.True(first.Rows > 1_000, $"{first.Rows} rows");
        // Persisted in the artifact store under its slot: a silo that starts later loads the same training.
        var stored = await fixture.Artifacts.LoadAsync(GlobalModelKeys.StoreCity, "pm25", first.Slot);
        Assert.NotNull(stored);
        Assert.Equal(first.Id, GlobalArtifact.Unpack(stored).Id);

        var shared = set.Current(ForecastTarget.Pm25)!;
        var grains = new Dictionary<string, CityGlobalModel>();
        foreach (var city in new[] { "delhi", "agra" })
        {
            var grain = fixture.Grains.GetGrain<ICityForecastGrain>(GrainKeys.Forecast(city));
            // The cold start may already have trained the city (before the global model existed): ask again.
            await Eventually.UntilAsync(async () => (await grain.Retrain("with the global family")).Queued ? null : "a training of the city is still queued", Patience, "a retraining");
            await Eventually.UntilAsync(async () =>
            {
                var registry = Assert.Single((await grain.GetModels()).Targets);
                return registry.Versions.Any(v => v.Model == "global") ? null : "no global version yet";
            }, Patience, $"{city}'s training with the global family");
            var pm25 = Assert.Single((await grain.GetModels()).Targets);
            var version = pm25.Versions.Last(v => v.Model == "global");
            Assert.Null(version.Problem);
            Assert.True(version.Metrics.Mae > 0 && version.Samples > 0);
            // The champion rule chose among the per-city families and the global one on the same hours.
            Assert.NotNull(pm25.ChampionVersion);
            Assert.Contains(pm25.Versions, v => v.Model == "gradient_boosting");
            Assert.DoesNotContain(pm25.Versions, v => v.Model == "random_forest");
            // The city's stored model is its own part only; the shared model is not copied into it.
            var own = await fixture.Artifacts.LoadAsync(city, "pm25", version.Version);
            // A copy would make it at least as large as the shared one; its own part (offsets, bands, blend and shrink weights) is a few KB.
            Assert.True(own!.Length * 2 < stored.Length, $"city part {own.Length} bytes, shared {stored.Length} bytes");
            var loaded = await fixture.Silo.GetRequiredService<ServingModels>().GetAsync(city, "pm25", version.Version);
            var model = loaded!.Value.Model is BlendedModel b ? b.Inner : loaded.Value.Model;
            grains[city] = Assert.IsType<CityGlobalModel>(model);
        }
        // One immutable artifact in the silo, shared by every city's model.
        Assert.Same(shared, grains["delhi"].Artifact);
        Assert.Same(shared, grains["agra"].Artifact);
        Assert.NotEqual(grains["delhi"].Profile, grains["agra"].Profile);
        Assert.Single(set.All, a => a.Target == ForecastTarget.Pm25);

        // The next (daily) training goes to another slot; the older one stays held for the cities that still refer to it.
        Assert.True(await global.Train("test"));
        await Eventually.UntilAsync(async () =>
        {
            kept = await global.GetKept();
            return kept.Count == 2 && set.Current(ForecastTarget.Pm25)?.Id == kept[0].Id ? null : $"{kept.Count} kept";
        }, Patience, "the second global model");
        Assert.NotEqual(first.Slot, kept[0].Slot);
        Assert.Same(shared, set.Find(first.Id));
        var d = grains["delhi"];
        Assert.Same(shared, CityGlobalModel.Load(d.Save(), set).Artifact);

        // A silo that does not hold the training yet cannot load the city's model, and does not remember the failure:
        // once its set has the training (the sync loads it from the store), the same version loads.
        var behind = new GlobalModelSet();
        var serving = new ServingModels(fixture.Artifacts, new ForecastTrainer([new GlobalFamily(behind)], new ForecastSettings()));
        var delhiGlobal = Assert.Single((await fixture.Grains.GetGrain<ICityForecastGrain>(GrainKeys.Forecast("delhi")).GetModels()).Targets).Versions.Last(v => v.Model == "global");
        await Assert.ThrowsAsync<FamilyUnavailableException>(() => serving.GetAsync("delhi", "pm25", delhiGlobal.Version));
        behind.Publish(shared);
        Assert.NotNull(await serving.GetAsync("delhi", "pm25", delhiGlobal.Version));
    }
}
