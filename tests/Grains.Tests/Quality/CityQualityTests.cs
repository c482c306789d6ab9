using AirQuality.Domain.Cities;
using AirQuality.Domain.Quality;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Cities;
using AirQuality.Grains.Ingestion;
using AirQuality.Grains.Quality;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AirQuality.Grains.Tests.Quality;

/// <summary>A city's flags from what its polls bring (pure: no cluster), and what the AQI leaves out.</summary>
public sealed class CityQualityTests
{
    private static readonly City Delhi = CityCatalog.Default.ById("delhi")!;
    private static readonly DateTime H0 = new(2025, 11, 5, 0, 0, 0, DateTimeKind.Utc);

    private static SourceReading Reading(string source, DateTime hour, params (Pollutant P, double V)[] values) =>
        new("delhi", hour, source, values.ToDictionary(x => x.P, x => x.V), null);

    /// <summary>A poll of the given readings through the real validation, as the poll cycle makes it.</summary>
    private static PollResult Poll(DateTime now, params SourceReading[] readings)
    {
        var accepted = new List<SourceReading>();
        var rejected = new List<Rejection>();
        foreach (var r in readings)
        {
            var (ok, why) = ReadingValidator.Validate(r, now);
            if (ok is not null) accepted.Add(ok);
            rejected.AddRange(why);
        }
        var outcomes = readings.Select(r => r.Source).Distinct().Select(s => new SourceOutcome(s, null, 1, 0)).ToList();
        return new PollResult(accepted, outcomes, []) { Rejected = rejected };
    }

    private static CityQualityTracker Tracker(QualityState? state = null) => new(Delhi, state ?? new QualityState(), DataQualityRules.Default);

    [Fact]
    public void A_value_at_the_maximum_passes_above_it_is_out_of_range_and_below_zero_negative_both_excluded()
    {
        var tracker = Tracker();
        var now = H0.AddMinutes(5);
        tracker.Record(Poll(now, Reading(SourceNames.OpenWeather, H0, (Pollutant.Pm25, 2000), (Pollutant.Pm10, 3000.01), (Pollutant.No2, -0.1), (Pollutant.O3, 0))), now, polled: true);

        var q = tracker.Assess(now);

        Assert.Equal([(QualityFlags.Negative, "no2"), (QualityFlags.OutOfRange, "pm10")],
            q.Flags.Select(f => (f.Flag, f.Pollutant!)).ToList());
        Assert.All(q.Flags, f => Assert.True(f.ExcludedFromAqi));
        Assert.All(q.Flags, f => Assert.Equal(SourceNames.OpenWeather, f.Source));
        Assert.Equal(new Dictionary<string, int> { ["openweather:no2:negative"] = 1, ["openweather:pm10:out_of_range"] = 1 }, q.Excluded);
    }

    [Fact]
    public void A_rejection_flag_stays_for_the_hold_and_then_clears()
    {
        var state = new QualityState();
        var tracker = Tracker(state);
        tracker.Record(Poll(H0, Reading(SourceNames.OpenWeather, H0, (Pollutant.No2, -3), (Pollutant.Pm25, 40))), H0, polled: true);
        var hold = DataQualityRules.Default.FlagHold;

        var during = H0 + hold - TimeSpan.FromMinutes(1);
        tracker.Record(Poll(during, Reading(SourceNames.OpenWeather, Hours.Floor(during), (Pollutant.Pm25, 41))), during, polled: true);
        Assert.Contains(tracker.Assess(during).Flags, f => f.Flag == QualityFlags.Negative);

        var after = H0 + hold;
        tracker.Record(Poll(after, Reading(SourceNames.OpenWeather, after, (Pollutant.Pm25, 42))), after, polled: true);
        Assert.DoesNotContain(tracker.Assess(after).Flags, f => f.Flag == QualityFlags.Negative);
        Assert.Empty(state.Events);
    }

