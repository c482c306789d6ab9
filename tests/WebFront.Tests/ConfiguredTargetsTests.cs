using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace AirQuality.WebFront.Tests;

/// <summary>One city that forecasts PM2.5 only (`Forecasting:Targets=pm25`).</summary>
public sealed class Pm25OnlyApp : EmbeddedApp
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aq-catalog-").FullName;

    public Pm25OnlyApp() =>
        File.WriteAllText(Path.Combine(_dir, "cities.csv"), "name,state,lat,lon,cpcb_stations_2022\nDelhi,Delhi,28.564,77.145,40\n");

    protected override IEnumerable<string> Settings =>
        [$"--Cities:CatalogPath={Path.Combine(_dir, "cities.csv")}", "--Forecasting:Targets=pm25", "--Forecasting:LstmEnabled=false", "--RateLimiting:Enabled=false"];

    protected override int ReadyCities => 1;

    protected override bool InMemory => true;
}

/// <summary>The forecast API accepts and lists the targets of `Forecasting:Targets`, not a fixed list.</summary>
public sealed class ConfiguredTargetsTests(Pm25OnlyApp app) : IClassFixture<Pm25OnlyApp>
{
    [Fact]
    public async Task A_target_left_out_of_the_configuration_is_a_400_naming_the_configured_ones()
    {
        var response = await app.Http.GetAsync("/api/v1/forecast/Delhi?target=aqi");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("target", problem.GetProperty("parameter").GetString());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("'pm25'", detail);
        Assert.DoesNotContain("aqi", detail);

        var batch = await app.Http.PostAsync("/api/v1/forecast/batch",
            new StringContent("{\"cities\": [\"Delhi\"], \"target\": \"aqi\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, batch.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Http.GetAsync("/api/v1/forecast/confidence/Delhi?target=aqi")).StatusCode);
    }

    [Fact]
    public async Task The_configured_target_is_served_by_default_and_the_only_one_the_registry_lists()
    {
        var f = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/forecast/Delhi?hours=3");
        Assert.Equal("pm25", f.GetProperty("target").GetString());
        Assert.Equal("ug/m3", f.GetProperty("unit").GetString());
        var alias = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/forecast/Delhi?hours=3&target=pm2.5");
        Assert.Equal("pm25", alias.GetProperty("target").GetString());

        var performance = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/models/performance/delhi");
        var targets = performance.GetProperty("registry").GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("target").GetString());
        Assert.Equal(["pm25"], targets);
        var list = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/models/list");
        var rows = list.GetProperty("models").EnumerateArray().ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal("pm25", r.GetProperty("target").GetString()));
    }
}
