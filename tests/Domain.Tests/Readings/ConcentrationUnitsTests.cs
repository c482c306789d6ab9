using AirQuality.Domain.Readings;

namespace AirQuality.Domain.Tests.Readings;

public sealed class ConcentrationUnitsTests
{
    [Theory]
    [InlineData("µg/m³")]
    [InlineData("μg/m³")]
    [InlineData("UG/M3")]
    [InlineData("ug m-3")]
    public void Every_spelling_of_micrograms_is_micrograms(string unit) =>
        Assert.Equal("ug/m3", ConcentrationUnits.Normalize(unit));

    [Fact]
    public void Co_1310_ug_is_1_31_mg()
    {
        Assert.True(ConcentrationUnits.TryToCanonical(Pollutant.Co, 1310, "µg/m³", out var mg));
        Assert.Equal(1.31, mg, 10);
    }

    [Fact]
    public void No2_30_ppb_is_56_45_ug()
    {
        Assert.True(ConcentrationUnits.TryToCanonical(Pollutant.No2, 30, "ppb", out var ug));
        Assert.Equal(56.45, ug, 2);
    }

    [Fact]
    public void Co_2_ppm_is_2_29_mg()
    {
        Assert.True(ConcentrationUnits.TryToCanonical(Pollutant.Co, 2, "PPM", out var mg));
        Assert.Equal(2.291, mg, 3);
    }

    [Fact]
    public void Particles_have_no_mixing_ratio_and_unknown_units_are_refused()
    {
        Assert.False(ConcentrationUnits.TryToCanonical(Pollutant.Pm25, 10, "ppm", out _));
        Assert.False(ConcentrationUnits.TryToCanonical(Pollutant.So2, 10, "furlongs", out _));
        Assert.False(ConcentrationUnits.TryToCanonical(Pollutant.So2, 10, "", out _));
    }
}