    [Fact]
    public void The_same_value_five_hours_running_is_no_flag_the_sixth_makes_it_stuck()
    {
        var tracker = Tracker();
        CityQuality q = null!;
        for (var i = 0; i < 6; i++)
        {
            var now = H0.AddHours(i).AddMinutes(5);
            tracker.Record(Poll(now, Reading(SourceNames.Cpcb, H0.AddHours(i), (Pollutant.Pm25, 92.3), (Pollutant.Pm10, 150 + i))), now, polled: true);
            q = tracker.Assess(now);
            if (i == 4) Assert.DoesNotContain(q.Flags, f => f.Flag == QualityFlags.Stuck);
        }
        var stuck = Assert.Single(q.Flags, f => f.Flag == QualityFlags.Stuck);
        Assert.Equal((SourceNames.Cpcb, "pm25", 6, H0, H0.AddHours(5)), (stuck.Source, stuck.Pollutant, stuck.Values, stuck.Since, stuck.LastSeen));
        Assert.True(stuck.ExcludedFromAqi);
    }

    [Fact]
    public void A_polled_source_with_nothing_new_for_three_hours_is_stale_a_pushed_one_never()
    {
        var tracker = Tracker();
        var first = H0.AddMinutes(5);
        tracker.Record(Poll(first, Reading(SourceNames.OpenWeather, H0, (Pollutant.Pm25, 40))), first, polled: true);
        var pushed = new PollResult([Reading(SourceNames.ImportOpenAq, H0, (Pollutant.Pm25, 41))], [new SourceOutcome(SourceNames.ImportOpenAq, null, 1, 0)], []);
        tracker.Record(pushed, first, polled: false);
        // Later polls: OpenWeather answers but with nothing new (the same hour again is dropped as a repeat before this).
        var empty = new PollResult([], [new SourceOutcome(SourceNames.OpenWeather, null, 0, 0)], []);

        var before = H0.AddHours(4).AddSeconds(-1);
        tracker.Record(empty, before, polled: true);
        Assert.DoesNotContain(tracker.Assess(before).Flags, f => f.Flag == QualityFlags.Stale);

        var at = H0.AddHours(4);
        tracker.Record(empty, at, polled: true);
        var stale = Assert.Single(tracker.Assess(at).Flags, f => f.Flag == QualityFlags.Stale);
        Assert.Equal((SourceNames.OpenWeather, (string?)null, H0.AddHours(1), 3, false), (stale.Source, stale.Pollutant, stale.Since, stale.Values, stale.ExcludedFromAqi));
    }

    [Fact]
    public void Two_sources_with_one_identical_series_for_six_hours_flag_the_lower_ranked_one()
    {
        var tracker = Tracker();
        CityQuality q = null!;
        for (var i = 0; i < 6; i++)
        {
            var now = H0.AddHours(i).AddMinutes(5);
            tracker.Record(Poll(now,
                Reading(SourceNames.Cpcb, H0.AddHours(i), (Pollutant.Pm25, 80 + i), (Pollutant.No2, 30 + i)),
                Reading(SourceNames.OpenWeather, H0.AddHours(i), (Pollutant.Pm25, 80 + i), (Pollutant.No2, 31 + i))), now, polled: true);
            q = tracker.Assess(now);
            if (i == 4) Assert.DoesNotContain(q.Flags, f => f.Flag == QualityFlags.DuplicateStation);
        }
        var dup = Assert.Single(q.Flags, f => f.Flag == QualityFlags.DuplicateStation);
        Assert.Equal((SourceNames.OpenWeather, "pm25", 6), (dup.Source, dup.Pollutant, dup.Values));
        Assert.Contains("cpcb", dup.Detail);
        Assert.False(dup.ExcludedFromAqi);
    }

