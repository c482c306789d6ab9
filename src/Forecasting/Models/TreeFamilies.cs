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

/// <summary>
/// Linear regression: ML.NET SDCA on standardised inputs. A single linear model cannot change its weights with the
/// horizon, and 48 separate fits cost 48 times as much; so each origin feature enters multiplied by a few smooth
/// functions of the horizon (1, e^-(h-1)/3, e^-(h-1)/12, h/48), and so does each target-hour feature (the daily cycle
/// moves a 12-hour forecast far more than a 1-hour one). The weights become smooth curves over the horizon: the
/// latest value dominates at 1 h and fades towards the weekly mean at 48 h. Still one direct, linear fit for all horizons.
/// </summary>
public sealed class LinearFamily : MlNetFamily
{
    public override ModelFamily Family => ModelFamily.Linear;

    private static readonly Func<int, double>[] Basis =
    [
        _ => 1,
        h => Math.Exp(-(h - 1) / 3.0),
        h => Math.Exp(-(h - 1) / 12.0),
        h => h / 48.0,
    ];

    protected override int Width(FeatureBuilder features) => (features.OriginNames.Count + features.HorizonNames.Count) * Basis.Length;

    /// <summary>A few hundred weights need far fewer rows than trees do, and SDCA's cost grows with every row.</summary>
    protected override int MaxRows(ForecastSettings settings) => settings.LinearMaxRows;

    protected override void Write(FeatureBuilder features, ForecastPoint point, Span<double> row)
    {
        var origin = features.Origin(point.Origin);
        Span<double> target = stackalloc double[features.HorizonNames.Count];
        features.Horizon(point.Origin, point.Horizon, target);
        var n = 0;
        foreach (var b in Basis)
        {
            var w = b(point.Horizon);
            foreach (var v in origin) row[n++] = v * w;
            foreach (var v in target) row[n++] = v * w;
        }
    }

    protected override ITransformer Train(MLContext ml, IDataView data, ForecastSettings settings)
    {
        // Standardised once and cached: a normaliser inside the pipeline would be recomputed on every SDCA epoch.
        var normaliser = ml.Transforms.NormalizeMeanVariance("Features").Fit(data);
        var standardised = ml.Data.Cache(normaliser.Transform(data));
        var sdca = ml.Regression.Trainers.Sdca(new Microsoft.ML.Trainers.SdcaRegressionTrainer.Options
        {
            L2Regularization = (float)settings.LinearL2,
            ExampleWeightColumnName = WeightColumn,
            L1Regularization = 0,
            MaximumNumberOfIterations = settings.LinearIterations,
            NumberOfThreads = settings.Threads,
        }).Fit(standardised);
        return new TransformerChain<ITransformer>(normaliser, sdca);
    }
}
