using AirQuality.Forecasting.Features;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;
using AirQuality.Forecasting.Training;

namespace AirQuality.Forecasting.Tests;

/// <summary>The champion comparison, the ridge family's repeatability and out-of-sample band coverage.</summary>
public class TrainerProtocolTests
{
    private static readonly ForecastSettings Quick = ForecastSettings.Quick with { Ensemble = false };

    [Fact]
    public void An_incumbent_that_trained_on_the_validation_hours_cannot_win_by_it()
    {
        var series = Synthetic.DailyCycle(30, seed: 3);
        var y = ForecastTarget.Pm25.Values(series);
        var layout = FeatureLayout.Choose(series, ForecastTarget.Pm25, 0, series.Length);
        var features = new FeatureBuilder(y, series, layout);
        // Fitted on every hour, the validation hours included: in sample there it looks better than it is.
        var cheat = new GradientBoostingFamily().Fit(features, new TrainingWindow(ForecastTrainer.FirstOrigin, series.Length, series.Length), Quick, default);
        // The challenger as the model alone (no shrinkage toward the daily profile), so that the in-sample score can flatter the incumbent.
        var trainer = new ForecastTrainer([new LinearFamily()], Quick with { ShrinkToProfile = false });

        var outcome = trainer.Train(series, ForecastTarget.Pm25, new IncumbentModel(cheat, layout, series.End));

        Assert.NotNull(outcome.Comparison);
        Assert.Equal(0, outcome.Comparison!.Points);
        Assert.Null(outcome.Comparison.IncumbentMae);
        Assert.False(outcome.Incumbent!.Trained);
        // Scored the old way (on the validation hours it learned), the incumbent would have kept serving.
        var inSample = Evaluation.Backtest.Run(cheat, features, new TrainingWindow(outcome.ValidationStart, series.Length, series.Length));
        var inSampleMae = Evaluation.ForecastMetrics.Average(TrainingWindow.AllHorizons.Select(inSample.Metrics)).Mae;
        Assert.True(inSampleMae < outcome.Of(ModelFamily.Linear).ValidationAverage.Mae, "the in-sample score should flatter the incumbent");
        Assert.Equal(ServingDecision.Promote, ChampionSelection.Decide(true, outcome.Comparison.ChallengerMae!.Value, outcome.Comparison.IncumbentMae, true,
            outcome.Of(ModelFamily.Persistence).ValidationAverage.Mae));
    }

    [Fact]
    public void An_incumbent_is_scored_only_on_forecasts_after_its_training()
    {
        var series = Synthetic.DailyCycle(40, seed: 4);
        var early = series.Slice(0, series.Length - 5 * 24);
        var trainer = new ForecastTrainer([new LinearFamily()], Quick);
        var first = trainer.Train(early, ForecastTarget.Pm25);
        var served = first.Of(ModelFamily.Linear);

        var second = trainer.Train(series, ForecastTarget.Pm25, new IncumbentModel(served.Model!, first.Layout, served.TrainedThrough));

        var c = second.Comparison!;
        Assert.True(c.Points > 0, c.Basis);
        var after = series.IndexOf(served.TrainedThrough!.Value) + 1;
        var expected = new TrainingWindow(Math.Max(after, second.ValidationBounds[^2]), series.Length, series.Length)
            .Points(new FeatureBuilder(ForecastTarget.Pm25.Values(series), series, second.Layout)).Count();
        Assert.Equal(expected, c.Points);
        Assert.NotNull(c.IncumbentMae);
        Assert.NotNull(c.ChallengerMae);
    }

    [Fact]
    public void A_training_gives_the_same_outcome_whether_its_fits_run_one_at_a_time_or_side_by_side()
    {
        var series = Synthetic.DailyCycle(20, seed: 4);
        IForecastFamily[] families = [new LinearFamily(), new RandomForestFamily(), new GradientBoostingFamily()];
        var one = new ForecastTrainer(families, Quick with { Parallelism = 1 }).Train(series, ForecastTarget.Pm25);
        var three = new ForecastTrainer(families, Quick with { Parallelism = 3 }).Train(series, ForecastTarget.Pm25);

        Assert.Equal(one.Champion, three.Champion);
        Assert.Equal(one.Families.Select(f => f.Family), three.Families.Select(f => f.Family));
        foreach (var (a, b) in one.Families.Zip(three.Families))
        {
            Assert.Equal(a.ValidationAverage.Mae, b.ValidationAverage.Mae);
            Assert.Equal(a.Samples, b.Samples);
        }
        // Each family's figures are its own: the linear family's validation MAE differs from the forest's.
        Assert.NotEqual(one.Of(ModelFamily.Linear).ValidationAverage.Mae, one.Of(ModelFamily.RandomForest).ValidationAverage.Mae);
    }

    [Fact]
    public void The_ridge_family_gives_the_same_model_whatever_the_thread_count()
    {
        var series = Synthetic.DailyCycle(20, seed: 9);
        var layout = FeatureLayout.Choose(series, ForecastTarget.Pm25, 0, series.Length);
        var features = new FeatureBuilder(ForecastTarget.Pm25.Values(series), series, layout);
        var window = new TrainingWindow(ForecastTrainer.FirstOrigin, series.Length - 48, series.Length - 48);
        var one = new LinearFamily().Fit(features, window, Quick with { Threads = 1 }, default);
        var four = new LinearFamily().Fit(features, window, Quick with { Threads = 4 }, default);
        var again = Task.Run(() => new LinearFamily().Fit(features, window, Quick with { Threads = 2 }, default)).Result;

        Assert.Equal(one.Save(), four.Save());
        Assert.Equal(one.Save(), again.Save());
        var points = Enumerable.Range(1, 48).Select(h => new ForecastPoint(series.Length - 49, h)).ToList();
        Assert.Equal(one.PredictDeltas(features, points), four.PredictDeltas(features, points));
        // And it learns: better than persistence on the daily cycle at 6 h.
        var test = new TrainingWindow(series.Length - 48, series.Length, series.Length);
        var model = Evaluation.Backtest.Run(one, features, test).Metrics(6).Mae;
        var persistence = Evaluation.Backtest.Run(PersistenceModel.Instance, features, test).Metrics(6).Mae;
        Assert.True(model < persistence, $"ridge {model:0.0} vs persistence {persistence:0.0}");
    }

    [Fact]
    public void Band_coverage_is_measured_on_hours_the_bands_were_not_calibrated_on()
    {
        // Calm for three weeks, then the noise grows fivefold: bands calibrated on the calm hours must miss in the storm,
        // and coverage measured honestly says so (measured on the calibration hours it would stay near 90 %).
        var calm = Synthetic.DailyCycle(40, seed: 11, noise: 0.03);
        var stormy = Synthetic.DailyCycle(40, seed: 11, noise: 0.4);
        var split = calm.Length - 4 * 24;
        var pm = calm.Channel("pm25")!.Select((v, i) => i < split ? v : stormy.Channel("pm25")![i]).ToArray();
        var series = HourlySeries.FromArrays(calm.Start, new Dictionary<string, double[]> { ["pm25"] = pm });
        var settings = Quick with { ValidationFraction = 0.2, ValidationWindows = 2 };
        var outcome = new ForecastTrainer([new LinearFamily()], settings).Train(series, ForecastTarget.Pm25);

        Assert.True(outcome.ValidationBounds[^2] <= split, "the storm must fall in the last validation window");
        var coverage = outcome.Of(ModelFamily.Linear).ValidationCoverage![0.9];
        Assert.True(coverage < 0.8, $"out-of-sample 90 % coverage {coverage:P0} should show the missed storm");
    }
}
