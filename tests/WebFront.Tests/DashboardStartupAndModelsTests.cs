using AirQuality.TestSupport;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AirQuality.WebFront.Tests;

/// <summary>A system that has just started and whose cities have no readings yet (no source is on).</summary>
public sealed class ColdApp : EmbeddedApp
{
    protected override IEnumerable<string> Settings => ["--Sources:Simulated:Enabled=false", "--RateLimiting:Enabled=false"];

    protected override int ReadyCities => 0;
}

/// <summary>Two cities with enough history to train every family quickly, so the registry has versions of both targets.</summary>
public sealed class TrainedApp : EmbeddedApp
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aq-catalog-").FullName;

    public TrainedApp()
    {
        File.WriteAllText(Path.Combine(_dir, "cities.csv"), "name,state,lat,lon,cpcb_stations_2022\nDelhi,Delhi,28.564,77.145,40\nMumbai,Maharashtra,19.194,72.942,20\n");
        File.WriteAllText(Path.Combine(_dir, "aliases.csv"), "alias,city\nBombay,Mumbai\n");
    }

    protected override IEnumerable<string> Settings =>
    [
        $"--Cities:CatalogPath={Path.Combine(_dir, "cities.csv")}", $"--Cities:AliasesPath={Path.Combine(_dir, "aliases.csv")}",
        "--Cities:BackfillDays=16", "--Forecasting:LstmEnabled=false", "--Forecasting:Training:ForestTrees=10",
        "--Forecasting:Training:BoostingRounds=20", "--RateLimiting:Enabled=false",
    ];

    protected override int ReadyCities => 2;

    /// <summary>Waits until Delhi's registry holds trained versions of both targets.</summary>
    public Task WaitForModels() =>
        Eventually.UntilAsync(async () =>
        {
            var p = await Http.GetFromJsonAsync<JsonElement>("/api/v1/models/performance/delhi", Json);
            var targets = p.GetProperty("registry").GetProperty("targets").EnumerateArray().ToList();
            return targets.Count == 2 && targets.All(t => t.GetProperty("versions").GetArrayLength() >= 3)
                ? null
                : string.Join(", ", targets.Select(t => $"{t.GetProperty("versions").GetArrayLength()} versions")) + $" of {targets.Count} targets";
        }, TimeSpan.FromSeconds(120), "Delhi's registry holding three versions of both targets");
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DashboardStartupCollection : ICollectionFixture<ColdApp>, ICollectionFixture<TrainedApp>
{
    public const string Name = "dashboard-startup";
}

/// <summary>The dashboard while cities are still starting, and its explanation of a trained model registry.</summary>
[Collection(DashboardStartupCollection.Name)]
public sealed partial class DashboardStartupAndModelsTests(ColdApp cold, TrainedApp trained)
{
    [SkippableFact]
    public void While_no_city_has_reported_the_overview_says_it_is_warming_up_and_marks_the_cities_waiting()
    {
        TestEnvironment.Require(HeadlessBrowser.Available, HeadlessBrowser.Missing);
        using var b = HeadlessBrowser.Open(new Uri(cold.BaseAddress, "/#/"));
        b.Until(d => b.FindAll("#map a.marker").Count == 56 ? "ok" : null);

        var note = b.Until(d => b.Find("#warming") is { Displayed: true } w ? w.Text : null);
        Assert.Contains("Warming up", note);
        Assert.Contains("56 cities", note);
        Assert.Equal("status", b.Find("#warming").GetAttribute("role"));
        Assert.All(b.FindAll("#map a.marker"), m => Assert.Contains("no reading yet", m.GetAttribute("aria-label")));
        Assert.Equal("…", b.Find("#map a.marker text").Text);
        Assert.Contains("(0 of 56 cities", b.Find("#rank-count").Text);
    }

    [SkippableFact]
    public async Task The_model_view_numbers_versions_per_target_explains_its_figures_and_fits_its_panel()
    {
        TestEnvironment.Require(HeadlessBrowser.Available, HeadlessBrowser.Missing);
        await trained.WaitForModels();
        var registry = (await trained.Http.GetFromJsonAsync<JsonElement>("/api/v1/models/performance/delhi", EmbeddedApp.Json)).GetProperty("registry");

        using var b = HeadlessBrowser.Open(new Uri(trained.BaseAddress, "/#/city/delhi"), 1000, 1000);
        b.Until(d => b.FindAll("#models table.versions").Count == 2 ? "ok" : null);

        foreach (var target in registry.GetProperty("targets").EnumerateArray())
        {
            var name = target.GetProperty("target").GetString()!;
            var count = target.GetProperty("versions").GetArrayLength();
            var labels = b.FindAll($"#models .target[data-target='{name}'] table.versions tbody th").Select(e => e.Text.Split(' ')[0]).ToList();
            // Each target counts its own versions from v1, as /models/list counts them.
            Assert.Equal(Enumerable.Range(1, count).Reverse().Select(i => $"v{i}"), labels);
            Assert.Contains($"{count} version", b.Find($"#models .target[data-target='{name}'] caption").Text);
            Assert.Contains("Why:", b.Find($"#models .target[data-target='{name}'] .why").Text);
        }
        var text = b.Find("#models").Text;
        // No registry-wide number leaks out: every "vN" shown is a version its target has.
        var most = registry.GetProperty("targets").EnumerateArray().Max(t => t.GetProperty("versions").GetArrayLength());
        Assert.All(VersionPattern().Matches(text + " " + b.Find("#chart-note").Text), m => Assert.InRange(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 1, most));
        // Its figures are explained: which window the "why" compares on, what MAE and a negative R² mean.
        Assert.Contains("newest validation window", text);
        Assert.Contains("below 0 worse than that", text);
        Assert.Contains("Live skill: not yet measured", text);
        Assert.Contains("Retrained", text);
        // The tables stay inside the panel.
        Assert.True(b.Js<bool>("const m = document.getElementById('models'); return m.scrollWidth <= m.clientWidth && [...m.querySelectorAll('table')].every(t => t.getBoundingClientRect().right <= m.getBoundingClientRect().right + 0.5)"));
    }

    [GeneratedRegex(@"\bv(\d+)\b")]
    private static partial Regex VersionPattern();
}
