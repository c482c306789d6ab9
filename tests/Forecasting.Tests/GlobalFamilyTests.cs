using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Global;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;
using AirQuality.Forecasting.Training;
using Xunit.Abstractions;

namespace AirQuality.Forecasting.Tests;

public class GlobalFamilyTests(ITestOutputHelper output)
{
    private static readonly ForecastSettings Quick = ForecastSettings.Quick with { RefitOnAllData = false, BlendWithBaselines = false, Ensemble = false };

    /// <summary>A synthetic city: the daily cycle of <see cref="Synthetic.DailyCycle"/> at a level of its own, with an optional drift per hour in log space.</summary>
    private static HourlySeries City(int seed, double level, int days = 30, double drift = 0)
    {
        var pm = Synthetic.DailyCycle(days, seed).Channel("pm25")!;
        return HourlySeries.FromArrays(Synthetic.Start, new Dictionary<string, double[]>
        {
            ["pm25"] = pm.Select((v, i) => Math.Round(v * level / 60 * Math.Exp(drift * i), 1)).ToArray(),
        });
    }

    private static GlobalArtifact Train(IReadOnlyList<HourlySeries> cities, GlobalSettings? settings = null) =>
        GlobalArtifact.Train(ForecastTarget.Pm25, cities, settings ?? GlobalSettings.Quick, Quick.ValidationFraction, new DateTime(2024, 2, 1, 0, 0, 0, DateTimeKind.Utc));

    [Fact]
    public void One_model_over_cities_of_different_levels_matches_a_per_city_model_and_beats_persistence()
    {
        var cities = new[] { City(1, 25), City(2, 60), City(3, 150), City(4, 320) };
        var set = new GlobalModelSet();
        set.Publish(Train(cities));
        var trainer = new ForecastTrainer([new GradientBoostingFamily(), new GlobalFamily(set, GlobalSettings.Quick)], Quick);
        var ratios = new List<double>();
        foreach (var (city, i) in cities.Select((c, i) => (c, i)))
        {
            var outcome = trainer.Train(city, ForecastTarget.Pm25);
            var global = outcome.Of(ModelFamily.Global);
            var perCity = outcome.Of(ModelFamily.GradientBoosting).ValidationAverage.Mae;
            var persistence = outcome.Of(ModelFamily.Persistence).ValidationAverage.Mae;
            output.WriteLine($"city {i}: global {global.ValidationAverage.Mae:0.00}, per-city gradient boosting {perCity:0.00}, persistence {persistence:0.00}; champion {outcome.Champion.Code()}");
            Assert.Null(global.Problem);
            Assert.True(global.ValidationAverage.Mae < 0.6 * persistence, $"city {i}: global {global.ValidationAverage.Mae:0.00}, persistence {persistence:0.00}");
            Assert.True(global.ValidationAverage.Mae <= 1.25 * perCity, $"city {i}: global {global.ValidationAverage.Mae:0.00}, per-city {perCity:0.00}");
            Assert.Contains(outcome.Champion, new[] { ModelFamily.Global, ModelFamily.GradientBoosting });
            ratios.Add(global.ValidationAverage.Mae / perCity);
        }
        // Over the cities, the one shared model is at least as good as a model per city.
        Assert.True(ratios.Average() <= 1.0, $"global / per-city MAE averages {ratios.Average():0.000}");
    }

    [Fact]
    public void A_citys_level_offsets_follow_its_own_residuals()
    {
        var set = new GlobalModelSet();
        set.Publish(Train([City(1, 40), City(2, 80), City(3, 160)]));
        // A city whose level rises 0.4 % an hour: the stationary cities never showed the global model such a drift.
        var drifting = City(5, 60, days: 24, drift: 0.004);
        var y = ForecastTarget.Pm25.Values(drifting);
        var features = new FeatureBuilder(y, drifting, FeatureLayout.Choose(drifting, ForecastTarget.Pm25, 0, drifting.Length));
        var n = drifting.Length;
        var fitEnd = n - 96;
        var model = (CityGlobalModel)new GlobalFamily(set, GlobalSettings.Quick).Fit(features, new TrainingWindow(ForecastTrainer.FirstOrigin, fitEnd, fitEnd), Quick, default);
        output.WriteLine($"offsets 1 h {model.Offsets[0]:0.000}, 24 h {model.Offsets[23]:0.000}, 48 h {model.Offsets[47]:0.000}");
        Assert.True(model.Offsets[47] > 0.05, $"48 h offset {model.Offsets[47]:0.000}");
        Assert.True(model.Offsets[47] > model.Offsets[0], "the offset grows with the horizon, as the drift does");
        var plain = new CityGlobalModel(model.Artifact, model.Serving, model.Profile, new double[FeatureBuilder.MaxHorizon]);
        var points = new TrainingWindow(fitEnd, n, n).Points(features).ToList();
        double Mae(IForecastModel m)
        {
            var d = m.PredictDeltas(features, points);
            return points.Select((p, i) => Math.Abs(features.ToValue(p.Origin, d[i]) - y[p.Origin + p.Horizon])).Average();
        }
        var (calibrated, uncalibrated) = (Mae(model), Mae(plain));
        output.WriteLine($"MAE after the fit window: calibrated {calibrated:0.00}, uncalibrated {uncalibrated:0.00}");
        Assert.True(calibrated < uncalibrated, $"calibrated {calibrated:0.00}, uncalibrated {uncalibrated:0.00}");
    }

