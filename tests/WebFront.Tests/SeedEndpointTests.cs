using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace AirQuality.WebFront.Tests;

/// <summary>The endpoints of the seed answer with the documented JSON.</summary>
[Collection(ApiCollection.Name)]
public sealed class SeedEndpointTests(EmbeddedAppWithRedis app)
{
    private async Task<JsonElement> Get(string path, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await app.Http.GetAsync(path);
        Assert.True(expected == response.StatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task Health_reports_database_cache_and_cluster()
    {
        // Right after start a check may still be settling (the Redis connection is made in the background); the
        // answer must become healthy, and while it is not it says which check is not.
        var health = default(JsonElement);
        await AirQuality.TestSupport.Eventually.UntilAsync(async () =>
        {
            health = await Get("/api/v1/health");
            return health.GetProperty("status").GetString() == "healthy" ? null : health.GetRawText();
        }, TimeSpan.FromSeconds(30), "a healthy answer");

        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.Equal("memory", health.GetProperty("database").GetString());
        Assert.Equal("connected", health.GetProperty("cache").GetString());
        Assert.Equal(1, health.GetProperty("cluster").GetProperty("active_silos").GetInt32());
        Assert.False(string.IsNullOrEmpty(health.GetProperty("version").GetString()));
        Assert.True(health.TryGetProperty("timestamp", out _));
        var simulated = health.GetProperty("sources").EnumerateArray().Single(x => x.GetProperty("name").GetString() == "simulated");
        Assert.Equal("ok", simulated.GetProperty("status").GetString());
        Assert.Contains(health.GetProperty("sources").EnumerateArray(), x => x.GetProperty("name").GetString() == "cpcb" && x.GetProperty("status").GetString() == "off");
    }

    [Fact]
    public async Task Cities_lists_all_56_with_coordinates_and_aliases()
    {
        var cities = await Get("/api/v1/cities/");

        Assert.Equal(56, cities.GetProperty("count").GetInt32());
        var bengaluru = cities.GetProperty("cities").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "Bengaluru");
        Assert.Equal("Karnataka", bengaluru.GetProperty("state").GetString());
        Assert.InRange(bengaluru.GetProperty("latitude").GetDouble(), 12, 13.5);
        Assert.Contains("Bangalore", bengaluru.GetProperty("aliases").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(HttpStatusCode.OK, (await app.Http.GetAsync("/api/v1/cities")).StatusCode);
    }

    [Fact]
    public async Task Current_answers_in_the_seed_shape_with_standard_source_and_completeness()
    {
        var current = await Get("/api/v1/aqi/current/Delhi");

        Assert.Equal("Delhi", current.GetProperty("city").GetString());
        Assert.InRange(current.GetProperty("aqi").GetInt32(), 0, 500);
        Assert.False(string.IsNullOrEmpty(current.GetProperty("category").GetString()));
        Assert.True(current.GetProperty("pm25").GetDouble() > 0);
        Assert.True(current.GetProperty("pm10").GetDouble() > 0);
        Assert.EndsWith("Z", current.GetProperty("timestamp").GetString());
        Assert.Equal("in", current.GetProperty("standard").GetString());
        Assert.Equal("simulated", current.GetProperty("source").GetString());
        Assert.True(current.GetProperty("simulated").GetBoolean());
        Assert.True(current.GetProperty("complete").GetBoolean());
        var dominant = current.GetProperty("dominant_pollutant").GetString();
        var top = current.GetProperty("sub_indices").EnumerateArray().MaxBy(s => s.GetProperty("sub_index").GetInt32());
        Assert.Equal(top.GetProperty("pollutant").GetString(), dominant);
        Assert.Equal(current.GetProperty("aqi").GetInt32(), top.GetProperty("sub_index").GetInt32());
    }

    [Theory]
    [InlineData("bombay", "Mumbai")]
    [InlineData("BANGALORE", "Bengaluru")]
    [InlineData("new%20delhi", "Delhi")]
    [InlineData("Gurgaon", "Gurugram")]
    [InlineData("vizag", "Visakhapatnam")]
    public async Task Cities_resolve_by_alias_and_any_case(string asked, string expected)
    {
        var current = await Get($"/api/v1/aqi/current/{asked}");
        Assert.Equal(expected, current.GetProperty("city").GetString());
    }

    [Fact]
    public async Task The_us_standard_is_answered_when_asked()
    {
        var current = await Get("/api/v1/aqi/current/Delhi?standard=us");

        Assert.Equal("us", current.GetProperty("standard").GetString());
        Assert.StartsWith("US-EPA-", current.GetProperty("table").GetString());
        Assert.Contains(current.GetProperty("sub_indices").EnumerateArray(), s => s.GetProperty("averaging").GetString() == "nowcast");
    }

    [Fact]
    public async Task Rankings_are_ordered_limited_and_follow_the_standard()
    {
        var desc = await Get("/api/v1/cities/rankings?limit=10");
        var asc = await Get("/api/v1/cities/rankings?order=asc&limit=5&standard=us");

        var aqis = desc.GetProperty("rankings").EnumerateArray().Select(r => r.GetProperty("aqi").GetInt32()).ToList();
        Assert.Equal(10, aqis.Count);
        Assert.Equal(aqis.OrderByDescending(a => a), aqis);
        Assert.Equal(1, desc.GetProperty("rankings")[0].GetProperty("rank").GetInt32());
        var ascAqis = asc.GetProperty("rankings").EnumerateArray().Select(r => r.GetProperty("aqi").GetInt32()).ToList();
        Assert.Equal(5, ascAqis.Count);
        Assert.Equal(ascAqis.Order(), ascAqis);
        Assert.Equal("us", asc.GetProperty("standard").GetString());
    }

    [Fact]
    public async Task Pollutants_show_concentration_unit_averaging_and_sub_index()
    {
        var body = await Get("/api/v1/aqi/pollutants/Chennai");

        var rows = body.GetProperty("pollutants").EnumerateArray().ToList();
        var co = rows.Single(p => p.GetProperty("pollutant").GetString() == "co");
        Assert.Equal("mg/m3", co.GetProperty("unit").GetString());
        Assert.Equal("8h", co.GetProperty("averaging").GetString());
        Assert.True(co.GetProperty("sub_index").GetInt32() >= 0);
        var pm = rows.Single(p => p.GetProperty("pollutant").GetString() == "pm25");
        Assert.Equal("ug/m3", pm.GetProperty("unit").GetString());
        Assert.Equal("24h", pm.GetProperty("averaging").GetString());
        Assert.Equal("simulated", pm.GetProperty("source").GetString());
    }

    [Fact]
    public async Task Calculator_reports_pm25_45_alone_as_sub_index_75_and_incomplete()
    {
        var r = await Get("/api/v1/aqi/calculate?pm25=45");

        Assert.Equal(JsonValueKind.Null, r.GetProperty("aqi").ValueKind);
        Assert.False(r.GetProperty("complete").GetBoolean());
        Assert.Equal(75, r.GetProperty("provisional_aqi").GetInt32());
        var sub = Assert.Single(r.GetProperty("sub_indices").EnumerateArray());
        Assert.Equal(75, sub.GetProperty("sub_index").GetInt32());
        Assert.NotEmpty(r.GetProperty("notes").EnumerateArray());
    }

    [Fact]
    public async Task Calculator_uses_the_us_table_of_the_date_given()
    {
        var before = await Get("/api/v1/aqi/calculate?standard=us&pm25=12.0&at=2024-05-05");
        var after = await Get("/api/v1/aqi/calculate?standard=us&pm25=12.0&at=2024-05-06");

        Assert.Equal(50, before.GetProperty("aqi").GetInt32());
        Assert.Equal("US-EPA-2012", before.GetProperty("table").GetString());
        Assert.True(after.GetProperty("aqi").GetInt32() > 50);
        Assert.Equal("US-EPA-2024", after.GetProperty("table").GetString());
    }

    [Fact]
    public async Task An_unknown_city_is_a_404_problem_with_suggestions()
    {
        var response = await app.Http.GetAsync("/api/v1/aqi/current/Dehli");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.Contains("Delhi", problem.GetProperty("suggestions").EnumerateArray().Select(s => s.GetString()));
    }

    [Theory]
    [InlineData("/api/v1/aqi/current/Delhi?standard=eu", "standard")]
    [InlineData("/api/v1/cities/rankings?limit=0", "limit")]
    [InlineData("/api/v1/cities/rankings?limit=abc", "limit")]
    [InlineData("/api/v1/cities/rankings?order=sideways", "order")]
    [InlineData("/api/v1/aqi/calculate?pm25=-3", "pm25")]
    [InlineData("/api/v1/aqi/calculate?pm25=1e400", "pm25")]
    [InlineData("/api/v1/aqi/calculate?pm25=40&at=yesterday", "at")]
    [InlineData("/api/v1/aqi/calculate", "pm25")]
    [InlineData("/api/v1/cities/compare", "cities")]
    public async Task Bad_query_values_are_400_problems_naming_the_parameter(string path, string parameter)
    {
        var response = await app.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
        Assert.Contains(parameter, problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Compare_gives_current_last_24h_and_trend_per_city()
    {
        var body = await Get("/api/v1/cities/compare?cities=Delhi,Mumbai,Bengaluru");

        var cities = body.GetProperty("cities").EnumerateArray().ToList();
        Assert.Equal(["Delhi", "Mumbai", "Bengaluru"], cities.Select(c => c.GetProperty("city").GetString()));
        foreach (var c in cities)
        {
            var day = c.GetProperty("last_24h");
            Assert.Equal(24, day.GetProperty("hours").GetInt32());
            Assert.True(day.GetProperty("aqi_max").GetInt32() >= day.GetProperty("aqi_mean").GetDouble());
            Assert.Contains(c.GetProperty("trend").GetProperty("direction").GetString(), new[] { "rising", "falling", "steady" });
            var peak = c.GetProperty("forecast_peak");
            Assert.InRange(peak.GetProperty("aqi").GetInt32(), 0, 500);
            Assert.False(string.IsNullOrEmpty(peak.GetProperty("model").GetString()));
        }
    }

    [Fact]
    public async Task Compare_answers_the_valid_cities_and_lists_unknown_ones_with_suggestions()
    {
        var body = await Get("/api/v1/cities/compare?cities=Delhi,Dehli,Bombay,Nowhere%20City");

        Assert.Equal(["Delhi", "Mumbai"], body.GetProperty("cities").EnumerateArray().Select(c => c.GetProperty("city").GetString()));
        Assert.Equal(2, body.GetProperty("count").GetInt32());
        var errors = body.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal(["Dehli", "Nowhere City"], errors.Select(e => e.GetProperty("city").GetString()));
        Assert.All(errors, e => Assert.Equal(404, e.GetProperty("status").GetInt32()));
        Assert.Contains("Delhi", errors[0].GetProperty("suggestions").EnumerateArray().Select(s => s.GetString()));

        // Only unknown names: still an answer, with nothing compared and every name listed.
        var none = await Get("/api/v1/cities/compare?cities=Dehli");
        Assert.Equal(0, none.GetProperty("count").GetInt32());
        Assert.Equal("Dehli", none.GetProperty("errors")[0].GetProperty("city").GetString());
    }
}
