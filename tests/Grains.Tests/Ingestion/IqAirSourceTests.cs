using AirQuality.Grains.Abstractions;
using System.Text.Json.Nodes;
using AirQuality.Domain.Cities;
using AirQuality.Grains.Ingestion;

namespace AirQuality.Grains.Tests.Ingestion;

public sealed class IqAirSourceTests
{
    private static readonly City Delhi = CityCatalog.Default.ById("delhi")!;

    [Fact]
    public async Task Delhi_gives_the_reported_us_aqi_and_main_pollutant_and_the_weather_of_its_own_hour_but_no_concentrations()
    {
        await using var upstream = await LoopbackUpstream.StartAsync(ctx => LoopbackUpstream.Respond(ctx, 200, Samples.Body(Samples.IqAirDelhi)));
        await using var harness = SourceHarness.Create(SourceHarness.IqAir(upstream.BaseUrl));

        var fetch = await harness.Get<IqAirSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None);

        Assert.Equal(2, fetch.Readings.Count);
        var pollution = fetch.Readings.Single(r => r.ReportedUsAqi is not null);
        Assert.Equal(new DateTime(2024, 11, 15, 4, 0, 0, DateTimeKind.Utc), pollution.Hour);
        Assert.Equal(412, pollution.ReportedUsAqi);
        Assert.Equal("pm25", pollution.ReportedMainPollutant);
        Assert.Empty(pollution.Values);
        Assert.Null(pollution.Weather);
        var weather = fetch.Readings.Single(r => r.Weather is not null);
        Assert.Equal(new DateTime(2024, 11, 15, 5, 0, 0, DateTimeKind.Utc), weather.Hour);
        Assert.Equal(new Weather(18, 77, 1.54, 1016, SourceNames.IqAir), weather.Weather);
        Assert.Empty(weather.Values);
        Assert.Equal("/v2/city?city=Delhi&state=Delhi&country=India&key=test-key", Assert.Single(upstream.Requests).PathAndQuery);
    }

    [Fact]
    public async Task The_captured_los_angeles_answer_has_pollution_and_weather_in_one_hour()
    {
        await using var upstream = await LoopbackUpstream.StartAsync(ctx => LoopbackUpstream.Respond(ctx, 200, Samples.Body(Samples.IqAirLosAngeles)));
        var settings = SourceHarness.IqAir(upstream.BaseUrl).With(("Sources:IqAir:Country", "USA"), ("Sources:IqAir:Places:delhi", "Los Angeles|California"));
        await using var harness = SourceHarness.Create(settings);

        var fetch = await harness.Get<IqAirSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None);

        var r = Assert.Single(fetch.Readings);
        Assert.Equal(new DateTime(2019, 10, 11, 1, 0, 0, DateTimeKind.Utc), r.Hour);
        Assert.Equal(48, r.ReportedUsAqi);
        Assert.Equal(23, r.Weather!.TemperatureC);
        Assert.Equal("/v2/city?city=Los%20Angeles&state=California&country=USA&key=test-key", Assert.Single(upstream.Requests).PathAndQuery);
    }

    [Theory]
    [InlineData("city_not_found", 400, "IQAir does not know this city")]
    [InlineData("incorrect_api_key", 401, "check IQAIR_API_KEY")]
    [InlineData("api_key_expired", 403, "renew IQAIR_API_KEY")]
    [InlineData("permission_denied (you don't have access to this endpoint", 403, "the plan does not include this endpoint")]
    public async Task Each_error_body_of_the_api_is_explained(string message, int status, string meaning)
    {
        var body = ErrorBody(message);
        await using var upstream = await LoopbackUpstream.StartAsync(ctx => LoopbackUpstream.Respond(ctx, status, body));
        await using var harness = SourceHarness.Create(SourceHarness.IqAir(upstream.BaseUrl));

        var ex = await Assert.ThrowsAsync<SourceException>(() => harness.Get<IqAirSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));

        Assert.Contains($"HTTP {status}", ex.Message);
        Assert.Contains(message, ex.Message);
        Assert.Contains(meaning, ex.Message);
        Assert.Equal(1, upstream.RequestCount);
    }

    [Fact]
    public async Task Call_limit_reached_pauses_the_source_until_the_next_day_and_says_so()
    {
        await using var upstream = await LoopbackUpstream.StartAsync(ctx => LoopbackUpstream.Respond(ctx, 429, ErrorBody("call_limit_reached")));
        await using var harness = SourceHarness.Create(SourceHarness.IqAir(upstream.BaseUrl));
        var source = harness.Get<IqAirSource>();

        var ex = await Assert.ThrowsAsync<SourceException>(() => source.FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));
        Assert.Contains("call limit is reached", ex.Message);
        var calls = upstream.RequestCount;

        var next = await source.FetchAsync(CityCatalog.Default.ById("mumbai")!, DateTime.UtcNow, CancellationToken.None);

        Assert.Equal("paused:call_limit_reached", next.Skipped);
        Assert.Equal(calls, upstream.RequestCount);
        var budget = harness.Get<IqAirBudget>().Status();
        Assert.Equal(DateTime.UtcNow.Date.AddDays(1), budget.PausedUntil);
        Assert.Equal(calls, budget.UsedToday); // the retry of the 429 counted too
    }

    [Fact]
    public async Task Too_many_requests_pauses_for_a_minute()
    {
        await using var upstream = await LoopbackUpstream.StartAsync(ctx => LoopbackUpstream.Respond(ctx, 429, ErrorBody("too_many_requests")));
        await using var harness = SourceHarness.Create(SourceHarness.IqAir(upstream.BaseUrl));

        await Assert.ThrowsAsync<SourceException>(() => harness.Get<IqAirSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));

        var paused = harness.Get<IqAirBudget>().Status().PausedUntil!.Value;
        Assert.InRange(paused - DateTime.UtcNow, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(61));
    }

    [Fact]
    public async Task A_fail_status_in_a_200_answer_is_an_error()
    {
        await using var upstream = await LoopbackUpstream.StartAsync(ctx => LoopbackUpstream.Respond(ctx, 200, ErrorBody("city_not_found")));
        await using var harness = SourceHarness.Create(SourceHarness.IqAir(upstream.BaseUrl));

        var ex = await Assert.ThrowsAsync<SourceException>(() => harness.Get<IqAirSource>().FetchAsync(Delhi, DateTime.UtcNow, CancellationToken.None));
        Assert.Contains("IQAir answered 'fail': city_not_found", ex.Message);
    }

    [Fact]
    public void The_error_sample_holds_the_messages_handled_here()
    {
        var messages = ((JsonArray)Samples.File(Samples.IqAirErrors)["examples"]!).Select(e => e!["data"]!["message"]!.GetValue<string>()).ToList();
        Assert.Contains("call_limit_reached", messages);
        Assert.Contains("too_many_requests", messages);
        Assert.Contains("incorrect_api_key", messages);
        Assert.Contains("city_not_found", messages);
    }

    private static string ErrorBody(string message) =>
        ((JsonArray)Samples.File(Samples.IqAirErrors)["examples"]!)
            .Single(e => e!["data"]!["message"]!.GetValue<string>() == message)!.ToJsonString();
}
