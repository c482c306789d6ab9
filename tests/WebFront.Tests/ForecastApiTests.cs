using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace AirQuality.WebFront.Tests;

/// <summary>Forecast and model endpoints through the real HTTP pipeline.</summary>
[Collection(ApiCollection.Name)]
public sealed class ForecastApiTests(EmbeddedAppWithRedis app)
{
    [Fact]
    public async Task A_forecast_has_every_hour_asked_with_a_band_around_the_value_and_names_its_model()
    {
        var f = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/forecast/Delhi?hours=6");

        Assert.Equal("Delhi", f.GetProperty("city").GetString());
        Assert.Equal("aqi", f.GetProperty("target").GetString());
        var hours = f.GetProperty("hours").EnumerateArray().ToList();
        Assert.Equal(6, hours.Count);
        Assert.Equal(Enumerable.Range(1, 6), hours.Select(h => h.GetProperty("horizon").GetInt32()));
        var issued = f.GetProperty("issued_for").GetDateTime();
        Assert.Equal(issued.AddHours(1), hours[0].GetProperty("time").GetDateTime());
        foreach (var h in hours)
        {
            var value = h.GetProperty("value").GetDouble();
            Assert.InRange(value, h.GetProperty("lower").GetDouble(), h.GetProperty("upper").GetDouble());
            Assert.False(string.IsNullOrEmpty(h.GetProperty("category").GetString()));
        }
        var model = f.GetProperty("model");
        Assert.False(string.IsNullOrEmpty(model.GetProperty("family").GetString()));
        Assert.False(string.IsNullOrEmpty(model.GetProperty("note").GetString()));
    }

    [Fact]
    public async Task A_pm25_forecast_at_80_percent_has_narrower_bands_than_at_90()
    {
        var f80 = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/forecast/Mumbai?target=pm25&level=0.8&hours=24");
        var f90 = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/forecast/Mumbai?target=pm25&level=0.9&hours=24");

        static double Width(JsonElement f) => f.GetProperty("hours").EnumerateArray().Sum(h => h.GetProperty("upper").GetDouble() - h.GetProperty("lower").GetDouble());
        Assert.Equal("pm25", f80.GetProperty("target").GetString());
        Assert.True(Width(f80) < Width(f90), $"80 %: {Width(f80):0.0}, 90 %: {Width(f90):0.0}");
    }

