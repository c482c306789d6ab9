using AirQuality.Grains.Abstractions;
using System.Globalization;
using System.Text.Json.Nodes;
using AirQuality.Domain.Aqi;
using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Ingestion;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AirQuality.Grains.Tests.Ingestion;

public sealed class CpcbSourceTests
{
    private static readonly City Delhi = CityCatalog.Default.ById("delhi")!;

    private static double Back(Pollutant p, double subIndex) => IndiaSubIndexInversion.Concentration(p, subIndex)!.Value;

    [Fact]
    public async Task The_current_layout_is_paged_through_and_delhi_stations_are_averaged_as_concentrations()
    {
        await using var upstream = await LoopbackUpstream.StartAsync(Upstreams.CpcbFeed(Samples.CpcbRecords(Samples.CpcbCurrent)));
        await using var harness = SourceHarness.Create(SourceHarness.Cpcb(upstream.BaseUrl).With(("Sources:Cpcb:PageSize", "4")));

        var fetch = await harness.Get<CpcbSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None);

        var requests = upstream.Requests.Select(r => r.PathAndQuery).ToList();
        Assert.Equal(3, requests.Count); // 10 records, 4 a page
        for (var i = 0; i < 3; i++)
            Assert.Equal($"/resource/3b01bcb8-0b14-4abf-b6f2-c1bfd384ba69?api-key=test-key&format=json&offset={i * 4}&limit=4", requests[i]);
        var r = Assert.Single(fetch.Readings);
        Assert.Equal(SourceNames.Cpcb, r.Source);
        Assert.Equal(new DateTime(2024, 11, 15, 4, 0, 0, DateTimeKind.Utc), r.Hour); // 10:00 IST = 04:30 UTC
        // Three stations' PM2.5 sub-indices (412, 438, 399) read back to concentrations, then averaged.
        var pm25 = (Back(Pollutant.Pm25, 412) + Back(Pollutant.Pm25, 438) + Back(Pollutant.Pm25, 399)) / 3;
        Assert.Equal(pm25, r.Values[Pollutant.Pm25], 2);
        Assert.Equal(270.58, r.Values[Pollutant.Pm25], 1);
        Assert.Equal(1.4857, r.Values[Pollutant.Co], 3); // sub-index 72: mg/m³ in the Satisfactory band
        Assert.Equal(20, r.Values[Pollutant.Nh3], 3);    // sub-index 5 of NH3
        Assert.False(r.Values.ContainsKey(Pollutant.So2)); // "NA"
        Assert.Empty(fetch.Rejections);
        var feed = harness.Get<SourceMonitor>().Snapshot().Single(s => s.Source == SourceNames.Cpcb).Feed!;
        Assert.Equal(10, feed.Records);
        Assert.Equal(3, feed.Pages);
        Assert.Equal(3, feed.Stations);
        Assert.Equal(1, feed.CitiesCovered);
        Assert.Equal(1, feed.BadRecords["not_available"]);
    }

    [Fact]
    public void Every_read_back_concentration_gives_the_feeds_sub_index_again()
    {
        var records = CpcbFeed.ReadRecords(Samples.CpcbRecords(Samples.CpcbCurrent).Select(n => System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, System.Text.Json.JsonElement>>(n!.ToJsonString())!));
        var feed = NewFeed();
        foreach (var rec in records.Where(r => r.Average != "NA"))
        {
            Assert.True(Pollutants.TryParse(rec.PollutantId, out var p));
            var (c, _) = feed.ToConcentration(p, double.Parse(rec.Average!, CultureInfo.InvariantCulture));
            Assert.Equal(int.Parse(rec.Average!, CultureInfo.InvariantCulture), IndiaAqi.SubIndexOf(p, c!.Value)!.Value);
        }
    }

    [Fact]
    public void The_2019_layout_reads_pollutant_avg_and_ist_time_and_its_co_of_46_is_a_sub_index()
    {
        var amaravati = new City("amaravati", "Amaravati", "Andhra Pradesh", 16.51, 80.52, 1, []);
        var feed = NewFeed(new CityCatalog([amaravati, Delhi]));

        var snapshot = feed.Aggregate(Legacy(), DateTime.UtcNow);

        var r = Assert.Single(snapshot.ByCity["amaravati"].Readings);
        Assert.Equal(new DateTime(2019, 12, 18, 0, 0, 0, DateTimeKind.Utc), r.Hour); // 06:00 IST = 00:30 UTC
        Assert.Equal(0.92, r.Values[Pollutant.Co], 6); // 46 mg/m³ would be beyond Severe; as a sub-index it is 0.92 mg/m³
        Assert.Equal(44, r.Values[Pollutant.O3], 6);
        Assert.Equal(0, snapshot.Status.UnmappedRecords); // "Andhra_Pradesh" is Andhra Pradesh
    }

    [Fact]
    public void Places_the_catalog_does_not_know_are_counted_and_named()
    {
        var snapshot = NewFeed().Aggregate(Legacy(), DateTime.UtcNow);

        Assert.Empty(snapshot.ByCity);
        Assert.Equal(2, snapshot.Status.UnmappedRecords);
        Assert.Equal(["Amaravati, Andhra Pradesh"], snapshot.Status.UnmappedPlaces);
    }

    [Theory]
    [InlineData("Bangalore", "Karnataka", "bengaluru")]
    [InlineData("Navi Mumbai", "Maharashtra", "mumbai")]
    [InlineData("Gurgaon", "Haryana", "gurugram")]
    [InlineData("Chennai", "Tamil_Nadu", "chennai")]
    [InlineData("Aurangabad", "Maharashtra", "aurangabad")]
    [InlineData("Aurangabad", "Bihar", null)]
    [InlineData("Noida", "Uttar Pradesh", null)]
    public void Feed_place_names_resolve_through_the_catalog_aliases_and_must_match_the_state(string city, string state, string? expected)
    {
        Assert.Equal(expected, NewFeed().ResolveCity(city, state)?.Id);
    }

    [Fact]
    public void Extra_feed_names_can_be_mapped_in_configuration()
    {
        var feed = NewFeed(options: new CpcbOptions { CityNames = { ["Greater Mumbai"] = "Mumbai" } });
        Assert.Equal("mumbai", feed.ResolveCity("Greater Mumbai", "Maharashtra")?.Id);
    }

    [Fact]
    public void A_station_hours_behind_its_city_is_left_out_of_the_citys_hour()
    {
        var records = new[]
        {
            Record("Delhi", "Alipur, Delhi - DPCC", "15-11-2024 10:00:00", "PM2.5", "100"),
            Record("Delhi", "ITO, Delhi - CPCB", "15-11-2024 09:00:00", "PM2.5", "200"),
            Record("Delhi", "Old, Delhi - DPCC", "15-11-2024 06:00:00", "PM2.5", "400"),
        };

        var snapshot = NewFeed().Aggregate(records, DateTime.UtcNow);

        var r = Assert.Single(snapshot.ByCity["delhi"].Readings);
        Assert.Equal((Back(Pollutant.Pm25, 100) + Back(Pollutant.Pm25, 200)) / 2, r.Values[Pollutant.Pm25], 2);
        Assert.Equal(1, snapshot.Status.StaleStations);
    }

    [Fact]
    public void Values_that_cannot_be_sub_indices_are_rejected_with_reasons()
    {
        var records = new[]
        {
            Record("Delhi", "A", "15-11-2024 10:00:00", "PM2.5", "612"),
            Record("Delhi", "A", "15-11-2024 10:00:00", "PM10", "-3"),
            Record("Delhi", "A", "15-11-2024 10:00:00", "NO2", "high"),
            Record("Delhi", "A", "2024-11-15 10:00", "SO2", "10"),
            Record("Delhi", "A", "15-11-2024 10:00:00", "BENZENE", "10"),
            Record("Delhi", "A", "15-11-2024 10:00:00", "CO", "50"),
        };

        var snapshot = NewFeed().Aggregate(records, DateTime.UtcNow);

        var delhi = snapshot.ByCity["delhi"];
        Assert.Equal(["negative", "sub_index_above_500"], delhi.Rejections.Select(x => x.Reason).Order());
        Assert.Equal(1.0, Assert.Single(delhi.Readings).Values[Pollutant.Co], 6);
        Assert.Equal(1, snapshot.Status.BadRecords["not_a_number"]);
        Assert.Equal(1, snapshot.Status.BadRecords["bad_timestamp"]);
        Assert.Equal(1, snapshot.Status.BadRecords["unknown_pollutant"]);
    }

    [Fact]
    public void Read_as_concentrations_when_configured_the_values_pass_unchanged()
    {
        var feed = NewFeed(options: new CpcbOptions { Values = CpcbValueKind.Concentration });
        var snapshot = feed.Aggregate([Record("Delhi", "A", "15-11-2024 10:00:00", "PM2.5", "412")], DateTime.UtcNow);
        Assert.Equal(412, snapshot.ByCity["delhi"].Readings[0].Values[Pollutant.Pm25]);
    }

    [Fact]
    public async Task The_feed_is_downloaded_once_for_every_city_asking_in_the_same_wave()
    {
        var records = new JsonArray(CityCatalog.Default.All.Select(c => (JsonNode)new JsonObject
        {
            ["country"] = "India", ["state"] = c.State, ["city"] = c.Name, ["station"] = c.Name + " - CPCB",
            ["last_update"] = "15-11-2024 10:00:00", ["pollutant_id"] = "PM2.5", ["min_value"] = "10", ["max_value"] = "90", ["avg_value"] = "50",
        }).ToArray());
        await using var upstream = await LoopbackUpstream.StartAsync(Upstreams.CpcbFeed(records));
        await using var harness = SourceHarness.Create(SourceHarness.Cpcb(upstream.BaseUrl).With(("Sources:Cpcb:PageSize", "20")));

        var fetches = await Task.WhenAll(CityCatalog.Default.All.Select(c =>
            harness.Get<CpcbSource>().FetchAsync(c, DateTime.UtcNow, CancellationToken.None)));

        Assert.Equal(3, upstream.RequestCount); // one download of 56 records in pages of 20, for 56 cities
        Assert.All(fetches, f => Assert.Equal(30, Assert.Single(f.Readings).Values[Pollutant.Pm25], 6));
    }

    [Fact]
    public async Task A_failed_download_is_shared_instead_of_repeated_by_every_city()
    {
        await using var upstream = await LoopbackUpstream.StartAsync(ctx => LoopbackUpstream.Respond(ctx, 403, """{"message":"Invalid API key","status":"error"}"""));
        await using var harness = SourceHarness.Create(SourceHarness.Cpcb(upstream.BaseUrl));
        var source = harness.Get<CpcbSource>();

        var first = await Assert.ThrowsAsync<SourceException>(() => source.FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));
        var second = await Assert.ThrowsAsync<SourceException>(() => source.FetchAsync(CityCatalog.Default.ById("mumbai")!, DateTime.UtcNow, CancellationToken.None));

        Assert.Contains("HTTP 403", first.Message);
        Assert.Contains("Invalid API key", first.Message);
        Assert.Contains("CPCB_API_KEY", first.Message);
        Assert.Same(first, second);
        Assert.Equal(1, upstream.RequestCount);
    }

    [Fact]
    public async Task A_page_without_records_is_an_error_naming_the_upstream_message()
    {
        await using var upstream = await LoopbackUpstream.StartAsync(ctx => LoopbackUpstream.Respond(ctx, 200, """{"status":"error","message":"Resource not found"}"""));
        await using var harness = SourceHarness.Create(SourceHarness.Cpcb(upstream.BaseUrl));

        var ex = await Assert.ThrowsAsync<SourceException>(() => harness.Get<CpcbSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));
        Assert.Equal("page 1 has no 'records': Resource not found", ex.Message);
    }

    [Theory]
    [InlineData("15-11-2024 10:00:00", "2024-11-15T04:30:00Z")]
    [InlineData("01-01-2025 03:00:00", "2024-12-31T21:30:00Z")]
    [InlineData("13-01-2025 00:00:00", "2025-01-12T18:30:00Z")]
    public void Ist_times_become_utc(string ist, string utc)
    {
        Assert.Equal(DateTime.Parse(utc, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal), CpcbFeed.ParseIst(ist));
    }

    [Theory]
    [InlineData("01-13-2025 00:00:00")]
    [InlineData("2025-01-13 00:00:00")]
    [InlineData("NA")]
    public void Other_time_formats_are_refused(string text) => Assert.Null(CpcbFeed.ParseIst(text));

    private static CpcbFeed NewFeed(CityCatalog? catalog = null, CpcbOptions? options = null) =>
        new(Options.Create(options ?? new CpcbOptions()), catalog ?? CityCatalog.Default, new SourceMonitor(TimeProvider.System), TimeProvider.System,
            NullLogger<CpcbFeed>.Instance);

    private static IReadOnlyList<CpcbRecord> Legacy() =>
        CpcbFeed.ReadRecords(Samples.CpcbRecords(Samples.CpcbLegacy).Select(n =>
            System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, System.Text.Json.JsonElement>>(n!.ToJsonString())!));

    private static CpcbRecord Record(string city, string station, string updated, string pollutant, string avg) =>
        new("India", "Delhi", city, station, updated, pollutant, avg, null, null);
}
