using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using AirQuality.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;

namespace AirQuality.WebFront.Tests;

/// <summary>The data-quality flags in the API (`/quality`, the current answer), its errors, its documentation, and the city page's badges.</summary>
[Collection(ApiCollection.Name)]
public sealed class QualityApiTests(EmbeddedAppWithRedis app)
{
    private IGrainFactory Grains => app.App.Services.GetRequiredService<IGrainFactory>();

    [Theory]
    [InlineData("flag=sticky", "flag")]
    [InlineData("flag=stale&source=nowhere", "source")]
    public async Task An_unknown_flag_or_source_is_a_400_problem_naming_the_parameter_and_the_choices(string query, string parameter)
    {
        var response = await app.Http.GetAsync($"/api/v1/quality?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
        Assert.Contains(parameter == "flag" ? "stuck" : "cpcb", problem.GetProperty("detail").GetString());
    }

    [SkippableFact]
    public async Task A_negative_value_pushed_to_a_city_is_flagged_in_its_current_answer_the_quality_list_and_its_page()
    {
        var hour = (await Grains.GetGrain<ICityGrain>(GrainKeys.City("kochi")).GetCurrent())!.Timestamp;
        var accepted = await Grains.GetGrain<ICityGrain>(GrainKeys.City("kochi")).Ingest(
            [new SourceReading("kochi", hour, SourceNames.ImportOpenAq, new Dictionary<Pollutant, double> { [Pollutant.No2] = -7.5 }, null)]);
        Assert.Equal(0, accepted); // rejected on arrival: never in the AQI

        // The all-cities list, filtered by flag: Kochi with its negative NO2 from the import.
        JsonElement list = default;
        await Eventually.UntilAsync(async () =>
        {
            list = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/quality?flag=negative", EmbeddedApp.Json);
            return list.GetProperty("cities").EnumerateArray().Any(c => c.GetProperty("city_id").GetString() == "kochi");
        }, TimeSpan.FromSeconds(20), "kochi listed under flag=negative");
        Assert.Equal("negative", list.GetProperty("flag").GetString());
        var kochi = list.GetProperty("cities").EnumerateArray().Single(c => c.GetProperty("city_id").GetString() == "kochi");
        var flag = Assert.Single(kochi.GetProperty("flags").EnumerateArray());
        Assert.Equal(("negative", "import:openaq", "no2", true),
            (flag.GetProperty("flag").GetString(), flag.GetProperty("source").GetString(), flag.GetProperty("pollutant").GetString(), flag.GetProperty("excluded_from_aqi").GetBoolean()));
        Assert.True(kochi.GetProperty("excluded").GetProperty("import:openaq:no2:negative").GetInt32() >= 1);
        Assert.All(list.GetProperty("cities").EnumerateArray(), c =>
            Assert.All(c.GetProperty("flags").EnumerateArray(), f => Assert.Equal("negative", f.GetProperty("flag").GetString())));

        // Another source's filter leaves Kochi out; no filter lists every city.
        var cpcb = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/quality?flag=negative&source=cpcb", EmbeddedApp.Json);
        Assert.DoesNotContain(cpcb.GetProperty("cities").EnumerateArray(), c => c.GetProperty("city_id").GetString() == "kochi");
        await Eventually.UntilAsync(async () =>
            (await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/quality", EmbeddedApp.Json)).GetProperty("count").GetInt32() == 56,
            TimeSpan.FromSeconds(20), "every city in the unfiltered list");

        // The current answer carries the flag (its cached copy was dropped when the flags changed).
        JsonElement current = default;
        await Eventually.UntilAsync(async () =>
        {
            current = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/aqi/current/Kochi", EmbeddedApp.Json);
            return current.GetProperty("quality").GetProperty("flags").EnumerateArray().Any(f => f.GetProperty("flag").GetString() == "negative");
        }, TimeSpan.FromSeconds(20), "the negative flag in Kochi's current answer");
        Assert.Equal(1, current.GetProperty("quality").GetProperty("excluded").GetProperty("import:openaq:no2:negative").GetInt32());

        // The city page shows it as a badge.
        TestEnvironment.Require(HeadlessBrowser.Available, HeadlessBrowser.Missing);
        using var b = HeadlessBrowser.Open(new Uri(app.BaseAddress, "/#/city/kochi"));
        var badge = b.Until(d => d.FindElements(By.CssSelector("#quality .tag.quality[data-flag='negative']")).FirstOrDefault());
        Assert.Equal("import:openaq", badge.GetAttribute("data-source"));
        Assert.Contains("negative", badge.Text);
        Assert.Contains("NO", badge.Text);
        Assert.Contains("excluded", badge.GetAttribute("class"));
    }

    [Fact]
    public async Task The_quality_endpoint_is_documented_with_its_filters_and_error()
    {
        var doc = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/openapi.json");
        var get = doc.GetProperty("paths").GetProperty("/api/v1/quality").GetProperty("get");
        Assert.Equal("GetDataQuality", get.GetProperty("operationId").GetString());
        Assert.Equal(new string?[] { "flag", "source" }, get.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).Order());
        Assert.True(get.GetProperty("responses").TryGetProperty("200", out _));
        Assert.True(get.GetProperty("responses").TryGetProperty("400", out _));
        Assert.Contains("stuck", get.GetProperty("description").GetString());
    }
}
