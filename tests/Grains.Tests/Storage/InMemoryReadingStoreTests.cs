using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AirQuality.Grains.Tests.Storage;

public sealed class InMemoryReadingStoreTests
{
    private static readonly DateTime H = new(2024, 1, 10, 6, 0, 0, DateTimeKind.Utc);

    private static CityHour Hour(DateTime h, params (Pollutant P, double V, string S)[] values) =>
        new(h, values.Select(v => new Measurement(v.P, v.V, v.S)).ToList(), null);

    [Fact]
    public async Task A_stored_value_from_a_better_source_survives_a_worse_one()
    {
        var store = new InMemoryReadingStore();
        await store.SaveHoursAsync("delhi", [Hour(H, (Pollutant.Pm25, 80, SourceNames.Cpcb))]);
        await store.SaveHoursAsync("delhi", [Hour(H, (Pollutant.Pm25, 20, SourceNames.Simulated), (Pollutant.Pm10, 150, SourceNames.Simulated))]);

        var hour = Assert.Single(await store.GetHoursAsync("delhi", H, H.AddHours(1)));
        Assert.Equal((80.0, SourceNames.Cpcb), (hour.Get(Pollutant.Pm25)!.Value, hour.Values.First(m => m.Pollutant == Pollutant.Pm25).Source));
        Assert.Equal(150.0, hour.Get(Pollutant.Pm10));
    }

    [Fact]
    public async Task Sweep_keeps_imported_hours_past_the_series_retention()
    {
        var store = new InMemoryReadingStore();
        await store.SaveHoursAsync("delhi", [Hour(H, (Pollutant.Pm25, 80, SourceNames.Cpcb)), Hour(H.AddHours(1), (Pollutant.Pm25, 81, SourceNames.ImportAirNow)), Hour(H.AddYears(3), (Pollutant.Pm25, 50, SourceNames.Cpcb))]);
        await store.SaveRawAsync([new SourceReading("delhi", H, SourceNames.Cpcb, new Dictionary<Pollutant, double> { [Pollutant.Pm25] = 80 }, null)]);

        var (raw, hours) = store.Sweep(rawCutoff: H.AddDays(1), seriesCutoff: H.AddYears(1), importedCutoff: null);

        Assert.Equal((1L, 1L), (raw, hours));
        Assert.Equal([H.AddHours(1), H.AddYears(3)], (await store.GetHoursAsync("delhi", H, H.AddYears(4))).Select(h => h.Hour));
        Assert.Equal(0, store.RawCount);
    }

    [Fact]
    public async Task A_raw_reading_comes_back_as_saved_and_a_second_save_of_its_key_replaces_it()
    {
        var store = new InMemoryReadingStore();
        var weather = new Weather(21.5, 60, 2.5, 1009, SourceNames.OpenWeather);
        var first = new SourceReading("delhi", H, SourceNames.IqAir, new Dictionary<Pollutant, double> { [Pollutant.Pm25] = 80.125, [Pollutant.O3] = 0 }, weather, 163, "pm25");
        var bare = new SourceReading("delhi", H, SourceNames.Cpcb, new Dictionary<Pollutant, double>(), null);
        await store.SaveRawAsync([first, bare]);

        var back = store.Raw("delhi", H, SourceNames.IqAir)!;
        Assert.Equal((first.CityId, first.Hour, first.Source, first.Weather, first.ReportedUsAqi, first.ReportedMainPollutant),
            (back.CityId, back.Hour, back.Source, back.Weather, back.ReportedUsAqi, back.ReportedMainPollutant));
        Assert.Equal(first.Values.OrderBy(kv => kv.Key), back.Values.OrderBy(kv => kv.Key));
        var empty = store.Raw("delhi", H, SourceNames.Cpcb)!;
        Assert.Empty(empty.Values);
        Assert.Null(empty.Weather);
        Assert.Null(store.Raw("delhi", H.AddHours(1), SourceNames.Cpcb));

        await store.SaveRawAsync([first with { Values = new Dictionary<Pollutant, double> { [Pollutant.Pm10] = 140 }, ReportedUsAqi = null }]);
        var replaced = store.Raw("delhi", H, SourceNames.IqAir)!;
        Assert.Equal(2, store.RawCount);
        Assert.Equal([new KeyValuePair<Pollutant, double>(Pollutant.Pm10, 140)], replaced.Values);
        Assert.Null(replaced.ReportedUsAqi);
    }

