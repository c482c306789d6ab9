using AirQuality.Grains.Forecasting;

namespace AirQuality.Grains.Tests.Forecasting;

public class GlobalOptionsTests
{
    private static IReadOnlyList<string> Errors(ForecastOptions o)
    {
        var r = new ForecastOptionsValidation().Validate(null, o);
        return r.Failed ? r.Failures.ToList() : [];
    }

    [Fact]
    public void The_defaults_train_every_per_city_family_and_the_global_one()
    {
        var o = new ForecastOptions();
        Assert.Empty(Errors(o));
        Assert.True(o.Global.Enabled);
        Assert.Equal(4, o.PerCityFamilyList.Count);
        Assert.True(o.Global.TrainAt < o.DailyRetrainAt, "the global model trains before the cities' daily retraining");
    }

    [Fact]
    public void Unknown_or_empty_family_sets_are_refused_by_name()
    {
        var unknown = Errors(new ForecastOptions { PerCityFamilies = "linear,xgboost" });
        Assert.Contains(unknown, e => e.StartsWith("Forecasting:PerCityFamilies", StringComparison.Ordinal));
        // The ensemble and the global family are not per-city families.
        Assert.NotEmpty(Errors(new ForecastOptions { PerCityFamilies = "global" }));
        Assert.Empty(Errors(new ForecastOptions { PerCityFamilies = "" }));
        var none = Errors(new ForecastOptions { PerCityFamilies = "", Global = new GlobalFamilyOptions { Enabled = false } });
        Assert.Contains(none, e => e.Contains("no family would train", StringComparison.Ordinal));
        Assert.Contains(Errors(new ForecastOptions { Global = new GlobalFamilyOptions { SyncPeriod = TimeSpan.Zero } }), e => e.StartsWith("Forecasting:Global:SyncPeriod", StringComparison.Ordinal));
    }
}
