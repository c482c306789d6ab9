using AirQuality.Domain.Aqi;
using AirQuality.Domain.Readings;

namespace AirQuality.Domain.Tests.Aqi;

/// <summary>India NAQI minimum-data rules applied to hourly series (<see cref="IndiaAqi.FromHourly"/>).</summary>
public class IndiaAqiHourlyTests
{
    // A series of `hours` hours of `value` with all but `valid` of them missing (even hours first, then odd ones).
    private static IReadOnlyList<double?> Day(double value, int valid = 24, int hours = 24)
    {
        var series = Enumerable.Repeat<double?>(value, hours).ToArray();
        var order = Enumerable.Range(0, hours).OrderBy(i => i % 2).ThenBy(i => i);
        foreach (var i in order.Take(hours - valid)) series[i] = null;
        return series;
    }

    private static AqiResult Hourly(params (Pollutant P, IReadOnlyList<double?> Series)[] series) =>
        IndiaAqi.FromHourly(series.ToDictionary(s => s.P, s => s.Series));

    [Fact]
    public void A_24_hour_pollutant_with_15_valid_hours_gives_no_sub_index_and_says_why()
    {
        var r = Hourly((Pollutant.Pm25, Day(45, valid: 15)));
        Assert.Empty(r.SubIndices);
        Assert.Contains(r.Notes, n => n.Contains("pm25") && n.Contains("15 valid hours") && n.Contains("16 needed"));
        Assert.Null(r.MaxSubIndex);
    }

    [Fact]
    public void A_24_hour_pollutant_with_16_valid_hours_gives_a_sub_index()
    {
        var r = Hourly((Pollutant.Pm25, Day(45, valid: 16)));
        var s = Assert.Single(r.SubIndices);
        Assert.Equal((Pollutant.Pm25, 75, 16), (s.Pollutant, s.Value, s.ValidHours));
        Assert.DoesNotContain(r.Notes, n => n.Contains("valid hours"));
    }

    [Fact]
    public void Only_the_last_24_hours_count_towards_a_24_hour_average()
    {
        var series = Enumerable.Repeat<double?>(900, 12).Concat(Enumerable.Repeat<double?>(45, 24)).ToList();
        var s = Assert.Single(Hourly((Pollutant.Pm25, series)).SubIndices);
        Assert.Equal((45.0, 75, 24), (s.Concentration, s.Value, s.ValidHours));
    }

    [Fact]
    public void Fewer_than_three_sub_indices_leave_the_AQI_incomplete_but_keep_the_highest_sub_index()
    {
        var r = Hourly((Pollutant.Pm25, Day(45)), (Pollutant.No2, Day(200)));
        Assert.False(r.Complete);
        Assert.Null(r.Aqi);
        // NO2 200 ug/m3: 201 + (200 - 181) * 99 / 99 = 220
        Assert.Equal(220, r.MaxSubIndex);
        Assert.Equal(220, r.Headline);
        Assert.Equal(Pollutant.No2, r.Dominant);
        Assert.Contains(r.Notes, n => n.Contains("at least 3"));
    }

    [Fact]
    public void Three_sub_indices_without_PM25_or_PM10_leave_the_AQI_incomplete()
    {
        var r = Hourly((Pollutant.No2, Day(60)), (Pollutant.So2, Day(60)), (Pollutant.Co, Day(1.5, hours: 8)));
        Assert.Equal(3, r.SubIndices.Count);
        Assert.False(r.Complete);
        Assert.Null(r.Aqi);
        Assert.NotNull(r.MaxSubIndex);
        Assert.Contains(r.Notes, n => n.Contains("PM2.5 or PM10"));
    }

    [Fact]
    public void Three_sub_indices_with_a_particle_give_the_AQI_as_the_highest_of_them()
    {
        var r = Hourly((Pollutant.Pm25, Day(45)), (Pollutant.Pm10, Day(120)), (Pollutant.No2, Day(50)));
        Assert.True(r.Complete);
        // PM2.5 45 -> 75; PM10 120 -> 101 + 19 * 99 / 149 = 113.6 -> 114; NO2 50 -> 51 + 9 * 49 / 39 = 62.3 -> 62
        Assert.Equal([75, 114, 62], r.SubIndices.Select(s => s.Value));
        Assert.Equal(114, r.Aqi);
        Assert.Equal(Pollutant.Pm10, r.Dominant);
        Assert.Equal("Moderately Polluted", r.Category);
        Assert.Empty(r.Notes);
    }

