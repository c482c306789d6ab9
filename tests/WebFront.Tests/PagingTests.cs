using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace AirQuality.WebFront.Tests;

/// <summary>Rankings, the catalog, comparisons and batches page like OpenAQ (`limit`, `page`, `meta.found`) and filter.</summary>
[Collection(ApiCollection.Name)]
public sealed class PagingTests(EmbeddedAppWithRedis app)
{
    private async Task<JsonElement> Get(string path)
    {
        var response = await app.Http.GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static (int Found, int Page, int Limit) Meta(JsonElement body)
    {
        var m = body.GetProperty("meta");
        return (m.GetProperty("found").GetInt32(), m.GetProperty("page").GetInt32(), m.GetProperty("limit").GetInt32());
    }

    private static List<string> Ids(JsonElement body, string list, string id = "city_id") =>
        body.GetProperty(list).EnumerateArray().Select(r => r.GetProperty(id).GetString()!).ToList();

    [Fact]
    public async Task Rankings_pages_put_together_are_the_whole_ranking_with_ranks_running_on()
    {
        // A city reporting between the requests may reorder the ranking: a few rounds are tried, one must agree.
        var seen = new List<string>();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var whole = await Get("/api/v1/cities/rankings");
            var pages = new[] { await Get("/api/v1/cities/rankings?limit=20"), await Get("/api/v1/cities/rankings?limit=20&page=2"), await Get("/api/v1/cities/rankings?limit=20&page=3") };

            Assert.Equal((56, 1, 100), Meta(whole));
            Assert.Equal(56, whole.GetProperty("count").GetInt32());
            Assert.Equal([(56, 1, 20), (56, 2, 20), (56, 3, 20)], pages.Select(Meta));
            Assert.Equal([20, 20, 16], pages.Select(p => p.GetProperty("count").GetInt32()));
            Assert.Equal(Enumerable.Range(1, 56), pages.SelectMany(p => p.GetProperty("rankings").EnumerateArray().Select(r => r.GetProperty("rank").GetInt32())));
            var joined = pages.SelectMany(p => Ids(p, "rankings")).ToList();
            if (joined.SequenceEqual(Ids(whole, "rankings"))) return;
            seen.Add(string.Join(",", joined.Take(5)));
        }
        Assert.Fail("the pages never matched the whole ranking: " + string.Join("; ", seen));
    }

    [Fact]
    public async Task Model_list_pages_put_together_are_the_whole_list_and_filters_count_cities()
    {
        var whole = await Get("/api/v1/models/list");
        var pages = new[] { await Get("/api/v1/models/list?limit=25"), await Get("/api/v1/models/list?limit=25&page=2"), await Get("/api/v1/models/list?limit=25&page=3") };

        Assert.Equal((56, 1, 100), Meta(whole));
        Assert.Equal([(56, 1, 25), (56, 2, 25), (56, 3, 25)], pages.Select(Meta));
        List<string> Cities(JsonElement body) => Ids(body, "models").Distinct().ToList();
        Assert.Equal([25, 25, 6], pages.Select(p => Cities(p).Count));
        Assert.Equal(Cities(whole), pages.SelectMany(Cities));
        Assert.All(pages, p => Assert.Equal(p.GetProperty("models").GetArrayLength(), p.GetProperty("count").GetInt32()));

        var state = await Get("/api/v1/models/list?state=maharashtra");
        var catalog = await Get("/api/v1/cities/?state=Maharashtra");
        Assert.Equal(Meta(catalog).Found, Meta(state).Found);
        Assert.InRange(Meta(state).Found, 2, 55);
        Assert.Equal(Ids(catalog, "cities", "id"), Cities(state));
    }

    [Fact]
    public async Task A_page_past_the_end_is_empty_and_still_counts_what_was_found()
    {
        var rankings = await Get("/api/v1/cities/rankings?limit=10&page=7");
        var cities = await Get("/api/v1/cities/?limit=10&page=7");

        Assert.Equal(0, rankings.GetProperty("count").GetInt32());
        Assert.Equal(0, rankings.GetProperty("rankings").GetArrayLength());
        Assert.Equal((56, 7, 10), Meta(rankings));
        Assert.Equal(0, cities.GetProperty("count").GetInt32());
        Assert.Equal((56, 7, 10), Meta(cities));
    }

