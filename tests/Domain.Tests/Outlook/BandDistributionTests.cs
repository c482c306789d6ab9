using AirQuality.Domain.Aqi;
using AirQuality.Domain.Grap;
using AirQuality.Domain.Outlook;
using MathNet.Numerics.Distributions;

namespace AirQuality.Domain.Tests.Outlook;

public sealed class BandDistributionTests
{
    // Bands built the way the forecast builds them: symmetric in log(1 + x) around the point forecast.
    private static ForecastPoint Point(double value, double sigma, int horizon = 24)
    {
        double Edge(double z) => Math.Exp(Math.Log(1 + value) + z * sigma) - 1;
        return new ForecastPoint(new DateTime(2025, 11, 6, 9, 0, 0, DateTimeKind.Utc), horizon, value,
            Edge(-1.2815515655446004), Edge(1.2815515655446004), Edge(-1.6448536269514722), Edge(1.6448536269514722));
    }

    [Fact]
    public void Bands_of_a_lognormal_error_give_back_its_sigma()
    {
        var d = Point(280, 0.25).Distribution();
        Assert.Equal(280, d.Median, 9);
        Assert.Equal(0.25, d.Sigma, 9);
    }

    [Fact]
    public void The_probability_of_reaching_Stage_II_is_the_normal_tail_in_log_space()
    {
        // Computed by hand: P(AQI rounds to 301 or more) = 1 - Φ((ln(1 + 300.5) - ln(1 + 280)) / 0.25).
        var expected = 1 - Normal.CDF(0, 1, (Math.Log(301.5) - Math.Log(281)) / 0.25);
        var d = Point(280, 0.25).Distribution();
        Assert.Equal(expected, d.ProbabilityAtLeast(301), 12);
        Assert.InRange(expected, 0.38, 0.40);
    }

    [Fact]
    public void Category_probabilities_sum_to_one_and_peak_at_the_point_forecasts_category()
    {
        var d = Point(150, 0.3).Distribution();
        var p = CategoryRanges.Probabilities(AqiStandard.India, d);
        Assert.Equal(1, p.Sum(x => x.Probability), 9);
        Assert.Equal("Moderately Polluted", p.MaxBy(x => x.Probability).Category.Category);
        var stages = GrapSchedule.Stages.Select(s => d.ProbabilityOfRange(s.AqiLo, s.AqiHi)).ToList();
        Assert.Equal(1, stages.Sum(), 9);
    }

    [Fact]
    public void A_band_of_no_width_is_certain()
    {
        var d = BandDistribution.Fit(320, 320, 320, 320, 320);
        Assert.Equal(1, d.ProbabilityOfRange(301, 400));
        Assert.Equal(0, d.ProbabilityAtLeast(401));
    }

    [Fact]
    public void The_outlook_expects_a_stage_change_on_the_first_day_forecast_in_another_stage()
    {
        var now = new DateTime(2025, 11, 5, 3, 0, 0, DateTimeKind.Utc); // 08:30 IST
        var today = Point(280, 0.05, 6) with { Time = BulletinDay.Hour(new DateOnly(2025, 11, 5)) };
        var tomorrow = Point(380, 0.05, 30) with { Time = BulletinDay.Hour(new DateOnly(2025, 11, 6)) };
        var outlook = GrapOutlook.For(GrapSchedule.Cities[0], now, (270, now.AddHours(-1)), new Dictionary<DateTime, int>(), [today, tomorrow]);
        Assert.Equal(1, outlook.CurrentStage!.Number);
        Assert.Equal(["forecast", "forecast", "unavailable"], outlook.Days.Select(d => d.Basis));
        Assert.Equal(1, outlook.Days[0].Stage!.Number);
        Assert.Equal(2, outlook.Days[1].Stage!.Number);
        Assert.Equal(new GrapChange("2025-11-06", 1, 2, outlook.Days[1].Probability!.Value), outlook.ExpectedChange);
        var expected = Normal.CDF(0, 1, (Math.Log(401.5) - Math.Log(381)) / 0.05) - Normal.CDF(0, 1, (Math.Log(301.5) - Math.Log(381)) / 0.05);
        Assert.Equal(Math.Round(expected, 4), outlook.Days[1].Probability);
    }
}