    [Fact]
    public void A_missing_PM25_does_not_block_the_AQI_when_PM10_is_there()
    {
        var r = Hourly((Pollutant.Pm25, Day(45, valid: 10)), (Pollutant.Pm10, Day(120)), (Pollutant.No2, Day(50)), (Pollutant.So2, Day(20)));
        Assert.True(r.Complete);
        Assert.Equal(114, r.Aqi);
        Assert.Contains(r.Notes, n => n.Contains("pm25: 10 valid hours"));
    }

    [Fact]
    public void Co_8_hour_average_uses_only_the_last_8_hours()
    {
        var series = Enumerable.Repeat<double?>(30, 16).Concat(Enumerable.Repeat<double?>(1.0, 8)).ToList();
        var s = Assert.Single(Hourly((Pollutant.Co, series)).SubIndices);
        Assert.Equal((1.0, 50, 8, "8h"), (s.Concentration, s.Value, s.ValidHours, s.Averaging));
    }

    [Fact]
    public void O3_8_hour_average_uses_only_the_last_8_hours()
    {
        var series = Enumerable.Repeat<double?>(500, 16).Concat(Enumerable.Repeat<double?>(100, 8)).ToList();
        var s = Assert.Single(Hourly((Pollutant.O3, series)).SubIndices);
        Assert.Equal((100.0, 100, 8, "8h"), (s.Concentration, s.Value, s.ValidHours, s.Averaging));
    }

    [Fact]
    public void An_8_hour_pollutant_needs_6_valid_hours_of_its_8()
    {
        var five = new double?[] { 1, 1, 1, null, 1, null, null, 1 };
        var six = new double?[] { 1, 1, 1, null, 1, 1, null, 1 };
        Assert.Empty(Hourly((Pollutant.Co, five)).SubIndices);
        Assert.Contains(Hourly((Pollutant.Co, five)).Notes, n => n.Contains("co: 5 valid hours of the last 8"));
        Assert.Equal(6, Assert.Single(Hourly((Pollutant.Co, six)).SubIndices).ValidHours);
    }

    [Fact]
    public void O3_8_hour_average_above_208_reads_the_highest_hour_in_the_1_hour_table()
    {
        var series = new double?[] { 50, 50, 200, 200, 220, 220, 220, 220, 300 };
        // last 8: 50, 200, 200, 220, 220, 220, 220, 300 -> mean 203.75 (8-h table); shift one hour later:
        var later = series.Skip(1).Append(260).ToArray();
        // last 8: 200, 200, 220, 220, 220, 220, 300, 260 -> mean 230 > 208 -> 1-h table with the highest hour 300
        var below = Assert.Single(Hourly((Pollutant.O3, series)).SubIndices);
        Assert.Equal("8h", below.Averaging);
        var r = Hourly((Pollutant.O3, later));
        var above = Assert.Single(r.SubIndices);
        // 301 + (300 - 209) * 99 / 539 = 317.7 -> 318
        Assert.Equal((318, "1h", 300.0), (above.Value, above.Averaging, above.Concentration));
        Assert.Contains(r.Notes, n => n.Contains("1-hour table"));
    }

    [Fact]
    public void Negative_and_non_finite_hours_count_as_missing()
    {
        var series = Day(45, valid: 16).Select((v, i) => i == 23 ? double.NaN : i == 22 ? -5 : v).ToList();
        Assert.Empty(Hourly((Pollutant.Pm25, series)).SubIndices);
    }

    [Fact]
    public void The_calculator_answer_for_PM25_45_alone_is_sub_index_75_and_incomplete()
    {
        var r = AqiCalculator.Calculate(AqiStandard.India, new Dictionary<Pollutant, double> { [Pollutant.Pm25] = 45 }, DateTime.UtcNow);
        Assert.Equal(AqiStandard.India, r.Standard);
        Assert.Equal(75, Assert.Single(r.SubIndices).Value);
        Assert.False(r.Complete);
        Assert.Null(r.Aqi);
        Assert.Equal(75, r.MaxSubIndex);
        Assert.Equal(IndiaAqi.Table, r.Table);
    }

    [Fact]
    public void The_calculator_gives_a_complete_India_AQI_from_three_averages()
    {
        var r = AqiCalculator.Calculate(AqiStandard.India,
            new Dictionary<Pollutant, double> { [Pollutant.Pm25] = 250.5, [Pollutant.No2] = 30, [Pollutant.Co] = 0.5 }, DateTime.UtcNow);
        Assert.True(r.Complete);
        Assert.Equal((401, "Severe", Pollutant.Pm25), (r.Aqi!.Value, r.Category, r.Dominant));
    }
}
