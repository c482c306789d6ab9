using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Cities;
using AirQuality.Grains.Ingestion;

namespace AirQuality.Grains.Tests.Cities;

/// <summary>The window's rules, without a cluster.</summary>
public sealed class CityWindowTests
{
    private static readonly DateTime T0 = new(2025, 11, 5, 0, 0, 0, DateTimeKind.Utc);
    private static readonly City Delhi = CityCatalog.Default.Resolve("Delhi")!;

    private static SourceReading Reading(int hour, string source, double pm25, double? no2 = null)
    {
        var values = new Dictionary<Pollutant, double> { [Pollutant.Pm25] = pm25 };
        if (no2 is { } n) values[Pollutant.No2] = n;
        return new SourceReading("delhi", T0.AddHours(hour), source, values, null);
    }

    private static CityHour Hour(int hour, double pm25, string source = SourceNames.Simulated) =>
        new(T0.AddHours(hour), [new Measurement(Pollutant.Pm25, pm25, source)], null);

    [Fact]
    public void Readings_merge_by_source_priority_into_their_hours_in_order_and_the_window_keeps_its_capacity()
    {
        var window = new CityWindow([], 3);

        var changed = window.Merge([Reading(2, SourceNames.Simulated, 50, 20), Reading(0, SourceNames.Simulated, 40), Reading(1, SourceNames.Simulated, 45)]);
        Assert.Equal([0, 1, 2], changed.Select(h => (int)(h.Hour - T0).TotalHours));
        Assert.Equal([0, 1, 2], window.Hours.Select(h => (int)(h.Hour - T0).TotalHours));

        // A ground station beats the simulator for PM2.5; the simulator's NO2 of that hour stays.
        window.Merge([Reading(2, SourceNames.Cpcb, 61)]);
        var h2 = window.Find(T0.AddHours(2))!;
        Assert.Equal((61, SourceNames.Cpcb), (h2.Get(Pollutant.Pm25)!.Value, h2.Values.Single(m => m.Pollutant == Pollutant.Pm25).Source));
        Assert.Equal(20, h2.Get(Pollutant.No2));

        // A lower-priority source never replaces a better one.
        window.Merge([Reading(2, SourceNames.Simulated, 99)]);
        Assert.Equal(61, window.Find(T0.AddHours(2))!.Get(Pollutant.Pm25));

        // A new hour pushes the oldest out.
        window.Merge([Reading(3, SourceNames.Simulated, 30)]);
        Assert.Equal([1, 2, 3], window.Hours.Select(h => (int)(h.Hour - T0).TotalHours));
        Assert.Equal(3, window.Latest!.Hour.Hour);
    }

    [Fact]
    public void An_hour_older_than_a_full_window_is_merged_with_what_the_store_holds_and_not_placed()
    {
        var window = new CityWindow([Hour(10, 40), Hour(11, 41), Hour(12, 42)], 3);

        Assert.Equal([T0.AddHours(2)], window.HoursToLookUp([Reading(2, SourceNames.Cpcb, 70), Reading(11, SourceNames.Cpcb, 71)]));
        var stored = new Dictionary<DateTime, CityHour> { [T0.AddHours(2)] = new(T0.AddHours(2), [new Measurement(Pollutant.No2, 15, SourceNames.OpenWeather)], null) };
        var changed = window.Merge([Reading(2, SourceNames.Cpcb, 70)], stored);

        var merged = Assert.Single(changed);
        Assert.Equal((70.0, 15.0), (merged.Get(Pollutant.Pm25)!.Value, merged.Get(Pollutant.No2)!.Value));
        Assert.Equal([10, 11, 12], window.Hours.Select(h => (int)(h.Hour - T0).TotalHours));
    }

    [Fact]
    public void A_backfill_of_many_days_places_only_the_last_hours_and_fills_gaps_of_a_short_window()
    {
        var window = new CityWindow([Hour(100, 40)], 24);

        var changed = window.Merge(Enumerable.Range(0, 100).Select(h => Reading(h, SourceNames.OpenWeather, h)));

        Assert.Equal(100, changed.Count);
        Assert.Equal(24, window.Count);
        Assert.Equal(T0.AddHours(77), window.Hours[0].Hour);
        Assert.Equal(40, window.Latest!.Get(Pollutant.Pm25));
        Assert.Equal(window.Hours.OrderBy(h => h.Hour), window.Hours);
    }

    [Fact]
    public void The_current_air_is_the_latest_hour_with_both_standards_and_says_when_it_is_simulated()
    {
        var window = new CityWindow([], 72);
        Assert.Null(window.Current(Delhi));

        window.Merge(Enumerable.Range(0, 24).Select(h => SimulatedSource.Reading(Delhi, T0.AddHours(h))));
        var current = window.Current(Delhi)!;

        Assert.Equal((T0.AddHours(23), "Delhi", 24), (current.Timestamp, current.City, current.WindowHours));
        Assert.True(current.Simulated);
        Assert.True(current.India.Complete);
        Assert.Equal(CityHourSeries.AqiAt(window.Hours, T0.AddHours(23), Domain.Aqi.AqiStandard.India).Aqi, current.India.Aqi);
        Assert.NotNull(current.Us.Aqi);
        Assert.Equal(window.Recent(1).Single(), current.Latest);
        Assert.Equal(24, window.Recent(1000).Count);
    }
}