    [Fact]
    public async Task The_catalog_pages_in_catalog_order()
    {
        var all = await Get("/api/v1/cities/");
        var last = await Get("/api/v1/cities/?limit=25&page=3");

        Assert.Equal((56, 1, 100), Meta(all));
        Assert.Equal(56, all.GetProperty("count").GetInt32());
        Assert.Equal(6, last.GetProperty("count").GetInt32());
        Assert.Equal(Ids(all, "cities", "id").Skip(50), Ids(last, "cities", "id"));
    }

    [Fact]
    public async Task State_and_bbox_filter_the_catalog_and_the_rankings_alike()
    {
        var maharashtra = await Get("/api/v1/cities/?state=maharashtra");
        var ranked = await Get("/api/v1/cities/rankings?state=Maharashtra&standard=us");

        var found = Meta(maharashtra).Found;
        Assert.InRange(found, 2, 55);
        Assert.All(maharashtra.GetProperty("cities").EnumerateArray(), c => Assert.Equal("Maharashtra", c.GetProperty("state").GetString()));
        Assert.Equal(found, Meta(ranked).Found);
        Assert.Equal(Ids(maharashtra, "cities", "id").Order(), Ids(ranked, "rankings").Order());

        // Delhi NCR: a box of about 70 x 70 km around Delhi.
        const string box = "76.8,28.3,77.6,28.9";
        var inBox = await Get($"/api/v1/cities/?bbox={box}");
        var rankedInBox = await Get($"/api/v1/cities/rankings?bbox={box}");
        Assert.Contains("delhi", Ids(inBox, "cities", "id"));
        Assert.DoesNotContain("mumbai", Ids(inBox, "cities", "id"));
        Assert.All(inBox.GetProperty("cities").EnumerateArray(), c =>
        {
            Assert.InRange(c.GetProperty("longitude").GetDouble(), 76.8, 77.6);
            Assert.InRange(c.GetProperty("latitude").GetDouble(), 28.3, 28.9);
        });
        Assert.Equal(Ids(inBox, "cities", "id").Order(), Ids(rankedInBox, "rankings").Order());
        Assert.Equal(Meta(inBox).Found, Meta(rankedInBox).Found);
    }

