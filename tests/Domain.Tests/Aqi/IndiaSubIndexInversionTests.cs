using AirQuality.Domain.Aqi;
using AirQuality.Domain.Readings;

namespace AirQuality.Domain.Tests.Aqi;

public sealed class IndiaSubIndexInversionTests
{
    public static TheoryData<Pollutant> Tabled => new(Pollutant.Pm25, Pollutant.Pm10, Pollutant.No2, Pollutant.So2, Pollutant.Co, Pollutant.O3, Pollutant.Nh3);

    [Theory]
    [MemberData(nameof(Tabled))]
    public void Every_sub_index_from_0_to_500_reads_back_to_a_concentration_with_that_sub_index(Pollutant p)
    {
        for (var i = 0; i <= 500; i++)
        {
            var c = IndiaSubIndexInversion.Concentration(p, i);
            Assert.NotNull(c);
            Assert.Equal(i, IndiaAqi.SubIndexOf(p, c.Value)!.Value);
        }
    }

    [Theory]
    [MemberData(nameof(Tabled))]
    public void Concentration_never_falls_as_the_sub_index_rises(Pollutant p)
    {
        for (var i = 0.0; i < 500; i += 0.5)
            Assert.True(IndiaSubIndexInversion.Concentration(p, i + 0.5) >= IndiaSubIndexInversion.Concentration(p, i), $"{p} at {i}");
    }

    [Theory]
    [InlineData(Pollutant.Pm25, 50, 30)]
    [InlineData(Pollutant.Pm25, 100, 60)]
    [InlineData(Pollutant.Pm25, 500, 380)]
    [InlineData(Pollutant.Co, 46, 0.92)]
    [InlineData(Pollutant.Co, 100, 2.0)]
    [InlineData(Pollutant.O3, 300, 208)]
    [InlineData(Pollutant.O3, 400, 748)]
    [InlineData(Pollutant.Nh3, 5, 20)]
    public void Band_edges_read_back_to_the_published_concentrations(Pollutant p, int subIndex, double concentration)
    {
        Assert.Equal(concentration, IndiaSubIndexInversion.Concentration(p, subIndex)!.Value, 9);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(501)]
    [InlineData(double.NaN)]
    public void A_sub_index_off_the_scale_has_no_concentration(double subIndex)
    {
        Assert.Null(IndiaSubIndexInversion.Concentration(Pollutant.Pm25, subIndex));
    }

    [Fact]
    public void Lead_above_400_inverts_through_its_derived_severe_band()
    {
        // Pb's Severe band is open-ended with no published slope; the table derives 500 at 4.0 ug/m3 (IndiaAqi).
        var c = IndiaSubIndexInversion.Concentration(Pollutant.Pb, 450);
        Assert.NotNull(c);
        Assert.InRange(c.Value, 3.5, 4.0);
        Assert.Equal(450, IndiaAqi.SubIndexOf(Pollutant.Pb, c.Value)!.Value);
    }
}
