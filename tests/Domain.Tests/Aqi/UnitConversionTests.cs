using AirQuality.Domain.Aqi;
using AirQuality.Domain.Readings;

namespace AirQuality.Domain.Tests.Aqi;

/// <summary>Mass concentration to mixing ratio at 25 °C and 1 atm (molar volume 24.45 L), checked against hand-computed values.</summary>
public class UnitConversionTests
{
    [Theory]
    // ug/m3 of 1 ppb = molar mass / 24.45: NO2 46.0055 / 24.45, SO2 64.066 / 24.45, O3 47.998 / 24.45, NH3 17.031 / 24.45
    [InlineData("no2", 1.88)]
    [InlineData("so2", 2.62)]
    [InlineData("o3", 1.96)]
    [InlineData("nh3", 0.70)]
    public void One_ppb_weighs_the_hand_computed_micrograms(string gas, double micrograms)
    {
        Assert.True(Pollutants.TryParse(gas, out var p));
        Assert.Equal(micrograms, UnitConversion.PpbToMicrograms(p, 1), 2);
        Assert.Equal(1, UnitConversion.MicrogramsToPpb(p, micrograms), 1);
    }

    [Fact]
    public void One_ppm_CO_is_1_15_milligrams()
    {
        // 28.010 / 24.45 = 1.1456
        Assert.Equal(1.1456, UnitConversion.PpbToMicrograms(Pollutant.Co, 1), 4);
        Assert.Equal(1.0, UnitConversion.MilligramsToPpm(Pollutant.Co, 1.1456), 4);
        Assert.Equal(8.729, UnitConversion.ToUsUnit(Pollutant.Co, 10, "ppm"), 3);
    }

    [Fact]
    public void O3_in_micrograms_becomes_ppm_for_the_US_table()
    {
        // 137.4 ug/m3 * 24.45 / 47.998 = 69.99 ppb = 0.0700 ppm
        Assert.Equal(0.0700, UnitConversion.ToUsUnit(Pollutant.O3, 137.4, "ppm"), 4);
    }

    [Fact]
    public void No2_of_100_micrograms_is_53_ppb()
    {
        Assert.Equal(53.146, UnitConversion.ToUsUnit(Pollutant.No2, 100, "ppb"), 3);
    }

    [Fact]
    public void Particles_stay_in_micrograms() =>
        Assert.Equal(42.5, UnitConversion.ToUsUnit(Pollutant.Pm25, 42.5, "ug/m3"));

    [Fact]
    public void Particles_have_no_mixing_ratio()
    {
        Assert.Throws<ArgumentException>(() => UnitConversion.MicrogramsToPpb(Pollutant.Pm25, 10));
        Assert.Throws<ArgumentException>(() => UnitConversion.ToUsUnit(Pollutant.Pm10, 10, "ppb"));
    }

    [Fact]
    public void Conversions_are_inverse_of_each_other()
    {
        foreach (var gas in new[] { Pollutant.No2, Pollutant.So2, Pollutant.O3, Pollutant.Co, Pollutant.Nh3 })
            Assert.Equal(123.456, UnitConversion.MicrogramsToPpb(gas, UnitConversion.PpbToMicrograms(gas, 123.456)), 9);
    }
}