    [Fact]
    public async Task A_batch_answers_every_valid_city_and_a_problem_for_each_invalid_one()
    {
        var body = JsonContent.Create(new { cities = new[] { "Delhi", "Atlantis", "bombay", "Dehli" }, hours_ahead = 24 });
        var response = await app.Http.PostAsync("/api/v1/forecast/batch", body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var batch = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(24, batch.GetProperty("hours_ahead").GetInt32());
        var forecasts = batch.GetProperty("forecasts").EnumerateArray().ToList();
        Assert.Equal(["Delhi", "Mumbai"], forecasts.Select(f => f.GetProperty("city").GetString()));
        Assert.All(forecasts, f => Assert.Equal(24, f.GetProperty("hours").GetArrayLength()));
        var errors = batch.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal(["Atlantis", "Dehli"], errors.Select(e => e.GetProperty("city").GetString()));
        Assert.All(errors, e => Assert.Equal(404, e.GetProperty("status").GetInt32()));
        Assert.Contains("Delhi", errors[1].GetProperty("suggestions").EnumerateArray().Select(s => s.GetString()));
    }

    [Theory]
    [InlineData("{\"cities\": [\"Delhi\"", "body")]
    [InlineData("{\"cities\": []}", "cities")]
    [InlineData("{\"cities\": [\"Delhi\"], \"hours_ahead\": 49}", "hours_ahead")]
    [InlineData("{\"cities\": [\"Delhi\"], \"hours_ahead\": \"soon\"}", "body")]
    [InlineData("{\"cities\": [\"Delhi\"], \"target\": \"ozone\"}", "target")]
    public async Task A_bad_batch_body_is_a_400_problem_naming_what_is_wrong(string json, string parameter)
    {
        var response = await app.Http.PostAsync("/api/v1/forecast/batch", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task Confidence_reports_a_band_per_horizon()
    {
        var c = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/forecast/confidence/Chennai");

        var horizons = c.GetProperty("horizons").EnumerateArray().ToList();
        Assert.Equal(48, horizons.Count);
        Assert.All(horizons, h => Assert.True(h.GetProperty("upper_factor90").GetDouble() >= h.GetProperty("upper_factor80").GetDouble()));
        Assert.False(string.IsNullOrEmpty(c.GetProperty("method").GetString()));
    }

    [Fact]
    public async Task The_model_list_has_every_city_and_performance_shows_a_registry()
    {
        var list = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/models/list");
        var rows = list.GetProperty("models").EnumerateArray().ToList();
        Assert.Equal(56, rows.Select(r => r.GetProperty("city_id").GetString()).Distinct().Count());

        var perf = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/models/performance/Pune");
        Assert.Equal("Pune", perf.GetProperty("city").GetString());
        Assert.True(perf.GetProperty("registry").GetProperty("targets").GetArrayLength() >= 1);
    }

    [Fact]
    public async Task Retraining_needs_an_admin_token_and_is_accepted_with_one()
    {
        var anonymous = await app.Http.PostAsync("/api/v1/models/retrain/Kanpur", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/models/retrain/Kanpur");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", EmbeddedApp.AdminToken);
        var accepted = await app.Http.SendAsync(request);
        Assert.True(accepted.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, accepted.StatusCode.ToString());

        // The answer names the job (queued now, or the one already queued or running), and the job's state can be read.
        var answer = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        var job = answer.GetProperty("job_id").GetInt64();
        if (accepted.StatusCode == HttpStatusCode.Accepted) Assert.Equal($"/api/v1/models/retrain/{job}", accepted.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Http.GetAsync($"/api/v1/models/retrain/{job}")).StatusCode);
        using var read = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/models/retrain/{job}");
        read.Headers.Authorization = new AuthenticationHeaderValue("Bearer", EmbeddedApp.AdminToken);
        var state = await (await app.Http.SendAsync(read)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("kanpur", state.GetProperty("city_id").GetString());
        Assert.Contains(state.GetProperty("state").GetString(), new[] { "queued", "leased", "running", "done", "failed" });
        foreach (var (path, status) in new[] { ("abc", HttpStatusCode.BadRequest), ("-1", HttpStatusCode.BadRequest), ("987654321", HttpStatusCode.NotFound) })
        {
            using var bad = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/models/retrain/{path}");
            bad.Headers.Authorization = new AuthenticationHeaderValue("Bearer", EmbeddedApp.AdminToken);
            Assert.Equal(status, (await app.Http.SendAsync(bad)).StatusCode);
        }

        using var unknown = new HttpRequestMessage(HttpMethod.Post, "/api/v1/models/retrain/Atlantis");
        unknown.Headers.Authorization = new AuthenticationHeaderValue("Bearer", EmbeddedApp.AdminToken);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Http.SendAsync(unknown)).StatusCode);
    }

    [Fact]
    public async Task History_gives_hourly_values_with_sources_and_the_aqi_of_each_hour()
    {
        var h = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/aqi/history/Delhi?hours=12");

        var hours = h.GetProperty("readings").EnumerateArray().ToList();
        Assert.Equal(12, hours.Count);
        Assert.Equal(12, h.GetProperty("count").GetInt32());
        Assert.All(hours, x =>
        {
            Assert.True(x.GetProperty("pm25").GetDouble() > 0);
            Assert.Equal("simulated", x.GetProperty("source").GetString());
            Assert.InRange(x.GetProperty("aqi").GetInt32(), 0, 500);
        });
        var times = hours.Select(x => x.GetProperty("timestamp").GetDateTime()).ToList();
        Assert.Equal(times.Order(), times);
    }
}
