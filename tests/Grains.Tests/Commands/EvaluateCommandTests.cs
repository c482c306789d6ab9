using System.Globalization;
using System.Text;
using System.Text.Json;
using AirQuality.Silo.Commands;
using AirQuality.TestSupport;

namespace AirQuality.Grains.Tests.Commands;

/// <summary>The `evaluate` verb: history file in, per-horizon figures of every family and both baselines out.</summary>
[Collection(ConsoleCapture.Name)]
public sealed class EvaluateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aq-evaluate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task<(int Exit, string Out, string Error)> Run(params string[] args) =>
        ConsoleCapture.Run(() => SiloCommandLine.Build().Parse(args).InvokeAsync());

    /// <summary>20 days of a station's hourly PM2.5 in OpenAQ's export format: a daily cycle over a slow swing, with noise.</summary>
    private string SyntheticOpenAq()
    {
        var path = Path.Combine(_dir, "station.csv");
        var sb = new StringBuilder("location,city,country,utc,local,parameter,value,unit,latitude,longitude,attribution\n");
        var random = new Random(7);
        var start = new DateTime(2021, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var h = 0; h < 20 * 24; h++)
        {
            var t = start.AddHours(h);
            var pm = 80 + 40 * Math.Sin(2 * Math.PI * h / 24) + 25 * Math.Sin(2 * Math.PI * h / (24 * 9)) + random.NextDouble() * 8;
            sb.Append(CultureInfo.InvariantCulture, $"\"Test Station\",Delhi,IN,{t:yyyy-MM-ddTHH:mm:ssZ},{t.AddHours(5.5):yyyy-MM-ddTHH:mm:ss}+05:30,pm25,{pm:0.0},µg/m³,28.6,77.2,x\n");
        }
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    [Fact]
    public async Task Evaluate_writes_per_horizon_figures_for_every_family_and_both_baselines()
    {
        var json = Path.Combine(_dir, "out.json");
        var (exit, output, error) = await Run("evaluate", "--input", SyntheticOpenAq(), "--format", "openaq", "--target", "pm25",
            "--horizons", "1,24", "--test-fraction", "0.2", "--json", json);

        Assert.True(exit == 0, error + output);
        Assert.Contains("champion (chosen on validation)", output);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal("pm25", root.GetProperty("target").GetString());
        Assert.True(root.GetProperty("train").GetProperty("to").GetDateTime() <= root.GetProperty("test").GetProperty("from").GetDateTime());
        var models = root.GetProperty("models");
        foreach (var name in new[] { "persistence", "seasonal_naive", "linear", "random_forest", "gradient_boosting" })
        {
            var m = models.GetProperty(name);
            foreach (var h in new[] { "1", "24" })
                Assert.True(m.GetProperty(h).GetProperty("mae").GetDouble() >= 0, $"{name} at {h} h");
        }
        Assert.True(models.TryGetProperty("lstm", out _) || output.Contains("lstm is unavailable", StringComparison.Ordinal));
        Assert.False(string.IsNullOrEmpty(root.GetProperty("champion").GetString()));
        Assert.InRange(root.GetProperty("intervals").GetProperty("0.9").GetProperty("1").GetDouble(), 0, 1);
        Assert.True(root.GetProperty("train_seconds").EnumerateObject().Any());
    }

    [Fact]
    public async Task Too_short_a_history_is_refused_with_what_it_needs()
    {
        var (exit, _, error) = await Run("evaluate", "--input", Path.Combine(TestServices.SharedData, "history", "openaq_bengaluru_btm_layout_2020-11.csv"),
            "--format", "openaq", "--target", "pm25");

        Assert.Equal(2, exit);
        Assert.Contains("evaluation needs at least", error);
    }

    [Fact]
    public async Task A_file_of_another_format_is_refused()
    {
        var (exit, _, error) = await Run("evaluate", "--input", SyntheticOpenAq(), "--format", "airnow", "--target", "pm25");

        Assert.Equal(2, exit);
        Assert.Contains("is not an AirNow export", error);
        Assert.Contains("Raw Conc.", error);
    }

    [Theory]
    [InlineData("Bogus=1", "'Bogus'")]
    [InlineData("ForestTrees=many", "'many' at 'ForestTrees'")]
    [InlineData("ForestTrees", "is not Name=Value")]
    [InlineData("ForestTrees=0", "--setting ForestTrees is 0; it must be at least 1")]
    public async Task A_training_setting_it_cannot_apply_is_refused_before_any_file_is_read(string setting, string expected)
    {
        var (exit, output, error) = await Run("evaluate", "--input", Path.Combine(_dir, "missing.csv"), "--format", "openaq", "--setting", setting);

        Assert.Equal(2, exit);
        Assert.Contains(expected, error);
        Assert.Contains("ForestTrees", error);
        Assert.DoesNotContain("missing.csv", output + error);
    }

    [Fact]
    public async Task Training_settings_reach_the_families()
    {
        var json = Path.Combine(_dir, "out.json");
        // A single boosting round of a tiny learning rate barely moves from the mean: far worse than the default's fit.
        var (exit, output, error) = await Run("evaluate", "--input", SyntheticOpenAq(), "--format", "openaq", "--horizons", "6", "--json", json,
            "--setting", "BoostingRounds=1", "--setting", "BoostingLearningRate=0.001");
        Assert.True(exit == 0, error + output);
        var weak = Mae(json, "gradient_boosting", "6");
        (exit, output, error) = await Run("evaluate", "--input", SyntheticOpenAq(), "--format", "openaq", "--horizons", "6", "--json", json);
        Assert.True(exit == 0, error + output);
        Assert.True(Mae(json, "gradient_boosting", "6") < 0.8 * weak, $"default {Mae(json, "gradient_boosting", "6"):0.00}, one weak round {weak:0.00}");
    }

    private static double Mae(string json, string model, string horizon)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        return doc.RootElement.GetProperty("models").GetProperty(model).GetProperty(horizon).GetProperty("mae").GetDouble();
    }
}
