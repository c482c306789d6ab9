using AirQuality.Grains.Abstractions;
using System.Globalization;
using System.Text.Json.Nodes;
using AirQuality.Domain.Cities;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Ingestion;
using Microsoft.AspNetCore.Http;

namespace AirQuality.Grains.Tests.Ingestion;

public sealed class OpenWeatherSourceTests
{
    private static readonly City Delhi = CityCatalog.Default.ById("delhi")!;

    [Fact]
    public async Task The_docs_example_becomes_one_hourly_reading_with_co_in_milligrams()
    {
        await using var upstream = await LoopbackUpstream.StartAsync(ctx => LoopbackUpstream.Respond(ctx, 200, Samples.Body(Samples.OwmCurrent)));
        await using var harness = SourceHarness.Create(SourceHarness.OpenWeather(upstream.BaseUrl));
        var source = harness.Get<OpenWeatherSource>();

        var fetch = await source.FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None);

        var r = Assert.Single(fetch.Readings);
        Assert.Equal(new DateTime(2020, 11, 23, 16, 0, 0, DateTimeKind.Utc), r.Hour);
        Assert.Equal(SourceNames.OpenWeather, r.Source);
        Assert.Equal(0.203609, r.Values[Pollutant.Co], 6);
        Assert.Equal(23.253, r.Values[Pollutant.Pm25]);
        Assert.Equal(92.214, r.Values[Pollutant.Pm10]);
        // main.aqi (4 in this body) is OpenWeather's 1-5 scale: nothing of it reaches the reading.
        Assert.Null(r.ReportedUsAqi);
        Assert.Equal([Pollutant.Pm25, Pollutant.Pm10, Pollutant.No2, Pollutant.So2, Pollutant.Co, Pollutant.O3, Pollutant.Nh3],
            r.Values.Keys.OrderBy(p => p));
        var request = Assert.Single(upstream.Requests).PathAndQuery;
        Assert.StartsWith("/data/2.5/air_pollution?", request);
        Assert.Contains("lat=28.564&lon=77.145", request);
        Assert.Contains("appid=test-key", request);
    }

    [Fact]
    public async Task The_captured_india_forecast_gives_61_hours()
    {
        await using var upstream = await LoopbackUpstream.StartAsync(ctx => LoopbackUpstream.Respond(ctx, 200, Samples.Body(Samples.OwmForecast)));
        await using var harness = SourceHarness.Create(SourceHarness.OpenWeather(upstream.BaseUrl));

        var fetch = await harness.Get<OpenWeatherSource>().FetchForecastAsync(Delhi, CancellationToken.None);

        Assert.Equal(61, fetch.Readings.Count);
        Assert.Equal(new DateTime(2020, 11, 25, 1, 0, 0, DateTimeKind.Utc), fetch.Readings[0].Hour);
        Assert.Equal(new DateTime(2020, 11, 27, 13, 0, 0, DateTimeKind.Utc), fetch.Readings[^1].Hour);
        Assert.Equal(0.34046, fetch.Readings[0].Values[Pollutant.Co], 6);
        Assert.Equal(100.3, fetch.Readings[0].Values[Pollutant.Pm25]);
        Assert.StartsWith("/data/2.5/air_pollution/forecast?", Assert.Single(upstream.Requests).PathAndQuery);
    }

    [Fact]
    public void The_delhi_history_body_gives_24_hours_in_canonical_units()
    {
        var body = System.Text.Json.JsonSerializer.Deserialize<OpenWeatherSource.AirPollutionBody>(Samples.Body(Samples.OwmHistory), UpstreamHttp.Json)!;

        var fetch = OpenWeatherSource.Parse(Delhi, body);

        Assert.Equal(24, fetch.Readings.Count);
        Assert.Equal(2.61688, fetch.Readings[0].Values[Pollutant.Co], 6);
        Assert.Equal(364.61, fetch.Readings[0].Values[Pollutant.Pm25]);
        Assert.Empty(fetch.Rejections);
    }

    [Fact]
    public async Task History_starts_at_2020_11_27_and_is_asked_for_in_chunks()
    {
        await using var upstream = await LoopbackUpstream.StartAsync(Upstreams.OpenWeatherHistory);
        var settings = SourceHarness.OpenWeather(upstream.BaseUrl).With(("Sources:OpenWeather:HistoryChunkDays", "1"));
        await using var harness = SourceHarness.Create(settings);

        var fetch = await harness.Get<OpenWeatherSource>().FetchHistoryAsync(Delhi,
            new DateTime(2020, 11, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2020, 11, 29, 0, 0, 0, DateTimeKind.Utc), CancellationToken.None);

        var requests = upstream.Requests.Select(r => r.PathAndQuery).ToList();
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.StartsWith("/data/2.5/air_pollution/history?", r));
        Assert.Contains("start=1606435200&end=1606521600", requests[0]); // 2020-11-27 .. 2020-11-28
        Assert.Contains("start=1606521600&end=1606608000", requests[1]); // 2020-11-28 .. 2020-11-29
        Assert.Equal(49, fetch.Readings.Count); // 27th 00:00 to 29th 00:00, the shared boundary hour once
        Assert.Equal(new DateTime(2020, 11, 27, 0, 0, 0, DateTimeKind.Utc), fetch.Readings[0].Hour);
        Assert.Equal(fetch.Readings.Count, fetch.Readings.Select(r => r.Hour).Distinct().Count());
    }

    [Fact]
    public async Task A_wrong_key_fails_at_once_with_the_upstream_message_and_never_shows_the_key()
    {
        const string body = """{"cod":401, "message": "Invalid API key. Please see https://openweathermap.org/faq#error401 for more info."}""";
        await using var upstream = await LoopbackUpstream.StartAsync(ctx => LoopbackUpstream.Respond(ctx, 401, body));
        await using var harness = SourceHarness.Create(SourceHarness.OpenWeather(upstream.BaseUrl));

        var ex = await Assert.ThrowsAsync<SourceException>(() => harness.Get<OpenWeatherSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));

        Assert.Contains("HTTP 401", ex.Message);
        Assert.Contains("Invalid API key", ex.Message);
        Assert.Contains("OPENWEATHER_API_KEY", ex.Message);
        Assert.DoesNotContain("test-key", ex.Message);
        Assert.Equal(1, upstream.RequestCount); // 401 is not transient: no retry
    }

    [Fact]
    public async Task Without_a_key_the_source_is_off()
    {
        await using var harness = SourceHarness.Create(new Dictionary<string, string?>());
        Assert.False(harness.Get<OpenWeatherSource>().Enabled);
        Assert.False(harness.Get<IqAirSource>().Enabled);
        Assert.False(harness.Get<CpcbSource>().Enabled);
    }

    [Fact]
    public async Task A_key_switched_off_by_configuration_stays_off()
    {
        await using var harness = SourceHarness.Create(new Dictionary<string, string?>
        {
            [OpenWeatherOptions.KeyVariable] = "k",
            ["Sources:OpenWeather:Enabled"] = "false",
            [CpcbOptions.KeyVariable] = "k",
        });
        Assert.False(harness.Get<OpenWeatherSource>().Enabled);
        Assert.True(harness.Get<CpcbSource>().Enabled);
    }
}
