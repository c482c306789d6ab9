using AirQuality.Domain.Readings;
using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Series;

namespace AirQuality.Forecasting.Tests;

public class FeatureBuilderTests
{
    private static FeatureBuilder Build(HourlySeries s) =>
        new(ForecastTarget.Pm25.Values(s), s, FeatureLayout.Choose(s, ForecastTarget.Pm25, 0, s.Length));

    [Fact]
    public void Features_of_an_origin_ignore_every_later_hour_including_the_target_hour()
    {
        var series = Synthetic.DailyCycle(20);
        var values = series.Channel(Pollutant.Pm25)!;
        var origin = 300;
        var changed = (double[])values.Clone();
        for (var i = origin + 1; i < changed.Length; i++) changed[i] = changed[i] * 3 + 100;
        var before = Build(series);
        var after = Build(HourlySeries.FromArrays(series.Start, new Dictionary<string, double[]> { ["pm25"] = changed }));

        Assert.Equal(before.Origin(origin), after.Origin(origin));
        foreach (var h in new[] { 1, 6, 24, 25, 48 })
        {
            var a = new double[before.HorizonNames.Count];
            var b = new double[after.HorizonNames.Count];
            before.Horizon(origin, h, a);
            after.Horizon(origin, h, b);
            Assert.Equal(a, b);
            // The label does use the target hour: the check above would catch a feature that read it too.
            Assert.NotEqual(before.Delta(origin, h), after.Delta(origin, h));
        }
    }

    [Fact]
    public void Origins_built_by_many_threads_at_once_equal_those_built_one_by_one_and_are_kept()
    {
        var series = Synthetic.DailyCycle(30, seed: 3);
        var alone = Build(series);
        var shared = Build(series);
        var expected = Enumerable.Range(-5, series.Length + 10).Select(alone.Origin).ToArray();
        var seen = new double[expected.Length][];
        // Every origin asked by several threads at the same time, in different orders.
        Parallel.For(0, expected.Length * 4, new ParallelOptions { MaxDegreeOfParallelism = 8 }, k =>
        {
            var i = k % 4 == 0 ? k / 4 : expected.Length - 1 - (k % expected.Length);
            var f = shared.Origin(i - 5);
            Assert.Equal(expected[i], f);
            if (i - 5 >= 0 && i - 5 < series.Length) Interlocked.CompareExchange(ref seen[i], f, null);
        });
        for (var t = 0; t < series.Length; t++)
            Assert.Same(seen[t + 5], shared.Origin(t));   // one array per hour of the grid, whoever built it
        // Past the grid's end the level is still known (the last hours): built each time, not kept, the same values.
        var past = shared.Origin(series.Length);
        Assert.Contains(past, v => !double.IsNaN(v));
        Assert.NotSame(past, shared.Origin(series.Length));
        Assert.Equal(past, shared.Origin(series.Length));
        Assert.All(shared.Origin(-1), v => Assert.True(double.IsNaN(v)));   // before it: no level
    }

    [Fact]
    public void Lag_2_is_the_hour_before_the_latest_relative_to_the_latest()
    {
        var f = Build(Synthetic.DailyCycle(10));
        var t = 100;
        var lag2 = f.Origin(t)[f.OriginNames.ToList().IndexOf("lag_2h")];
        Assert.Equal(Math.Log(1 + f.Target[t - 1]) - Math.Log(1 + f.Target[t]), lag2, 12);
    }

    [Fact]
    public void A_missing_hour_gives_a_missing_feature_not_a_zero()
    {
        var series = Synthetic.DailyCycle(10);
        var values = (double[])series.Channel(Pollutant.Pm25)!.Clone();
        values[99] = double.NaN; // lag 2 of origin 100
        var f = Build(HourlySeries.FromArrays(series.Start, new Dictionary<string, double[]> { ["pm25"] = values }));
        Assert.True(double.IsNaN(f.Origin(100)[f.OriginNames.ToList().IndexOf("lag_2h")]));
        Assert.False(double.IsNaN(f.Origin(100)[f.OriginNames.ToList().IndexOf("lag_3h")]));
    }

    [Fact]
    public void An_origin_without_a_recent_value_has_no_level_and_no_forecast()
    {
        var series = Synthetic.DailyCycle(10);
        var values = (double[])series.Channel(Pollutant.Pm25)!.Clone();
        for (var i = 96; i <= 100; i++) values[i] = double.NaN;
        var f = Build(HourlySeries.FromArrays(series.Start, new Dictionary<string, double[]> { ["pm25"] = values }));
        Assert.False(f.TryLevel(100, out _, out _));
        Assert.True(f.TryLevel(98, out _, out var age) is false || age <= FeatureBuilder.MaxLevelAgeHours);
        Assert.True(double.IsNaN(f.Delta(100, 1)));
    }

    [Fact]
    public void Time_of_year_features_need_a_year_of_history()
    {
        var month = Synthetic.DailyCycle(40);
        Assert.False(FeatureLayout.Choose(month, ForecastTarget.Pm25, 0, month.Length).YearCycle);
        Assert.DoesNotContain("target_season", Build(month).HorizonNames);
        Assert.True(FeatureLayout.Choose(Synthetic.DailyCycle(366), ForecastTarget.Pm25, 0, 366 * 24).YearCycle);
    }

    [Fact]
    public void India_aqi_target_of_an_hour_uses_only_that_hour_and_earlier()
    {
        var series = Synthetic.DailyCycle(5);
        var aqi = ForecastTarget.IndiaAqi.Values(series);
        var cut = ForecastTarget.IndiaAqi.Values(series.Slice(0, 60));
        Assert.Equal(cut, aqi[..60]);
        Assert.True(double.IsNaN(aqi[10]));  // fewer than 16 hours of PM2.5: no sub-index yet
        Assert.False(double.IsNaN(aqi[30]));
    }

    [Fact]
    public void India_aqi_of_a_series_is_computed_once_and_each_caller_gets_its_own_copy()
    {
        var series = Synthetic.DailyCycle(5);
        var first = ForecastTarget.IndiaAqi.Values(series);
        var expected = (double[])first.Clone();
        first[30] = -1;
        var second = ForecastTarget.IndiaAqi.Values(series);
        Assert.NotSame(first, second);
        Assert.Equal(expected, second);
        // A series with the same values but built anew gives the same AQI (nothing is shared by value).
        var rebuilt = HourlySeries.FromArrays(series.Start, new Dictionary<string, double[]> { ["pm25"] = (double[])series.Channel("pm25")!.Clone() });
        Assert.Equal(expected, ForecastTarget.IndiaAqi.Values(rebuilt));
        Assert.Equal(expected[..60], ForecastTarget.IndiaAqi.Values(series.Slice(0, 60)));
    }
}
