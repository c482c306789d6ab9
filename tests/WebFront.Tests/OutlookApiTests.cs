using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AirQuality.Domain.Grap;
using AirQuality.Domain.Outlook;

namespace AirQuality.WebFront.Tests;

/// <summary>Bulletin, GRAP and health advice through the real HTTP pipeline of the one-process system.</summary>
[Collection(ApiCollection.Name)]
public sealed class OutlookApiTests(EmbeddedAppWithRedis app)
{
    [Fact]
    public async Task The_bulletin_gives_every_city_the_AQI_of_its_bulletin_hour_and_a_csv_with_the_same_values()
    {
        var bulletin = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/bulletin", EmbeddedApp.Json);
        var date = DateOnly.Parse(bulletin.GetProperty("date").GetString()!);
        Assert.Equal(BulletinDay.LatestIssued(DateTime.UtcNow), date);
        Assert.Equal(56, bulletin.GetProperty("count").GetInt32());
        var delhi = bulletin.GetProperty("cities").EnumerateArray().Single(c => c.GetProperty("city_id").GetString() == "delhi");

        // The city's own history gives the AQI of the bulletin hour independently.
        var hour = BulletinDay.Hour(date);
        var history = await app.Http.GetFromJsonAsync<JsonElement>(
            $"/api/v1/aqi/history/delhi?from={hour:yyyy-MM-ddTHH:mm:ssZ}&to={hour.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}", EmbeddedApp.Json);
        var thatHour = Assert.Single(history.GetProperty("readings").EnumerateArray());
        Assert.Equal(thatHour.GetProperty("aqi").GetInt32(), delhi.GetProperty("aqi").GetInt32());
        Assert.Equal(thatHour.GetProperty("category").GetString(), delhi.GetProperty("category").GetString());
        Assert.Equal(24, delhi.GetProperty("hours_with_data").GetInt32());
        Assert.Equal("en", delhi.GetProperty("health_advice").GetProperty("language").GetString());
        Assert.Contains("CPCB", delhi.GetProperty("health_advice").GetProperty("source").GetString());

        var csv = await app.Http.GetStringAsync($"/api/v1/bulletin?date={date:yyyy-MM-dd}&format=csv");
        var lines = csv.TrimEnd().Split('\n');
        Assert.Equal(57, lines.Length);
        Assert.StartsWith("date,city,state,aqi,", lines[0]);
        Assert.Contains(lines, l => l.StartsWith($"{date:yyyy-MM-dd},Delhi,Delhi,{delhi.GetProperty("aqi").GetInt32()},", StringComparison.Ordinal));

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/bulletin?date={date:yyyy-MM-dd}");
        request.Headers.Accept.ParseAdd("text/csv");
        using var negotiated = await app.Http.SendAsync(request);
        Assert.Equal("text/csv", negotiated.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Health_advice_comes_in_Hindi_when_asked_in_bulletins_and_current_answers()
    {
        var bulletin = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/bulletin?lang=hi", EmbeddedApp.Json);
        var advice = bulletin.GetProperty("cities")[0].GetProperty("health_advice");
        Assert.Equal("hi", advice.GetProperty("language").GetString());
        Assert.Contains(advice.GetProperty("text").GetString()!, ch => ch is >= '\u0900' and <= '\u097F');

        var current = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/aqi/current/delhi?lang=hi", EmbeddedApp.Json);
        Assert.Equal("hi", current.GetProperty("health_advice").GetProperty("language").GetString());
        Assert.Equal(current.GetProperty("category").GetString(), current.GetProperty("health_advice").GetProperty("category").GetString());
        var us = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/aqi/current/delhi?standard=us", EmbeddedApp.Json);
        Assert.Contains("EPA", us.GetProperty("health_advice").GetProperty("source").GetString());
    }

    [Theory]
    [InlineData("/api/v1/bulletin?date=05-11-2025", HttpStatusCode.BadRequest, "date")]
    [InlineData("/api/v1/bulletin?lang=fr", HttpStatusCode.BadRequest, "lang")]
    [InlineData("/api/v1/bulletin?format=xml", HttpStatusCode.BadRequest, "format")]
    [InlineData("/api/v1/bulletin?date=2999-01-01", HttpStatusCode.NotFound, null)]
    [InlineData("/api/v1/grap?lang=xx", HttpStatusCode.BadRequest, "lang")]
    [InlineData("/api/v1/aqi/current/delhi?lang=zz", HttpStatusCode.BadRequest, "lang")]
    public async Task Bad_requests_get_a_problem_naming_what_is_wrong(string url, HttpStatusCode status, string? parameter)
    {
        using var response = await app.Http.GetAsync(url);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (parameter is not null)
            Assert.Equal(parameter, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task GRAP_gives_each_NCR_city_the_stage_of_its_current_AQI_and_three_days_with_probabilities()
    {
        var grap = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/grap", EmbeddedApp.Json);
        var cities = grap.GetProperty("cities").EnumerateArray().ToList();
        Assert.Equal(GrapSchedule.Cities.Select(c => c.City), cities.Select(c => c.GetProperty("city").GetString()));
        Assert.Equal(5, grap.GetProperty("stages").GetArrayLength());
        foreach (var c in cities)
        {
            var aqi = c.GetProperty("aqi").GetInt32();
            Assert.Equal(GrapSchedule.StageOf(aqi).Number, c.GetProperty("current_stage").GetInt32());
            var days = c.GetProperty("days").EnumerateArray().ToList();
            Assert.Equal(3, days.Count);
            Assert.Equal(BulletinDay.IndiaDate(DateTime.UtcNow).ToString("yyyy-MM-dd"), days[0].GetProperty("date").GetString());
            foreach (var d in days.Where(d => d.GetProperty("basis").GetString() != "unavailable"))
            {
                var p = d.GetProperty("stage_probabilities").EnumerateArray().Select(x => x.GetDouble()).ToList();
                Assert.Equal(1, p.Sum(), 2);
                Assert.Equal(p.Max(), d.GetProperty("probability").GetDouble());
                Assert.Equal(p.IndexOf(p.Max()), d.GetProperty("stage").GetInt32());
            }
        }
    }
}
