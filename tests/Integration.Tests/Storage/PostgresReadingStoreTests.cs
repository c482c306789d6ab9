using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains;
using AirQuality.Grains.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace AirQuality.Integration.Tests.Storage;

public sealed class PostgresReadingStoreTests(StoreDatabase db) : IClassFixture<StoreDatabase>
{
    private PostgresReadingStore Store => new(db.Readings, NullLogger<PostgresReadingStore>.Instance);

    private static DateTime Hour(int daysAgo, int hour) => DateTime.UtcNow.Date.AddDays(-daysAgo).AddHours(hour);

    private static SourceReading Raw(string city, DateTime hour, string source, double pm25, double? no2 = null) =>
        new(city, hour, source,
            no2 is null ? new Dictionary<Pollutant, double> { [Pollutant.Pm25] = pm25 } : new() { [Pollutant.Pm25] = pm25, [Pollutant.No2] = no2.Value },
            new Weather(21.5, 40, 2.5, 1009), null);

    private static CityHour Merged(DateTime hour, params (Pollutant P, double V, string S)[] values) =>
        new(hour, values.Select(v => new Measurement(v.P, v.V, v.S)).ToList(), null);

    [Fact]
    public async Task Raw_readings_upsert_keeps_one_row_per_city_hour_and_source()
    {
        var h = Hour(1, 10);
        await Store.SaveRawAsync([Raw("pune", h, "cpcb", 40), Raw("pune", h, "openweather", 55)]);
        await Store.SaveRawAsync([Raw("pune", h, "cpcb", 40), Raw("pune", h, "openweather", 55)]);
        await Store.SaveRawAsync([Raw("pune", h, "cpcb", 42, no2: 30)]); // a late correction of the same source

        Assert.Equal(2, await db.ScalarAsync<int>("SELECT count(*) FROM reading_raw WHERE city_id = 'pune'"));
        Assert.Equal(42.0, await db.ScalarAsync<double>("SELECT pm25 FROM reading_raw WHERE city_id = 'pune' AND source = 'cpcb'"));
        Assert.Equal(30.0, await db.ScalarAsync<double>("SELECT no2 FROM reading_raw WHERE city_id = 'pune' AND source = 'cpcb'"));
        Assert.Equal(21.5, await db.ScalarAsync<double>("SELECT temperature_c FROM reading_raw WHERE city_id = 'pune' AND source = 'openweather'"));
        // The hourly rollup across sources follows: mean of 42 and 55, two sources.
        Assert.Equal(2, await db.ScalarAsync<int>("SELECT sources FROM raw_hourly WHERE city_id = 'pune' AND hour = @h", ("h", h)));
        Assert.Equal(48.5, await db.ScalarAsync<double>("SELECT pm25_mean FROM raw_hourly WHERE city_id = 'pune' AND hour = @h", ("h", h)));
    }

    [Fact]
    public async Task Saving_the_same_hours_twice_leaves_the_series_unchanged()
    {
        var hours = Enumerable.Range(0, 48).Select(i => Merged(Hour(5, 0).AddHours(i), (Pollutant.Pm25, 20 + i, "openweather"))).ToList();
        await Store.SaveHoursAsync("nagpur", hours);
        var firstUpdate = await db.ScalarAsync<DateTime>("SELECT max(updated_at) FROM city_hour WHERE city_id = 'nagpur'");
        await Store.SaveHoursAsync("nagpur", hours);

        Assert.Equal(48, await db.ScalarAsync<int>("SELECT count(*) FROM city_hour WHERE city_id = 'nagpur'"));
        // No row was rewritten: the second save found nothing to change.
        Assert.Equal(firstUpdate, await db.ScalarAsync<DateTime>("SELECT max(updated_at) FROM city_hour WHERE city_id = 'nagpur'"));
        // The daily rollups cover both days: 24 valid hours each.
        Assert.Equal(2, await db.ScalarAsync<int>("SELECT count(*) FROM city_day WHERE city_id = 'nagpur' AND pm25_hours = 24"));
    }