    [Fact]
    public async Task Category_filters_the_rankings_by_the_standards_category_name()
    {
        // The top city's category, asked in the snake form (`very_poor`): every row has it, and the count agrees with
        // the whole ranking's rows of that category (a few rounds: a city may report between the requests).
        var tries = new List<string>();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var whole = await Get("/api/v1/cities/rankings?limit=1000");
            var category = whole.GetProperty("rankings")[0].GetProperty("category").GetString()!;
            var asked = category.ToLowerInvariant().Replace(' ', '_');
            var filtered = await Get($"/api/v1/cities/rankings?category={asked}");

            Assert.All(filtered.GetProperty("rankings").EnumerateArray(), r => Assert.Equal(category, r.GetProperty("category").GetString()));
            var expected = whole.GetProperty("rankings").EnumerateArray().Count(r => r.GetProperty("category").GetString() == category);
            Assert.InRange(Meta(filtered).Found, 1, 56);
            if (Meta(filtered).Found == expected && filtered.GetProperty("rankings")[0].GetProperty("rank").GetInt32() == 1) return;
            tries.Add($"{category}: {Meta(filtered).Found} of {expected}");
        }
        Assert.Fail("the category filter never agreed with the whole ranking: " + string.Join("; ", tries));
    }

    [Theory]
    [InlineData("/api/v1/cities/rankings?limit=1001", "limit")]
    [InlineData("/api/v1/cities/rankings?limit=-5", "limit")]
    [InlineData("/api/v1/cities/rankings?page=0", "page")]
    [InlineData("/api/v1/cities/rankings?page=two", "page")]
    [InlineData("/api/v1/cities/rankings?page=100001", "page")]
    [InlineData("/api/v1/cities/rankings?category=purple", "category")]
    [InlineData("/api/v1/cities/rankings?standard=us&category=severe", "category")]
    [InlineData("/api/v1/cities/rankings?bbox=76,28,77", "bbox")]
    [InlineData("/api/v1/cities/rankings?bbox=a,b,c,d", "bbox")]
    [InlineData("/api/v1/cities/rankings?bbox=78,28,77,29", "bbox")]
    [InlineData("/api/v1/cities/rankings?bbox=76,28,190,29", "bbox")]
    [InlineData("/api/v1/cities/rankings?bbox=76,NaN,77,29", "bbox")]
    [InlineData("/api/v1/cities/?limit=5000", "limit")]
    [InlineData("/api/v1/cities/?page=-1", "page")]
    [InlineData("/api/v1/cities/?bbox=1,2,3,4,5", "bbox")]
    [InlineData("/api/v1/cities/compare?cities=Delhi&limit=21", "limit")]
    [InlineData("/api/v1/cities/compare?cities=Delhi&page=0", "page")]
    [InlineData("/api/v1/models/list?limit=501", "limit")]
    [InlineData("/api/v1/models/list?page=0", "page")]
    [InlineData("/api/v1/models/list?bbox=78,28,77,29", "bbox")]
    public async Task Bad_paging_and_filter_values_are_400_problems_naming_the_parameter(string path, string parameter)
    {
        var response = await app.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
        Assert.Contains(parameter, problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_state_name_longer_than_any_is_a_400()
    {
        var response = await app.Http.GetAsync("/api/v1/cities/rankings?state=" + new string('x', 65));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("state", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task Compare_pages_over_the_known_cities_in_the_order_asked_and_lists_every_unknown_name()
    {
        var second = await Get("/api/v1/cities/compare?cities=Delhi,Mumbai,Dehli,Bengaluru&limit=2&page=2");
        var first = await Get("/api/v1/cities/compare?cities=Delhi,Mumbai,Dehli,Bengaluru&limit=2");

        Assert.Equal(["bengaluru"], Ids(second, "cities"));
        Assert.Equal((3, 2, 2), Meta(second));
        Assert.Equal(["delhi", "mumbai"], Ids(first, "cities"));
        Assert.Equal((3, 1, 2), Meta(first));
        Assert.Equal(["Dehli"], second.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("city").GetString()));
        Assert.Equal(["Dehli"], first.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("city").GetString()));
    }

    [Fact]
    public async Task A_batch_pages_over_the_known_cities_by_query_limit_and_page()
    {
        var body = new { cities = new[] { "Delhi", "Atlantis", "bombay", "Pune", "Delhi" }, hours_ahead = 6 };
        var second = await app.Http.PostAsync("/api/v1/forecast/batch?limit=2&page=2", JsonContent.Create(body));
        var whole = await app.Http.PostAsync("/api/v1/forecast/batch", JsonContent.Create(body));
        var bad = await app.Http.PostAsync("/api/v1/forecast/batch?limit=1001", JsonContent.Create(body));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var page = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["pune"], Ids(page, "forecasts"));
        Assert.Equal(1, page.GetProperty("count").GetInt32());
        Assert.Equal((3, 2, 2), Meta(page));
        Assert.Equal(["Atlantis"], page.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("city").GetString()));
        var all = await whole.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["delhi", "mumbai", "pune"], Ids(all, "forecasts"));
        Assert.Equal((3, 1, 100), Meta(all));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("limit", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task The_openapi_document_shows_meta_in_the_examples_and_the_paging_parameters()
    {
        var doc = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/openapi.json");

        var rankings = doc.GetProperty("paths").GetProperty("/api/v1/cities/rankings").GetProperty("get");
        var names = rankings.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Superset(new HashSet<string?> { "limit", "page", "state", "category", "bbox" }, names.ToHashSet());
        var example = rankings.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("example");
        Assert.Equal(56, example.GetProperty("meta").GetProperty("found").GetInt32());
        Assert.Equal(example.GetProperty("rankings").GetArrayLength().ToString(CultureInfo.InvariantCulture),
            example.GetProperty("count").GetInt32().ToString(CultureInfo.InvariantCulture));
    }
}