    [Fact]
    public void Stuck_values_are_left_out_of_the_current_aqi_and_below_16_valid_hours_pm25_has_no_sub_index()
    {
        // 24 hours of CPCB PM2.5, PM10 and NO2; PM2.5 stuck at 95 for the last 10 hours, so 14 valid hours remain (< 16).
        var hours = Enumerable.Range(0, 24).Select(i => new CityHour(H0.AddHours(i),
        [
            new Measurement(Pollutant.Pm25, i >= 14 ? 95 : 60 + i, SourceNames.Cpcb),
            new Measurement(Pollutant.Pm10, 120 + i, SourceNames.Cpcb),
            new Measurement(Pollutant.No2, 40 + i % 5, SourceNames.Cpcb),
        ], null)).ToList();
        var window = new CityWindow(hours, 72);

        var current = window.Current(Delhi)!;

        Assert.DoesNotContain(current.India.SubIndices, s => s.Pollutant == Pollutant.Pm25);
        Assert.Contains(current.India.SubIndices, s => s.Pollutant == Pollutant.Pm10);
        Assert.Equal(new Dictionary<string, int> { ["cpcb:pm25:stuck"] = 10 }, current.Quality!.Excluded);
        Assert.Equal(95, current.Latest.Get(Pollutant.Pm25));           // the value is still shown, with its flag

        // Without the stuck run, all 24 hours count and PM2.5 leads.
        var varied = new CityWindow(hours.Select((h, i) => h with { Values = [h.Values[0] with { Value = 60 + i }, .. h.Values.Skip(1)] }).ToList(), 72).Current(Delhi)!;
        Assert.Equal(24, varied.India.SubIndices.Single(s => s.Pollutant == Pollutant.Pm25).ValidHours);
        Assert.Empty(varied.Quality!.Excluded);
    }

    [Fact]
    public void A_station_twice_in_the_feed_and_a_station_copying_another_are_averaged_once_and_counted()
    {
        var feed = new CpcbFeed(Options.Create(new CpcbOptions { Values = CpcbValueKind.Concentration }), CityCatalog.Default,
            new SourceMonitor(TimeProvider.System), TimeProvider.System, NullLogger<CpcbFeed>.Instance);
        CpcbRecord R(string station, string pollutant, string avg) => new("India", "Delhi", "Delhi", station, "15-11-2024 10:00:00", pollutant, avg, null, null);
        var records = new[]
        {
            R("Alipur", "PM2.5", "100"), R("Alipur", "PM10", "200"), R("Alipur", "NO2", "40"),
            R("Alipur", "PM2.5", "100"),                                                     // the same record again
            R("Copy", "PM2.5", "100"), R("Copy", "PM10", "200"), R("Copy", "NO2", "40"),      // another name, the same three values
            R("Anand Vihar", "PM2.5", "160"), R("Anand Vihar", "PM10", "300"), R("Anand Vihar", "NO2", "40"),
            R("Two values", "PM2.5", "160"), R("Two values", "PM10", "300"),                  // agrees on only 2: kept
        };

        var fetch = feed.Aggregate(records, DateTime.UtcNow).ByCity["delhi"];

        var r = Assert.Single(fetch.Readings);
        Assert.Equal((100 + 160 + 160) / 3.0, r.Values[Pollutant.Pm25], 3);  // Alipur, Anand Vihar, Two values
        Assert.Equal(40, r.Values[Pollutant.No2], 3);
        var duplicates = fetch.Rejections.Where(x => x.Reason == QualityFlags.DuplicateStation).ToList();
        Assert.Equal(4, duplicates.Count);                                  // 1 repeated record + 3 values of the copy
        Assert.Single(duplicates, x => x.Detail.Contains("appears twice", StringComparison.Ordinal));
        Assert.Equal(3, duplicates.Count(x => x.Detail.StartsWith("Copy reports the same 3 values as Alipur", StringComparison.Ordinal)));
    }
}

/// <summary>The built-in simulator raises no flags of its own: embedded mode shows no false stuck values.</summary>
public sealed class SimulatedQualityTests
{
    [Fact]
    public async Task Thirty_days_of_simulated_hours_hold_no_stuck_run_in_any_city()
    {
        var to = new DateTime(2025, 11, 5, 0, 0, 0, DateTimeKind.Utc);
        var source = new SimulatedSource();
        var runs = new List<string>();
        foreach (var city in CityCatalog.Default.All)
        {
            var fetch = await source.FetchHistoryAsync(city, to.AddDays(-30), to, CancellationToken.None);
            foreach (var p in Pollutants.All)
                foreach (var run in SeriesChecks.StuckRuns(fetch.Readings.Where(r => r.Values.ContainsKey(p)).Select(r => (r.Hour, r.Values[p])), DataQualityRules.Default.StuckHours))
                    runs.Add($"{city.Id} {p.Code()} {run.Value} {run.First:O} ({run.Hours} h)");
        }
        Assert.True(runs.Count == 0, $"{runs.Count} stuck runs: " + string.Join("; ", runs.Take(10)));
    }
}