    [Fact]
    public async Task A_stored_value_from_a_better_source_survives_a_worse_one()
    {
        var h = Hour(2, 6);
        await Store.SaveHoursAsync("patna", [Merged(h, (Pollutant.Pm25, 80, SourceNames.Cpcb), (Pollutant.O3, 30, SourceNames.OpenWeather))]);
        // A stale writer (a simulated backfill) offers every pollutant: it may fill gaps but not overwrite CPCB.
        await Store.SaveHoursAsync("patna", [Merged(h, (Pollutant.Pm25, 10, SourceNames.Simulated), (Pollutant.Pm10, 90, SourceNames.Simulated))]);
        // A better source replaces a worse one.
        await Store.SaveHoursAsync("patna", [Merged(h, (Pollutant.O3, 44, SourceNames.Cpcb))]);

        var hour = Assert.Single(await Store.GetHoursAsync("patna", h, h.AddHours(1)));
        Assert.Equal(new Measurement(Pollutant.Pm25, 80, SourceNames.Cpcb), hour.Values.Single(m => m.Pollutant == Pollutant.Pm25));
        Assert.Equal(new Measurement(Pollutant.Pm10, 90, SourceNames.Simulated), hour.Values.Single(m => m.Pollutant == Pollutant.Pm10));
        Assert.Equal(new Measurement(Pollutant.O3, 44, SourceNames.Cpcb), hour.Values.Single(m => m.Pollutant == Pollutant.O3));
    }

    [Fact]
    public async Task History_window_is_from_inclusive_to_exclusive_and_oldest_first()
    {
        var start = Hour(3, 0);
        var hours = Enumerable.Range(0, 10).Select(i => Merged(start.AddHours(i), (Pollutant.Pm10, 100 + i, SourceNames.Cpcb))).Reverse().ToList();
        await Store.SaveHoursAsync("surat", hours);

        var slice = await Store.GetHoursAsync("surat", start.AddHours(2), start.AddHours(5));
        Assert.Equal([start.AddHours(2), start.AddHours(3), start.AddHours(4)], slice.Select(h => h.Hour));
        Assert.All(slice, h => Assert.Equal(DateTimeKind.Utc, h.Hour.Kind));
        Assert.Equal(102.0, slice[0].Get(Pollutant.Pm10));
        Assert.Equal(3, await Store.CountHoursAsync("surat", start.AddHours(2), start.AddHours(5)));
        Assert.Empty(await Store.GetHoursAsync("surat", start.AddHours(10), start.AddHours(20)));
    }

    [Fact]
    public async Task Hours_older_than_any_partition_get_one_created_on_demand()
    {
        var old = new DateTime(2019, 3, 4, 5, 0, 0, DateTimeKind.Utc);
        await Store.SaveHoursAsync("indore", [Merged(old, (Pollutant.Pm25, 61, SourceNames.Cpcb))]);
        await Store.SaveRawAsync([Raw("indore", old, SourceNames.Cpcb, 61)]);

        Assert.Equal(61.0, (await Store.GetHoursAsync("indore", old, old.AddHours(1)))[0].Get(Pollutant.Pm25));
        Assert.Equal(1, await db.ScalarAsync<int>("SELECT count(*) FROM aq_list_partitions('city_hour') WHERE partition_name = 'city_hour_p201903'"));
        Assert.Equal(1, await db.ScalarAsync<int>("SELECT count(*) FROM aq_list_partitions('reading_raw') WHERE partition_name = 'reading_raw_p20190304'"));
    }

    [Fact]
    public async Task A_partition_dropped_behind_the_stores_back_is_recreated()
    {
        var h = Hour(0, 1);
        var store = Store;
        await store.SaveRawAsync([Raw("kochi", h, SourceNames.Cpcb, 12)]);
        await db.ExecuteAsync($"DROP TABLE reading_raw_p{h:yyyyMMdd}");
        // The store still believes the partition exists; the write fails once, recreates it and succeeds.
        await store.SaveRawAsync([Raw("kochi", h, SourceNames.Cpcb, 13)]);
        Assert.Equal(13.0, await db.ScalarAsync<double>("SELECT pm25 FROM reading_raw WHERE city_id = 'kochi'"));
    }
}
