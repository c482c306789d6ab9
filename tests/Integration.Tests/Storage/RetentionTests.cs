using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains;
using AirQuality.Grains.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AirQuality.Integration.Tests.Storage;

public sealed class RetentionTests(StoreDatabase db) : IClassFixture<StoreDatabase>
{
    private static readonly DateTime Now = new(2026, 6, 15, 12, 0, 0, DateTimeKind.Utc);

    private PostgresReadingStore Store => new(db.Readings, NullLogger<PostgresReadingStore>.Instance);

    private PostgresMaintenance Maintenance(RetentionOptions? rules = null) => new(db.Readings,
        Options.Create(rules ?? new RetentionOptions()), Options.Create(new MaintenanceOptions()), NullLogger<PostgresMaintenance>.Instance);

    private static SourceReading Raw(string city, DateTime hour) =>
        new(city, hour, SourceNames.Cpcb, new Dictionary<Pollutant, double> { [Pollutant.Pm25] = 33 }, null);

    private static CityHour Hour(DateTime hour, string source) => new(hour, [new Measurement(Pollutant.Pm25, 50, source)], null);

    [Fact]
    public async Task Sweep_removes_old_raw_and_series_but_keeps_imported_history_and_a_second_run_finds_nothing()
    {
        const string city = "jaipur";
        var rawOld = Now.AddDays(-100);
        var rawBoundary = Now.AddDays(-90).AddHours(-2); // same day as the cutoff: deleted row by row, not by partition
        var rawRecent = Now.AddDays(-10);
        await Store.SaveRawAsync([Raw(city, rawOld), Raw(city, rawBoundary), Raw(city, rawRecent)]);

        var seriesOld = Now.AddYears(-6);
        var importedOld = Now.AddYears(-11);
        var seriesRecent = Now.AddYears(-1);
        await Store.SaveHoursAsync(city, [Hour(seriesOld, SourceNames.Cpcb), Hour(seriesOld.AddDays(1), SourceNames.Simulated), Hour(seriesRecent, SourceNames.Cpcb)]);
        await Store.SaveHoursAsync(city, [Hour(importedOld, SourceNames.ImportAirNow), Hour(seriesOld.AddDays(2), SourceNames.ImportOpenAq)]);

        var first = await Maintenance().RunAsync(Now);

        Assert.Equal([rawRecent], await Hours("SELECT hour FROM reading_raw WHERE city_id = @c ORDER BY hour", city));
        Assert.Equal(2, first.RawReadingsDeleted);
        Assert.Equal([importedOld, seriesOld.AddDays(2), seriesRecent], await Hours("SELECT hour FROM city_hour WHERE city_id = @c ORDER BY hour", city));
        Assert.Equal(2, first.CityHoursDeleted);
        // Daily rollups follow the same rule: the swept days go, days with imported hours stay.
        Assert.Equal([importedOld.Date, seriesOld.AddDays(2).Date, seriesRecent.Date], await Hours("SELECT day FROM city_day WHERE city_id = @c ORDER BY day", city));
        Assert.Equal(2, first.RollupRowsDeleted);
        // The hourly rollup of the swept raw readings outlives them (it follows the series retention).
        Assert.Equal([rawOld, rawBoundary, rawRecent], await Hours("SELECT hour FROM raw_hourly WHERE city_id = @c ORDER BY hour", city));
        // The partition of the 100-day-old raw readings is gone, and partitions for the coming week exist.
        Assert.Equal(0, await db.ScalarAsync<int>($"SELECT count(*) FROM aq_list_partitions('reading_raw') WHERE partition_name = 'reading_raw_p{rawOld:yyyyMMdd}'"));
        Assert.Equal(1, await db.ScalarAsync<int>($"SELECT count(*) FROM aq_list_partitions('reading_raw') WHERE partition_name = 'reading_raw_p{Now.AddDays(7):yyyyMMdd}'"));
        Assert.True(first.PartitionsDropped >= 1);
        Assert.True(first.PartitionsCreated >= 7);

        var second = await Maintenance().RunAsync(Now);
        Assert.Equal((0, 0, 0L, 0L, 0L, 0L), (second.PartitionsCreated, second.PartitionsDropped, second.RawReadingsDeleted, second.CityHoursDeleted, second.RollupRowsDeleted, second.StationReadingsDeleted));
        Assert.Equal(3, await db.ScalarAsync<int>("SELECT count(*) FROM city_hour WHERE city_id = @c", ("c", city)));
    }

    [Fact]
    public async Task Imported_history_goes_only_when_it_has_a_retention_of_its_own()
    {
        const string city = "lucknow";
        var imported = Now.AddYears(-8);
        await Store.SaveHoursAsync(city, [Hour(imported, SourceNames.ImportAirNow)]);

        await Maintenance().RunAsync(Now);
        Assert.Equal(1, await db.ScalarAsync<int>("SELECT count(*) FROM city_hour WHERE city_id = @c", ("c", city)));

        var report = await Maintenance(new RetentionOptions { ImportedDays = 365 * 7 }).RunAsync(Now);
        Assert.Equal(0, await db.ScalarAsync<int>("SELECT count(*) FROM city_hour WHERE city_id = @c", ("c", city)));
        Assert.True(report.CityHoursDeleted >= 1);
        // The emptied monthly partition of that year is dropped too.
        Assert.Equal(0, await db.ScalarAsync<int>($"SELECT count(*) FROM aq_list_partitions('city_hour') WHERE partition_name = 'city_hour_p{imported:yyyyMM}'"));
    }

    [Fact]
    public void Nonsense_retention_is_refused_before_anything_is_swept()
    {
        Assert.Throws<InvalidOperationException>(() => new RetentionOptions { RawDays = 0 }.Validate());
        Assert.Throws<InvalidOperationException>(() => new RetentionOptions { RawDays = 90, SeriesDays = 30 }.Validate());
        Assert.Throws<InvalidOperationException>(() => new RetentionOptions { ImportedDays = 0 }.Validate());
    }

    private async Task<List<DateTime>> Hours(string sql, string city)
    {
        var result = new List<DateTime>();
        await using var conn = new Npgsql.NpgsqlConnection(db.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue("c", city);
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) result.Add(reader.GetDateTime(0));
        return result;
    }
}
