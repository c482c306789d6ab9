using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Ingestion;

namespace AirQuality.Grains.Tests.Ingestion;

public sealed class MergeAndValidationTests
{
    private static readonly DateTime Hour = new(2024, 11, 15, 4, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Now = Hour.AddMinutes(10);

    private static SourceReading Reading(string source, Weather? weather = null, int? aqi = null, params (Pollutant P, double V)[] values) =>
        new("delhi", Hour, source, values.ToDictionary(x => x.P, x => x.V), weather, aqi);

    [Fact]
    public void Ground_stations_win_each_pollutant_they_have_and_every_value_keeps_its_source()
    {
        var cpcb = Reading(SourceNames.Cpcb, null, null, (Pollutant.Pm25, 270), (Pollutant.Co, 1.5));
        var owm = Reading(SourceNames.OpenWeather, null, null, (Pollutant.Pm25, 364), (Pollutant.So2, 38), (Pollutant.Co, 2.6));
        var iqair = Reading(SourceNames.IqAir, new Weather(18, 77, 1.5, 1016, SourceNames.IqAir), 412);

        var hour = MergePolicy.Merge(Hour, null, [owm, iqair, cpcb]);

        Assert.Equal(new Measurement(Pollutant.Pm25, 270, SourceNames.Cpcb), hour.Values.Single(m => m.Pollutant == Pollutant.Pm25));
        Assert.Equal(new Measurement(Pollutant.Co, 1.5, SourceNames.Cpcb), hour.Values.Single(m => m.Pollutant == Pollutant.Co));
        Assert.Equal(new Measurement(Pollutant.So2, 38, SourceNames.OpenWeather), hour.Values.Single(m => m.Pollutant == Pollutant.So2));
        Assert.Equal(SourceNames.IqAir, hour.Weather!.Source);
    }

    [Fact]
    public void A_later_model_value_does_not_replace_a_ground_value_but_a_later_ground_value_does()
    {
        var first = MergePolicy.Merge(Hour, null, [Reading(SourceNames.Cpcb, null, null, (Pollutant.Pm25, 270))]);

        var afterModel = MergePolicy.Merge(Hour, first, [Reading(SourceNames.OpenWeather, null, null, (Pollutant.Pm25, 364))]);
        var corrected = MergePolicy.Merge(Hour, afterModel, [Reading(SourceNames.Cpcb, null, null, (Pollutant.Pm25, 280))]);

        Assert.Equal(270, afterModel.Get(Pollutant.Pm25));
        Assert.Equal(280, corrected.Get(Pollutant.Pm25));
    }

    [Fact]
    public void Weather_from_a_better_source_is_not_overwritten_by_the_simulator()
    {
        var withIqAir = MergePolicy.Merge(Hour, null, [Reading(SourceNames.IqAir, new Weather(18, 77, 1.5, 1016, SourceNames.IqAir))]);

        var after = MergePolicy.Merge(Hour, withIqAir, [Reading(SourceNames.Simulated, new Weather(25, 40, 3, 1010), null, (Pollutant.Pm25, 50))]);

        Assert.Equal(18, after.Weather!.TemperatureC);
        Assert.Equal(SourceNames.IqAir, after.Weather.Source);
        var simulatedOnly = MergePolicy.Merge(Hour, null, [Reading(SourceNames.Simulated, new Weather(25, 40, 3, 1010), null, (Pollutant.Pm25, 50))]);
        Assert.Equal(SourceNames.Simulated, simulatedOnly.Weather!.Source); // stamped with the reading's source
    }

    [Fact]
    public void Negative_impossible_and_non_numbers_are_rejected_each_with_its_reason_and_the_rest_kept()
    {
        var r = Reading(SourceNames.OpenWeather, null, null, (Pollutant.Pm25, -1), (Pollutant.Co, 250), (Pollutant.No2, double.NaN), (Pollutant.O3, 40));

        var (ok, rejected) = ReadingValidator.Validate(r, Now);

        Assert.Equal([Pollutant.O3], ok!.Values.Keys);
        Assert.Equal(["negative", "not_a_number", "out_of_range"], rejected.Select(x => x.Reason).Order());
        Assert.All(rejected, x => Assert.Equal(SourceNames.OpenWeather, x.Source));
    }

    [Theory]
    [InlineData(2, "future_timestamp")]
    [InlineData(-24 * 365 * 40, "too_old")]
    public void Readings_at_impossible_hours_are_rejected_whole(int hoursFromNow, string reason)
    {
        var r = Reading(SourceNames.Cpcb, null, null, (Pollutant.Pm25, 50)) with { Hour = Hour.AddHours(hoursFromNow) };

        var (ok, rejected) = ReadingValidator.Validate(r, Now);

        Assert.Null(ok);
        Assert.Equal(reason, Assert.Single(rejected).Reason);
    }

    [Fact]
    public void A_reading_not_on_the_hour_is_rejected()
    {
        var r = Reading(SourceNames.Cpcb, null, null, (Pollutant.Pm25, 50)) with { Hour = Hour.AddMinutes(30) };
        Assert.Equal("not_on_the_hour", Assert.Single(ReadingValidator.Validate(r, Now).Rejections).Reason);
    }

    [Fact]
    public void A_late_reading_hours_old_is_accepted_for_its_own_hour()
    {
        var r = Reading(SourceNames.Cpcb, null, null, (Pollutant.Pm25, 50)) with { Hour = Hour.AddDays(-3) };
        var (ok, rejected) = ReadingValidator.Validate(r, Now);
        Assert.Equal(Hour.AddDays(-3), ok!.Hour);
        Assert.Empty(rejected);
    }

    [Fact]
    public void Impossible_weather_and_an_aqi_off_the_scale_are_dropped_with_reasons()
    {
        var r = Reading(SourceNames.IqAir, new Weather(18, 140, 1.5, 1016), 1500, (Pollutant.Pm25, 50));

        var (ok, rejected) = ReadingValidator.Validate(r, Now);

        Assert.Null(ok!.Weather);
        Assert.Null(ok.ReportedUsAqi);
        Assert.Equal(50, ok.Values[Pollutant.Pm25]);
        Assert.Equal(["aqi_out_of_range", "implausible_weather"], rejected.Select(x => x.Reason).Order());
    }

    [Fact]
    public void A_reading_seen_before_is_a_duplicate_and_a_correction_is_not()
    {
        var ledger = new ReadingLedger();
        var first = Reading(SourceNames.Cpcb, null, null, (Pollutant.Pm25, 270));
        var (fresh, dup) = ledger.Filter([first, first]);
        Assert.Single(fresh);
        Assert.Equal(1, dup);
        ledger.Commit(fresh);

        var (again, dupAgain) = ledger.Filter([Reading(SourceNames.Cpcb, null, null, (Pollutant.Pm25, 270))]);
        var (corrected, _) = ledger.Filter([Reading(SourceNames.Cpcb, null, null, (Pollutant.Pm25, 280))]);
        var (otherSource, _) = ledger.Filter([Reading(SourceNames.OpenWeather, null, null, (Pollutant.Pm25, 270))]);

        Assert.Empty(again);
        Assert.Equal(1, dupAgain);
        Assert.Single(corrected);
        Assert.Single(otherSource);
    }

    [Fact]
    public void The_ledger_forgets_its_oldest_hours_beyond_its_capacity()
    {
        var ledger = new ReadingLedger(capacity: 10);
        ledger.Commit(Enumerable.Range(0, 11).Select(h => Reading(SourceNames.Cpcb, null, null, (Pollutant.Pm25, h)) with { Hour = Hour.AddHours(h) }));

        Assert.Equal(5, ledger.Count);
        Assert.Single(ledger.Filter([Reading(SourceNames.Cpcb, null, null, (Pollutant.Pm25, 0))]).Fresh); // hour 0 was forgotten
        Assert.Empty(ledger.Filter([Reading(SourceNames.Cpcb, null, null, (Pollutant.Pm25, 10)) with { Hour = Hour.AddHours(10) }]).Fresh);
    }
}
