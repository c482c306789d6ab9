using AirQuality.Domain.Aqi;
using AirQuality.Domain.Readings;

namespace AirQuality.Domain.Tests.Aqi;

/// <summary>India NAQI sub-indices against the CPCB table in shared/data/standards/india_naqi_2014.csv.</summary>
public class IndiaAqiTests
{
    private const string TablePath = "standards/india_naqi_2014.csv";

    private sealed record Band(Pollutant Pollutant, string Averaging, string Category, int AqiLo, int AqiHi, double ConcLo, double? ConcHi, double? Extrapolated, string Color);

    private static List<Band> Table() =>
        SharedCsv.Rows(TablePath)
            .Select(r =>
            {
                Assert.True(Pollutants.TryParse(r["pollutant"], out var p), r["pollutant"]);
                return new Band(p, r["averaging_period"], r["category"], (int)SharedCsv.Number(r["aqi_lo"]), (int)SharedCsv.Number(r["aqi_hi"]),
                    SharedCsv.Number(r["conc_lo"]), r["conc_hi"] is { Length: > 0 } hi ? SharedCsv.Number(hi) : null,
                    r["conc_at_aqi500_if_extrapolated"] is { Length: > 0 } x ? SharedCsv.Number(x) : null, r["color_hex"]);
            })
            .ToList();

    // The band below a row in the same pollutant's scale (O3's 1-h Very Poor sits on the 8-h Poor band).
    private static Band? Below(List<Band> table, Band b) =>
        table.Where(x => x.Pollutant == b.Pollutant && x.AqiLo < b.AqiLo).MaxBy(x => x.AqiLo);

    public static TheoryData<string, string, string, double> Edges()
    {
        var data = new TheoryData<string, string, string, double>();
        foreach (var b in Table())
        {
            data.Add(b.Pollutant.Code(), b.Category, "conc_lo", b.ConcLo);
            if (b.ConcHi is { } hi) data.Add(b.Pollutant.Code(), b.Category, "conc_hi", hi);
            else
            {
                if (b.Extrapolated is { } x) data.Add(b.Pollutant.Code(), b.Category, "extrapolation point", x);
                data.Add(b.Pollutant.Code(), b.Category, "beyond", 0);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Edges))]
    public void Every_edge_of_the_CPCB_table_gives_its_index(string pollutant, string category, string edge, double concentration)
    {
        var table = Table();
        Assert.True(Pollutants.TryParse(pollutant, out var p));
        var band = table.Single(b => b.Pollutant == p && b.Category == category);
        int? Index(double c) => IndiaAqi.SubIndexOf(p, c)?.Value;
        switch (edge)
        {
            case "conc_lo" when Below(table, band) is { ConcHi: { } belowHi } below && belowHi == band.ConcLo:
                // A shared edge (PM2.5 Very Poor 121-250, Severe 250+) belongs to the band it closes; the next band
                // starts just above it.
                Assert.Equal(below.AqiHi, Index(concentration));
                Assert.Equal(band.AqiLo, Index(concentration + 1e-6));
                break;
            case "conc_lo":
                Assert.Equal(band.AqiLo, Index(concentration));
                break;
            case "conc_hi":
                Assert.Equal(band.AqiHi, Index(concentration));
                break;
            case "extrapolation point":
                Assert.Equal(IndiaAqi.Cap, Index(concentration));
                Assert.True(Index(concentration - (concentration - band.ConcLo) / 2) is > 401 and < 500);
                break;
            case "beyond":
                var far = (band.Extrapolated ?? band.ConcLo * 2) * 3;
                Assert.Equal(IndiaAqi.Cap, Index(far));
                Assert.Equal(IndiaAqi.Cap, Index(far * 100));
                break;
            default:
                throw new ArgumentException(edge);
        }
    }

    [Theory]
    [InlineData(31, 51)]
    [InlineData(45, 75)]
    [InlineData(60, 100)]
    [InlineData(0, 0)]
    [InlineData(30, 50)]
    [InlineData(250, 400)]
    [InlineData(380, 500)]
    [InlineData(1000, 500)]
    public void Pm25_gives_the_CPCB_worked_values(double pm25, int expected) =>
        Assert.Equal(expected, IndiaAqi.SubIndexOf(Pollutant.Pm25, pm25)!.Value);

    [Fact]
    public void Pm25_at_45_is_75_Satisfactory_over_24_hours()
    {
        var s = IndiaAqi.SubIndexOf(Pollutant.Pm25, 45)!;
        Assert.Equal((75, "Satisfactory", "24h", "ug/m3"), (s.Value, s.Category, s.Averaging, s.Unit));
    }

    [Theory]
    [InlineData("pm25", 30.5, 50, 51)]
    [InlineData("pm25", 60.2, 100, 101)]
    [InlineData("pm10", 50.5, 50, 51)]
    [InlineData("co", 1.05, 50, 51)]
    [InlineData("co", 2.04, 100, 101)]
    [InlineData("no2", 40.9, 50, 51)]
    [InlineData("so2", 800.5, 300, 301)]
    [InlineData("nh3", 1200.5, 300, 301)]
    [InlineData("o3", 208.5, 300, 301)]
    [InlineData("pb", 3.05, 300, 301)]
    public void A_value_in_the_gap_between_two_bands_lies_between_their_edges(string pollutant, double concentration, int lowerHi, int upperLo)
    {
        Assert.True(Pollutants.TryParse(pollutant, out var p));
        var v = IndiaAqi.SubIndexOf(p, concentration)!.Value;
        Assert.InRange(v, lowerHi, upperLo);
    }

