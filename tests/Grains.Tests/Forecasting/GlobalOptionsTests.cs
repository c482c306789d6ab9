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
        Assert.Empty(AirQuality.Forecasting.Models.ForecastSettings.Quick.Problems(""));
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

    [Theory]
    [InlineData("ValidationFraction", 0.0)]
    [InlineData("ValidationFraction", 0.9)]
    [InlineData("EnsembleMargin", -0.1)]
    [InlineData("EnsembleMargin", 1.0)]
    [InlineData("BoostingLearningRate", 0.0)]
    [InlineData("LinearL2", double.NaN)]
    [InlineData("ValidationWindows", 0.0)]
    [InlineData("BandWindowHours", 12.0)]
    [InlineData("TreeBins", 1.0)]
    public void Training_settings_out_of_range_are_refused_by_name(string name, double value)
    {
        var t = new AirQuality.Forecasting.Models.ForecastSettings();
        t = name switch
        {
            "ValidationFraction" => t with { ValidationFraction = value },
            "EnsembleMargin" => t with { EnsembleMargin = value },
            "BoostingLearningRate" => t with { BoostingLearningRate = value },
            "LinearL2" => t with { LinearL2 = value },
            "ValidationWindows" => t with { ValidationWindows = (int)value },
            "BandWindowHours" => t with { BandWindowHours = (int)value },
            "TreeBins" => t with { TreeBins = (int)value },
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
        var errors = Errors(new ForecastOptions { Training = t });
        Assert.Equal($"Forecasting:Training:{name}", Assert.Single(errors)[..$"Forecasting:Training:{name}".Length]);
    }
}
