using AirQuality.Forecasting.Evaluation;

namespace AirQuality.Forecasting.Tests;

public class ConformalIntervalTests
{
    [Theory]
    [InlineData(0.8)]
    [InlineData(0.9)]
    public void Bands_calibrated_on_one_sample_cover_about_their_level_on_the_next(double level)
    {
        var random = new Random(3);
        (double[] Actual, double[] Predicted) Draw(int n)
        {
            var predicted = Enumerable.Range(0, n).Select(_ => 20 + 200 * random.NextDouble()).ToArray();
            var actual = predicted.Select(p => Math.Exp(Math.Log(1 + p) + 0.3 * Synthetic.Gaussian(random)) - 1).ToArray();
            return (actual, predicted);
        }
        var (calA, calP) = Draw(500);
        var width = ConformalInterval.HalfWidth(calA.Zip(calP, ConformalInterval.Residual).ToList(), level);
        var (testA, testP) = Draw(4000);
        Assert.InRange(ConformalInterval.Coverage(testA, testP, width), level - 0.04, level + 0.04);
    }

    [Fact]
    public void A_band_is_multiplicative_and_never_below_zero()
    {
        var (lower, upper) = ConformalInterval.Band(99, Math.Log(2));
        Assert.Equal(49, lower, 9);
        Assert.Equal(199, upper, 9);
        Assert.Equal(0, ConformalInterval.Band(0, 1).Lower);
    }

    [Fact]
    public void The_half_width_is_the_corrected_empirical_quantile()
    {
        var residuals = Enumerable.Range(1, 9).Select(i => (double)i).ToList();
        Assert.Equal(9, ConformalInterval.HalfWidth(residuals, 0.9));   // ceil(10 x 0.9) = 9th smallest
        Assert.Equal(8, ConformalInterval.HalfWidth(residuals, 0.8));   // ceil(10 x 0.8) = 8th smallest
    }
}