    [Fact]
    public void The_same_pool_seed_and_threads_give_the_same_model_and_a_packed_artifact_forecasts_the_same()
    {
        var cities = new[] { City(1, 40), City(2, 90) };
        var a = Train(cities);
        var b = Train(cities);
        var city = cities[0];
        var features = new FeatureBuilder(ForecastTarget.Pm25.Values(city), city, GlobalPool.LayoutFor(ForecastTarget.Pm25));
        var points = new TrainingWindow(city.Length - 100, city.Length - 48, city.Length).Points(features).ToList();
        var profile = CityProfile.Of(features.Target, city.Length);
        var first = a.Serving.PredictDeltas(features, profile, points);
        Assert.Equal(first, b.Serving.PredictDeltas(features, profile, points));
        var unpacked = GlobalArtifact.Unpack(a.Pack());
        Assert.Equal(a.Id, unpacked.Id);
        Assert.Equal(first, unpacked.Serving.PredictDeltas(features, profile, points));
        Assert.Equal(a.Validation.PredictDeltas(features, profile, points), unpacked.Validation.PredictDeltas(features, profile, points));
        Assert.NotEqual(first, a.Validation.PredictDeltas(features, profile, points));
    }

    [Fact]
    public void A_citys_saved_model_refers_to_the_shared_artifact_and_loads_only_where_it_is_held()
    {
        var artifact = Train([City(1, 40), City(2, 90)]);
        var set = new GlobalModelSet();
        set.Publish(artifact);
        var family = new GlobalFamily(set, GlobalSettings.Quick);
        var city = City(3, 70, days: 20);
        var features = new FeatureBuilder(ForecastTarget.Pm25.Values(city), city, FeatureLayout.Choose(city, ForecastTarget.Pm25, 0, city.Length));
        var model = family.Fit(features, new TrainingWindow(ForecastTrainer.FirstOrigin, city.Length, city.Length), Quick, default);
        Assert.True(((CityGlobalModel)model).Serving);
        var packed = ModelArtifact.Of(model, features.Layout, new double[48], new double[48], city.End).Pack();
        // The city's part is small: the shared model is not copied into it.
        Assert.True(packed.Length < 4_000, $"{packed.Length} bytes");
        Assert.True(artifact.Pack().Length > 10 * packed.Length);
        var loaded = ModelArtifact.Unpack(packed).Load([family]);
        var points = new TrainingWindow(city.Length - 60, city.Length - 48, city.Length).Points(features).ToList();
        Assert.Equal(model.PredictDeltas(features, points), loaded.PredictDeltas(features, points));
        Assert.Throws<FamilyUnavailableException>(() => ModelArtifact.Unpack(packed).Load([new GlobalFamily(new GlobalModelSet())]));
    }

    [Fact]
    public void The_validation_model_never_learns_from_a_citys_validation_hours()
    {
        var a = City(1, 50);
        var b = City(2, 120);
        var cut = GlobalPool.ValidationStart(b.Length, Quick.ValidationFraction);
        // The same city with its validation hours (those its own training scores the families on) made ten times higher.
        var pm = b.Channel("pm25")!.Select((v, i) => i >= cut ? v * 10 : v).ToArray();
        var changed = HourlySeries.FromArrays(b.Start, new Dictionary<string, double[]> { ["pm25"] = pm });
        var original = Train([a, b]);
        var altered = Train([a, changed]);
        var features = new FeatureBuilder(ForecastTarget.Pm25.Values(a), a, GlobalPool.LayoutFor(ForecastTarget.Pm25));
        var points = new TrainingWindow(a.Length - 200, a.Length - 48, a.Length).Points(features).ToList();
        var profile = CityProfile.Of(features.Target, a.Length);
        Assert.Equal(original.Validation.PredictDeltas(features, profile, points), altered.Validation.PredictDeltas(features, profile, points));
        // The serving model learns from all of it.
        Assert.NotEqual(original.Serving.PredictDeltas(features, profile, points), altered.Serving.PredictDeltas(features, profile, points));
    }

    [Fact]
    public void Without_a_published_model_the_family_fails_alone_and_the_others_still_train()
    {
        var trainer = new ForecastTrainer([new LinearFamily(), new GlobalFamily(new GlobalModelSet())], Quick);
        var outcome = trainer.Train(City(1, 60, days: 20), ForecastTarget.Pm25);
        Assert.Contains("no global model", outcome.Of(ModelFamily.Global).Problem);
        Assert.True(outcome.Of(ModelFamily.Linear).Trained);
        Assert.Equal(ModelFamily.Linear, outcome.Champion);
    }
}
