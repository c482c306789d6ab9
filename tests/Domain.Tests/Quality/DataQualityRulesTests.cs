using AirQuality.Domain.Quality;
using AirQuality.Domain.Readings;

namespace AirQuality.Domain.Tests.Quality;

/// <summary>The flag rules at their edges, and the thresholds as the data file gives them.</summary>
public sealed class DataQualityRulesTests
{
    private static readonly DateTime H0 = new(2025, 11, 5, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DataQualityRules Rules = DataQualityRules.Default;

    private static IEnumerable<(DateTime, double)> Hours(params double[] values) => values.Select((v, i) => (H0.AddHours(i), v));

    [Fact]
    public void The_thresholds_come_from_the_data_file()
    {
        Assert.Equal(3, Rules.StaleHours("cpcb"));
        Assert.Equal(3, Rules.StaleHours("openweather"));
        Assert.Equal(12, Rules.StaleHours("iqair"));      // its own row wins over '*'
        Assert.Equal(6, Rules.StuckHours);
        Assert.Equal(6, Rules.DuplicateSeriesHours);
        Assert.Equal(3, Rules.DuplicateStationPollutants);
        Assert.Equal(TimeSpan.FromHours(24), Rules.FlagHold);
        Assert.Equal(2000, Rules.Maximum(Pollutant.Pm25));
        Assert.Equal(100, Rules.Maximum(Pollutant.Co));
        Assert.All(Pollutants.All, p => Assert.Equal(0, Rules.Minimum(p)));
        Assert.All(Pollutants.All, p => Assert.Equal(Rules.Maximum(p), p.PlausibleMaximum())); // validation reads the same bounds
    }

    [Fact]
    public void A_row_without_its_source_or_given_twice_is_refused()
    {
        Dictionary<string, string> Row(string rule, string to, string value, string source) =>
            new() { ["rule"] = rule, ["applies_to"] = to, ["value"] = value, ["unit"] = "h", ["source"] = source };
        var unsourced = Assert.Throws<InvalidOperationException>(() => DataQualityRules.FromRows([Row("stale_hours", "*", "3", " ")]));
        Assert.Contains("names no source", unsourced.Message);
        var twice = Assert.Throws<InvalidOperationException>(() => DataQualityRules.FromRows([Row("stale_hours", "*", "3", "a"), Row("stale_hours", "*", "4", "b")]));
        Assert.Contains("given twice", twice.Message);
        var missing = Assert.Throws<InvalidOperationException>(() => DataQualityRules.FromRows([Row("stale_hours", "*", "3", "a")]));
        Assert.Contains("stuck_hours", missing.Message);
    }

    [Fact]
    public void Five_equal_hours_are_not_stuck_six_are()
    {
        Assert.Empty(SeriesChecks.StuckRuns(Hours(40, 40, 40, 40, 40), 6));
        var run = Assert.Single(SeriesChecks.StuckRuns(Hours(39, 40, 40, 40, 40, 40, 40, 41), 6));
        Assert.Equal(H0.AddHours(1), run.First);
        Assert.Equal(H0.AddHours(6), run.Last);
        Assert.Equal(6, run.Hours);
        Assert.Equal(40, run.Value);
    }

    [Fact]
    public void A_missing_hour_or_a_changed_value_ends_a_run()
    {
        var gap = Hours(40, 40, 40).Concat(Hours(40, 40, 40).Select(x => (x.Item1.AddHours(4), x.Item2)));
        Assert.Empty(SeriesChecks.StuckRuns(gap, 6));                        // 3 h, a missing hour, 3 h
        Assert.Empty(SeriesChecks.StuckRuns(Hours(40, 40, 40, 40.01, 40, 40), 6));
        Assert.Single(SeriesChecks.StuckRuns(Hours(40, 40, 40, 40, 40, 40).Reverse(), 6)); // order does not matter
    }

    [Fact]
    public void Two_series_are_one_when_every_hour_of_the_span_is_equal_and_present()
    {
        var a = Hours(1, 2, 3, 4, 5, 6).ToDictionary(x => x.Item1, x => x.Item2);
        var end = H0.AddHours(5);
        Assert.True(SeriesChecks.Identical(a, new Dictionary<DateTime, double>(a), end, 6));
        Assert.False(SeriesChecks.Identical(a, new Dictionary<DateTime, double>(a), end, 7));   // the 7th hour is missing
        var b = new Dictionary<DateTime, double>(a) { [H0.AddHours(2)] = 3.5 };
        Assert.False(SeriesChecks.Identical(a, b, end, 6));
        Assert.True(SeriesChecks.Identical(a, b, end, 3));                                    // the last 3 hours agree
    }

    [Fact]
    public void A_source_is_stale_from_exactly_N_hours_after_its_newest_hour_ended()
    {
        var last = H0;                       // the hour 00:00-01:00; its value is new until 01:00
        Assert.False(SeriesChecks.IsStale(last, H0, H0.AddHours(4).AddSeconds(-1), 3));
        Assert.True(SeriesChecks.IsStale(last, H0, H0.AddHours(4), 3));
        Assert.False(SeriesChecks.IsStale(null, H0, H0.AddHours(3).AddSeconds(-1), 3)); // never gave anything: counted from the first poll
        Assert.True(SeriesChecks.IsStale(null, H0, H0.AddHours(3), 3));
    }

    [Fact]
    public void Rejection_reasons_map_to_their_flags()
    {
        Assert.Equal(QualityFlags.Negative, QualityFlags.OfRejection("negative"));
        Assert.Equal(QualityFlags.OutOfRange, QualityFlags.OfRejection("out_of_range"));
        Assert.Equal(QualityFlags.OutOfRange, QualityFlags.OfRejection("sub_index_above_500"));
        Assert.Equal(QualityFlags.DuplicateStation, QualityFlags.OfRejection("duplicate_station"));
        Assert.Null(QualityFlags.OfRejection("bad_timestamp"));
    }
}
