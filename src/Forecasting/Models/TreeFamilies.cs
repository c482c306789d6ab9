using AirQuality.Forecasting.Features;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace AirQuality.Forecasting.Models;

/// <summary>
/// Direct multi-horizon forecasting for the tree families: one model for all horizons 1..48, with the horizon and the
/// target hour's calendar as inputs. Each horizon is still forecast directly from what is known at the origin (nothing
/// is fed back, so errors do not compound as in a recursive forecast), while one model per city and family keeps
/// training to one fit instead of 48 and lets neighbouring horizons share what they learn.
/// </summary>
public abstract class TreeFamily : MlNetFamily
{
    protected override int Width(FeatureBuilder features) => features.OriginNames.Count + features.HorizonNames.Count + 1;

    protected override void Write(FeatureBuilder features, ForecastPoint point, Span<double> row)
    {
        var origin = features.Origin(point.Origin);
        origin.CopyTo(row);
        features.Horizon(point.Origin, point.Horizon, row.Slice(origin.Length, features.HorizonNames.Count));
        row[^1] = point.Horizon;
    }
}

/// <summary>Random forest: ML.NET FastForest.</summary>
public sealed class RandomForestFamily : TreeFamily
{
    public override ModelFamily Family => ModelFamily.RandomForest;

    protected override ITransformer Train(MLContext ml, IDataView data, ForecastSettings settings) =>
        ml.Regression.Trainers.FastForest(new FastForestRegressionTrainer.Options
        {
            NumberOfTrees = settings.ForestTrees,
            ExampleWeightColumnName = WeightColumn,
            NumberOfLeaves = settings.ForestLeaves,
            MinimumExampleCountPerLeaf = 20,
            FeatureFraction = 0.7,
            MaximumBinCountPerFeature = settings.TreeBins,
            NumberOfThreads = settings.Threads,
            Seed = settings.Seed,
        }).Fit(data);
}

/// <summary>Gradient-boosted trees: ML.NET LightGBM (the seed's XGBoost role).</summary>
public sealed class GradientBoostingFamily : TreeFamily
{
    public override ModelFamily Family => ModelFamily.GradientBoosting;

    protected override ITransformer Train(MLContext ml, IDataView data, ForecastSettings settings) =>
        ml.Regression.Trainers.LightGbm(new LightGbmRegressionTrainer.Options
        {
            NumberOfIterations = settings.BoostingRounds,
            ExampleWeightColumnName = WeightColumn,
            LearningRate = settings.BoostingLearningRate,
            NumberOfLeaves = settings.BoostingLeaves,
            MinimumExampleCountPerLeaf = 30,
            NumberOfThreads = settings.Threads,
            Seed = settings.Seed,
            MaximumBinCountPerFeature = settings.TreeBins,
            Booster = new GradientBooster.Options { L2Regularization = 1, FeatureFraction = 0.8, SubsampleFraction = 0.8, SubsampleFrequency = 1 },
        }).Fit(data);
}
