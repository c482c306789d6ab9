using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;
using AirQuality.Forecasting.Training;
using Xunit.Abstractions;

namespace AirQuality.Forecasting.Tests;

public class FamilyTests(ITestOutputHelper output)
{
    private static readonly ForecastSettings Quick = ForecastSettings.Quick with { RefitOnAllData = false };

    public static TheoryData<string> Families => new() { "linear", "random_forest", "gradient_boosting", "lstm" };

    [Theory]
    [MemberData(nameof(Families))]
    public void Each_family_learns_a_daily_cycle_far_better_than_persistence(string code)
    {
        Assert.True(ModelFamilies.TryParse(code, out var family));
        var f = ForecastTrainer.DefaultFamilies().First(x => x.Family == family);
        if (f.UnavailableReason is { } why)
        {
            // The LSTM needs TorchSharp's natives; the build makes them load here, so this should not happen.
            Assert.Fail($"{code} is unavailable: {why}");
        }
        var trainer = new ForecastTrainer([f], Quick);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var outcome = trainer.Train(Synthetic.DailyCycle(30), ForecastTarget.Pm25);
        var trained = outcome.Of(family);
        var persistence = outcome.Of(ModelFamily.Persistence).ValidationAverage.Mae;
        output.WriteLine($"{code}: MAE {trained.ValidationAverage.Mae:0.00} vs persistence {persistence:0.00} in {watch.Elapsed.TotalSeconds:0.0} s");
        Assert.Null(trained.Problem);
        Assert.True(trained.ValidationAverage.Mae < 0.6 * persistence, $"{code} MAE {trained.ValidationAverage.Mae:0.00}, persistence {persistence:0.00}");
        Assert.Equal(family, outcome.Champion);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void A_saved_model_loads_and_forecasts_the_same(string code)
    {
        Assert.True(ModelFamilies.TryParse(code, out var family));
        var f = ForecastTrainer.DefaultFamilies().First(x => x.Family == family);
        var series = Synthetic.DailyCycle(20);
        var layout = FeatureLayout.Choose(series, ForecastTarget.Pm25, 0, series.Length);
        var features = new FeatureBuilder(ForecastTarget.Pm25.Values(series), series, layout);
        var model = f.Fit(features, new TrainingWindow(24, 400, 400), Quick, default);
        var artifact = new ModelArtifact(family, layout, Enumerable.Repeat(0.1, 48).ToArray(), Enumerable.Repeat(0.2, 48).ToArray(), model.Save());
        var again = ModelArtifact.Unpack(artifact.Pack());
        var loaded = again.Load([f]);
        var points = new[] { new ForecastPoint(420, 1), new ForecastPoint(420, 24), new ForecastPoint(430, 48) };
        Assert.Equal(model.PredictDeltas(features, points), loaded.PredictDeltas(features, points));
        Assert.Equal(layout, again.Layout);
        Assert.Equal(0.2, again.HalfWidth90[47]);
    }

    [Fact]
    public void An_unavailable_lstm_reports_its_reason_and_the_other_families_serve()
    {
        var families = new IForecastFamily[] { new LinearFamily(), new LstmFamily("TorchSharp could not load: test") };
        var outcome = new ForecastTrainer(families, Quick).Train(Synthetic.DailyCycle(20), ForecastTarget.Pm25);
        var lstm = outcome.Of(ModelFamily.Lstm);
        Assert.False(lstm.Trained);
        Assert.Equal("TorchSharp could not load: test", lstm.Problem);
        Assert.Equal(ModelFamily.Linear, outcome.Champion);
        Assert.Throws<FamilyUnavailableException>(() => families[1].Load([]));
    }

    [Fact]
    public void A_family_whose_native_library_fails_fails_alone_and_the_others_serve()
    {
        var families = new IForecastFamily[] { new LinearFamily(), new NativeFailure() };
        var outcome = new ForecastTrainer(families, Quick).Train(Synthetic.DailyCycle(20), ForecastTarget.Pm25);
        var lstm = outcome.Of(ModelFamily.Lstm);
        Assert.False(lstm.Trained);
        Assert.Equal("Unknown scalar type.", lstm.Problem);
        Assert.True(outcome.Of(ModelFamily.Linear).Trained);
        Assert.Equal(ModelFamily.Linear, outcome.Champion);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Only_the_champion_is_refitted_on_all_history_unless_every_family_is_asked_for(bool all)
    {
        var settings = Quick with { RefitOnAllData = true, RefitAllFamilies = all };
        var families = new IForecastFamily[] { new LinearFamily(), new GradientBoostingFamily() };
        var outcome = new ForecastTrainer(families, settings).Train(Synthetic.DailyCycle(20), ForecastTarget.Pm25);
        var validatedOnly = new ForecastTrainer(families, Quick).Train(Synthetic.DailyCycle(20), ForecastTarget.Pm25);
        foreach (var family in new[] { ModelFamily.Linear, ModelFamily.GradientBoosting })
        {
            var refitted = all || family == outcome.Champion;
            var o = outcome.Of(family);
            Assert.Equal(refitted, o.Refitted);
            // A refitted model learned from the validation hours too; its validation figures stay those of the validated fit.
            var validated = validatedOnly.Of(family);
            Assert.Equal(refitted, o.Samples > validated.Samples);
            Assert.Equal(validated.ValidationAverage.Mae, o.ValidationAverage.Mae, 6);
        }
    }

    /// <summary>A family failing the way TorchSharp reports a native error.</summary>
    private sealed class NativeFailure : IForecastFamily
    {
        public ModelFamily Family => ModelFamily.Lstm;

        public string? UnavailableReason => null;

        public IForecastModel Fit(FeatureBuilder features, TrainingWindow window, ForecastSettings settings, CancellationToken cancellationToken) =>
            throw new System.Runtime.InteropServices.ExternalException("Unknown scalar type.");

        public IForecastModel Load(byte[] bytes) => throw new NotSupportedException();
    }

    [Fact]
    public void Bands_calibrated_on_validation_cover_about_their_level_there()
    {
        var outcome = new ForecastTrainer([new GradientBoostingFamily()], Quick).Train(Synthetic.DailyCycle(30, seed: 5), ForecastTarget.Pm25);
        var coverage = outcome.Of(ModelFamily.GradientBoosting).ValidationCoverage!;
        Assert.InRange(coverage[0.9], 0.85, 0.97);
        Assert.InRange(coverage[0.8], 0.74, 0.9);
    }
}