    [Fact]
    public void The_index_never_falls_as_the_concentration_rises_for_any_pollutant()
    {
        foreach (var group in Table().GroupBy(b => b.Pollutant))
        {
            var top = group.Max(b => b.Extrapolated ?? b.ConcHi ?? b.ConcLo) * 1.2;
            var previous = -1;
            for (var i = 0; i <= 4_000; i++)
            {
                var c = top * i / 4_000;
                var v = IndiaAqi.SubIndexOf(group.Key, c)!.Value;
                Assert.True(v >= previous, $"{group.Key} at {c}: {v} after {previous}");
                previous = v;
            }
            Assert.Equal(IndiaAqi.Cap, previous);
        }
    }

    [Fact]
    public void The_index_rises_smoothly_through_a_gap_without_jumps()
    {
        // Across PM2.5's 30 -> 31 gap the exact (unrounded) index moves from 50 to 51 in a straight line.
        var values = Enumerable.Range(0, 11).Select(i => IndiaAqi.SubIndexOf(Pollutant.Pm25, 30 + i / 10.0)!.Value).ToList();
        Assert.Equal(50, values[0]);
        Assert.Equal(51, values[^1]);
        Assert.All(values, v => Assert.InRange(v, 50, 51));
    }

    [Fact]
    public void Pb_Severe_reaches_500_where_the_Very_Poor_width_says_as_for_every_other_pollutant()
    {
        // The table gives no extrapolation point for Pb; Very Poor spans 3.0 -> 3.5, so Severe runs 3.5 -> 4.0.
        Assert.Equal(400, IndiaAqi.SubIndexOf(Pollutant.Pb, 3.5)!.Value);
        Assert.Equal(401, IndiaAqi.SubIndexOf(Pollutant.Pb, 3.5001)!.Value);
        Assert.Equal(451, IndiaAqi.SubIndexOf(Pollutant.Pb, 3.75)!.Value);
        Assert.Equal(500, IndiaAqi.SubIndexOf(Pollutant.Pb, 4.0)!.Value);
        Assert.Equal("Severe", IndiaAqi.SubIndexOf(Pollutant.Pb, 3.6)!.Category);
    }

    [Fact]
    public void The_derived_extrapolation_rule_reproduces_every_published_extrapolation_point()
    {
        // The rule used for Pb, checked against the pollutants whose point the table does give.
        var table = Table();
        foreach (var severe in table.Where(b => b.ConcHi is null && b.Extrapolated is not null))
        {
            var veryPoor = Below(table, severe)!;
            var belowVeryPoor = Below(table, veryPoor);
            var start = belowVeryPoor is not null && belowVeryPoor.Averaging == veryPoor.Averaging ? belowVeryPoor.ConcHi!.Value : veryPoor.ConcLo;
            Assert.Equal(severe.Extrapolated!.Value, severe.ConcLo + (veryPoor.ConcHi!.Value - start), 6);
        }
    }

    [Fact]
    public void O3_8_hour_average_up_to_208_uses_the_8_hour_table()
    {
        var s = IndiaAqi.SubIndexOf(Pollutant.O3, 208, 8, ozoneOneHourMax: 400)!;
        Assert.Equal((300, "8h", 208.0), (s.Value, s.Averaging, s.Concentration));
    }

    [Fact]
    public void O3_8_hour_average_above_208_switches_to_the_1_hour_table_with_the_highest_hour()
    {
        var s = IndiaAqi.SubIndexOf(Pollutant.O3, 220, 8, ozoneOneHourMax: 478.5)!;
        // 301 + (478.5 - 209) * 99 / 539 = 350.5 -> 351
        Assert.Equal((351, "1h", 478.5, "Very Poor"), (s.Value, s.Averaging, s.Concentration, s.Category));
    }

    [Fact]
    public void O3_above_208_without_an_hourly_maximum_reads_the_average_in_the_1_hour_table()
    {
        var s = IndiaAqi.SubIndexOf(Pollutant.O3, 209)!;
        Assert.Equal((301, "1h"), (s.Value, s.Averaging));
    }

    [Theory]
    [InlineData(0, "Good")]
    [InlineData(50, "Good")]
    [InlineData(51, "Satisfactory")]
    [InlineData(100, "Satisfactory")]
    [InlineData(101, "Moderately Polluted")]
    [InlineData(200, "Moderately Polluted")]
    [InlineData(201, "Poor")]
    [InlineData(300, "Poor")]
    [InlineData(301, "Very Poor")]
    [InlineData(400, "Very Poor")]
    [InlineData(401, "Severe")]
    [InlineData(500, "Severe")]
    public void Categories_follow_the_CPCB_ranges(int aqi, string category) => Assert.Equal(category, IndiaAqi.Category(aqi));

    [Fact]
    public void Every_band_of_the_table_has_the_category_and_colour_of_its_index_range()
    {
        foreach (var b in Table())
        {
            Assert.Equal(b.Category, IndiaAqi.Category(b.AqiLo));
            Assert.Equal(b.Category, IndiaAqi.Category(b.AqiHi));
            Assert.Equal(b.Color, IndiaAqi.Color(b.AqiLo));
            Assert.Equal(b.Color, IndiaAqi.Color(b.AqiHi));
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_value_that_is_no_concentration_gives_no_sub_index(double value) =>
        Assert.Null(IndiaAqi.SubIndexOf(Pollutant.Pm25, value));

    [Fact]
    public void Co_is_read_in_milligrams()
    {
        var s = IndiaAqi.SubIndexOf(Pollutant.Co, 1.0)!;
        Assert.Equal((50, "mg/m3", "8h"), (s.Value, s.Unit, s.Averaging));
    }
}
