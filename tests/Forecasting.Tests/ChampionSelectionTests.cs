using AirQuality.Forecasting.Evaluation;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Training;

namespace AirQuality.Forecasting.Tests;

public class ChampionSelectionTests
{
    private static FamilyOutcome Outcome(ModelFamily family, double mae, bool trained = true) =>
        new(family, [], new ForecastMetrics(mae, mae, 0.5, null, 100), new Dictionary<double, double[]>(),
            trained || family.IsBaseline() ? PersistenceModel.Instance : null, 0, 100, trained ? null : "unavailable");

    [Fact]
    public void The_family_with_the_lowest_validation_mae_that_beats_persistence_is_champion()
    {
        var (champion, reason) = ChampionSelection.Choose([
            Outcome(ModelFamily.Persistence, 30), Outcome(ModelFamily.SeasonalNaive, 20),
            Outcome(ModelFamily.Linear, 25), Outcome(ModelFamily.GradientBoosting, 22), Outcome(ModelFamily.Lstm, 10, trained: false)]);
        Assert.Equal(ModelFamily.GradientBoosting, champion);
        Assert.Contains("below persistence", reason);
    }

    [Fact]
    public void A_single_family_displaces_the_ensemble_only_when_better_by_more_than_the_margin()
    {
        FamilyOutcome[] Run(double linear) =>
            [Outcome(ModelFamily.Persistence, 30), Outcome(ModelFamily.Linear, linear), Outcome(ModelFamily.RandomForest, 21), Outcome(ModelFamily.Ensemble, 20)];

        var (within, reason) = ChampionSelection.Choose(Run(19.7), ensembleMargin: 0.02);   // 1.5 % below the ensemble
        Assert.Equal(ModelFamily.Ensemble, within);
        Assert.Contains("not 2 % below the ensemble's", reason);
        Assert.Equal(ModelFamily.Linear, ChampionSelection.Choose(Run(19.5), ensembleMargin: 0.02).Champion);   // 2.5 % below
        Assert.Equal(ModelFamily.Linear, ChampionSelection.Choose(Run(19.7), ensembleMargin: 0).Champion);      // no margin: the lowest
        Assert.Equal(ModelFamily.Ensemble, ChampionSelection.Choose(Run(22), ensembleMargin: 0.02).Champion);   // the ensemble is lowest anyway
    }

    [Fact]
    public void The_ensemble_is_not_preferred_when_it_does_not_beat_persistence()
    {
        var (champion, _) = ChampionSelection.Choose(
            [Outcome(ModelFamily.Persistence, 20), Outcome(ModelFamily.Linear, 19.9), Outcome(ModelFamily.Ensemble, 20.1)], ensembleMargin: 0.02);
        Assert.Equal(ModelFamily.Linear, champion);
    }

    [Fact]
    public void When_no_family_beats_persistence_persistence_serves_and_says_so()
    {
        var (champion, reason) = ChampionSelection.Choose([Outcome(ModelFamily.Persistence, 20), Outcome(ModelFamily.Linear, 25), Outcome(ModelFamily.RandomForest, 21)]);
        Assert.Equal(ModelFamily.Persistence, champion);
        Assert.Contains("persistence serves", reason);
    }

    [Fact]
    public void A_challenger_replaces_the_champion_only_when_it_is_better()
    {
        Assert.True(ChampionSelection.ChallengerWins(19.9, 20));
        Assert.False(ChampionSelection.ChallengerWins(20, 20));
        Assert.False(ChampionSelection.ChallengerWins(double.NaN, 20));
        Assert.True(ChampionSelection.ChallengerWins(50, null));
    }
}
