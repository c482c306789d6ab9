using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains;
using AirQuality.Grains.Import;
using AirQuality.Grains.Storage;
using AirQuality.Integration.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace AirQuality.Integration.Tests.Import;

/// <summary>The two sample files into a database of their own, so every count below is theirs alone.</summary>
public sealed class SampleImportTests(StoreDatabase db) : IClassFixture<StoreDatabase>
{
    private static readonly string OpenAqSample = HistoryImportTests.OpenAqSample;
    private static readonly string AirNowSample = HistoryImportTests.AirNowSample;

    private Task<ImportReport> Import(string path, string format) =>
        new HistoryImporter(db.Readings, CityCatalog.Default, TimeProvider.System).ImportAsync(new ImportRequest(path, HistoryFormat.Find(format)!));

    [Fact]
    public async Task Importing_both_samples_twice_leaves_one_row_per_location_hour_and_parameter()
    {
        // A CPCB value already stored for one Bengaluru hour must survive the import (it ranks above imports).
        var cpcbHour = new DateTime(2020, 11, 3, 10, 0, 0, DateTimeKind.Utc);
        await new PostgresReadingStore(db.Readings, NullLogger<PostgresReadingStore>.Instance)
            .SaveHoursAsync("bengaluru", [new CityHour(cpcbHour, [new Measurement(Pollutant.Pm25, 1.5, SourceNames.Cpcb)], null)]);

        var openAq1 = await Import(OpenAqSample, "openaq");
        var airNow1 = await Import(AirNowSample, "airnow");
        var openAq2 = await Import(OpenAqSample, "openaq");
        var airNow2 = await Import(AirNowSample, "airnow");

        var openAqExpected = HistoryImportTests.ExpectedOpenAqKeys();
        var airNowExpected = HistoryImportTests.ExpectedAirNowHours();
        Assert.True(openAq1.Committed && airNow1.Committed);
        Assert.Equal(openAqExpected.Count, openAq1.Written!.StationHoursInserted);
        Assert.Equal(airNowExpected.Count, airNow1.Written!.StationHoursInserted);
        Assert.Equal((long)openAqExpected.Count, openAq2.Written!.StationHours);
        Assert.Equal((long)airNowExpected.Count, airNow2.Written!.StationHoursUnchanged);
        // The second run of each file adds and changes nothing.
        Assert.Equal((0L, 0L, 0L, 0L), (openAq2.Written!.StationHoursInserted, openAq2.Written.StationHoursUpdated, openAq2.Written.CityHoursInserted, openAq2.Written.CityHoursUpdated));
        Assert.Equal((0L, 0L, 0L, 0L), (airNow2.Written!.StationHoursInserted, airNow2.Written.StationHoursUpdated, airNow2.Written.CityHoursInserted, airNow2.Written.CityHoursUpdated));

        Assert.Equal(openAqExpected.Count + airNowExpected.Count, await db.ScalarAsync<int>("SELECT count(*) FROM station_reading"));
        Assert.Equal(0, await db.ScalarAsync<int>(
            "SELECT count(*) FROM (SELECT s.location, r.hour, r.pollutant FROM station_reading r JOIN station s USING (station_id) GROUP BY 1, 2, 3 HAVING count(*) > 1) d"));
        Assert.Equal("bengaluru", await db.ScalarAsync<string>("SELECT city_id FROM station WHERE location = 'BTM Layout, Bengaluru - CPCB'"));
        Assert.Equal("delhi", await db.ScalarAsync<string>("SELECT city_id FROM station WHERE location = 'New Delhi'"));

        // The merged series: one hour per distinct hour of each file, with the import's provenance...
        var bengaluruHours = openAqExpected.Select(k => k.Hour).Distinct().Count();
        Assert.Equal(bengaluruHours, await db.ScalarAsync<int>("SELECT count(*) FROM city_hour WHERE city_id = 'bengaluru' AND so2_source = 'import:openaq'"));
        Assert.Equal(airNowExpected.Count, await db.ScalarAsync<int>("SELECT count(*) FROM city_hour WHERE city_id = 'delhi' AND pm25_source = 'import:airnow'"));
        // ...except where a better source was there first.
        Assert.Equal(SourceNames.Cpcb, await db.ScalarAsync<string>("SELECT pm25_source FROM city_hour WHERE city_id = 'bengaluru' AND hour = @h", ("h", cpcbHour)));
        Assert.Equal(1.5, await db.ScalarAsync<double>("SELECT pm25 FROM city_hour WHERE city_id = 'bengaluru' AND hour = @h", ("h", cpcbHour)));
        // Daily rollups count the imported hours, which retention keeps.
        Assert.True(await db.ScalarAsync<int>("SELECT count(*) FROM city_day WHERE city_id = 'delhi' AND imported_hours > 0") >= 300);
    }
}
