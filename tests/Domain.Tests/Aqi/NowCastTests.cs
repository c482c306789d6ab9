using AirQuality.Domain.Aqi;

namespace AirQuality.Domain.Tests.Aqi;

/// <summary>The EPA NowCast on hand-computed series.</summary>
public class NowCastTests
{
    [Fact]
    public void A_steady_series_gives_its_own_value() =>
        Assert.Equal(35.0, NowCast.Compute(Enumerable.Repeat<double?>(35, 12).ToList())!.Value, 9);

    [Fact]
    public void A_fast_rise_floors_the_weight_at_one_half()
    {
        // min/max = 10/30 < 0.5 -> w = 0.5: (30 + 0.5 * 20 + 0.25 * 10) / 1.75
        Assert.Equal(42.5 / 1.75, NowCast.Compute([10, 20, 30])!.Value, 9);
    }

    [Fact]
    public void A_slow_change_weighs_hours_by_min_over_max()
    {
        // w = 40/50 = 0.8: (50 + 0.8 * 40) / 1.8
        Assert.Equal(82 / 1.8, NowCast.Compute([40, 50])!.Value, 9);
    }

    [Fact]
    public void A_missing_older_hour_keeps_the_weights_of_the_others()
    {
        // hour 1 back missing: (30 + 0.25 * 10) / (1 + 0.25)
        Assert.Equal(26.0, NowCast.Compute([10, null, 30])!.Value, 9);
    }

    [Theory]
    [InlineData(new double[] { 10, 20, 30 }, true)]
    [InlineData(new double[] { 10, double.NaN, 30 }, true)]
    [InlineData(new double[] { double.NaN, 20, 30 }, true)]
    [InlineData(new double[] { 10, 20, double.NaN }, true)]
    [InlineData(new double[] { 10, double.NaN, double.NaN }, false)]
    [InlineData(new double[] { double.NaN, double.NaN, 30 }, false)]
    public void Two_of_the_three_latest_hours_must_be_valid(double[] latest, bool hasNowCast)
    {
        var series = Enumerable.Repeat<double?>(25, 9).Concat(latest.Select(v => double.IsNaN(v) ? (double?)null : v)).ToList();
        Assert.Equal(hasNowCast, NowCast.Compute(series).HasValue);
    }

    [Fact]
    public void Only_the_last_12_hours_count()
    {
        var twelve = Enumerable.Range(1, 12).Select(i => (double?)(i * 5)).ToList();
        var thirteen = new List<double?> { 10_000 }.Concat(twelve).ToList();
        Assert.Equal(NowCast.Compute(twelve)!.Value, NowCast.Compute(thirteen)!.Value, 9);
    }

    [Fact]
    public void A_slightly_negative_hour_is_averaged_as_reported_and_the_result_floored_at_zero()
    {
        // AirNow keeps the instrument's noise around zero: (-2 * 1 + 0 * 0.5 + 1 * 0.25 + 3 * 0.125) / 1.875 < 0 -> 0
        Assert.Equal(0, NowCast.Compute([3, 1, 0, -2])!.Value);
        // (1 + 0.5 * -1 + 0.25 * 4) / 1.75 = 0.857
        Assert.Equal(1.5 / 1.75, NowCast.Compute([4, -1, 1])!.Value, 9);
    }

    [Fact]
    public void An_all_zero_series_is_zero() => Assert.Equal(0, NowCast.Compute([0, 0, 0])!.Value);

    [Fact]
    public void A_single_hour_has_no_NowCast() => Assert.Null(NowCast.Compute([30]));

    [Fact]
    public void An_empty_series_has_no_NowCast() => Assert.Null(NowCast.Compute([]));
}