    [Fact]
    public async Task An_hour_comes_back_as_saved_weather_and_sources_included_and_a_merge_keeps_the_weather_it_does_not_replace()
    {
        var store = new InMemoryReadingStore();
        var weather = new Weather(31.25, null, 3.5, null, SourceNames.OpenWeather);
        var saved = new CityHour(H, [new Measurement(Pollutant.O3, 41.5, SourceNames.OpenWeather), new Measurement(Pollutant.Pm25, 80.125, "import:openaq:station-7")], weather);
        await store.SaveHoursAsync("delhi", [saved, Hour(H.AddHours(1), (Pollutant.Pm10, 150, SourceNames.Cpcb))]);

        var back = await store.GetHoursAsync("delhi", H, H.AddHours(2));
        Assert.Equal(2, back.Count);
        Assert.Equal(saved.Values, back[0].Values);
        Assert.Equal(weather, back[0].Weather);
        Assert.Null(back[1].Weather);
        Assert.Equal(1, await store.CountHoursAsync("delhi", H.AddHours(1), H.AddHours(5)));

        // No weather in the incoming hour: the stored one stays; with weather it is replaced, nulls and all.
        await store.SaveHoursAsync("delhi", [Hour(H, (Pollutant.No2, 12, SourceNames.Cpcb))]);
        var merged = Assert.Single(await store.GetHoursAsync("delhi", H, H.AddHours(1)));
        Assert.Equal(weather, merged.Weather);
        // A merged hour lists its values in pollutant order, as the PostgreSQL store reads them back.
        Assert.Equal(new[] { Pollutant.Pm25, Pollutant.No2, Pollutant.O3 }.Order(), merged.Values.Select(m => m.Pollutant));
        Assert.Equal("import:openaq:station-7", merged.Values.Single(m => m.Pollutant == Pollutant.Pm25).Source);
        var calm = new Weather(null, 90, null, 1002.5, null);
        await store.SaveHoursAsync("delhi", [new CityHour(H, [], calm)]);
        Assert.Equal(calm, Assert.Single(await store.GetHoursAsync("delhi", H, H.AddHours(1))).Weather);
        Assert.Equal(3, Assert.Single(await store.GetHoursAsync("delhi", H, H.AddHours(1))).Values.Count);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("true", true)]
    public async Task The_silo_counts_raw_readings_in_memory_and_keeps_them_only_when_asked(string? keep, bool kept)
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [InMemoryReadingStore.KeepRawSetting] = keep }).Build();
        var services = new ServiceCollection().AddLogging().AddReadingStore(config);
        await using var provider = services.BuildServiceProvider();
        var store = Assert.IsType<InMemoryReadingStore>(provider.GetRequiredService<IReadingStore>());
        var reading = new SourceReading("delhi", H, SourceNames.Cpcb, new Dictionary<Pollutant, double> { [Pollutant.Pm25] = 80 }, null);

        await store.SaveRawAsync([reading, reading with { Hour = H.AddHours(1) }]);

        Assert.Equal(2, store.RawReceived);
        Assert.Equal(kept ? 2 : 0, store.RawCount);
        Assert.Equal(kept, store.Raw("delhi", H, SourceNames.Cpcb) is not null);
        // The merged hours are kept either way.
        await store.SaveHoursAsync("delhi", [Hour(H, (Pollutant.Pm25, 80, SourceNames.Cpcb))]);
        Assert.Equal(1, await store.CountHoursAsync("delhi", H, H.AddHours(1)));
    }

    [Fact]
    public async Task An_hour_merged_from_the_stored_one_is_kept_as_the_same_record_and_one_that_loses_values_is_not()
    {
        var store = new InMemoryReadingStore();
        var first = Hour(H, (Pollutant.Pm25, 80, SourceNames.OpenWeather));
        await store.SaveHoursAsync("delhi", [first]);
        // What a city grain saves after merging a second source into the hour: everything the stored one had, and more.
        var merged = new CityHour(H, [first.Values[0], new Measurement(Pollutant.Pm10, 150, SourceNames.Cpcb)], new Weather(30, 50, 2, 1000, SourceNames.OpenWeather));
        await store.SaveHoursAsync("delhi", [merged]);
        Assert.Same(merged, Assert.Single(await store.GetHoursAsync("delhi", H, H.AddHours(1))));

        // An incoming hour from a worse source does not replace the stored value: a new record holds the combination.
        await store.SaveHoursAsync("delhi", [Hour(H, (Pollutant.Pm25, 20, SourceNames.Simulated), (Pollutant.Pm10, 150, SourceNames.Cpcb))]);
        var combined = Assert.Single(await store.GetHoursAsync("delhi", H, H.AddHours(1)));
        Assert.NotSame(merged, combined);
        Assert.Equal(80.0, combined.Get(Pollutant.Pm25));
        Assert.Equal(merged.Weather, combined.Weather);
    }
}
