using AirQuality.Domain.Aqi;
using AirQuality.Domain.Readings;

namespace AirQuality.Domain.Tests.Aqi;

/// <summary>US EPA AQI against shared/data/standards/us_epa_aqi.csv.</summary>
public class UsAqiTests
{
    private const string TablePath = "standards/us_epa_aqi.csv";
    private static readonly DateTime Before2024Table = new(2024, 5, 5, 23, 59, 59, DateTimeKind.Utc);
    private static readonly DateTime From2024Table = new(2024, 5, 6, 0, 0, 0, DateTimeKind.Utc);

    // Each row's table versions: PM2.5 rows belong to one, every other pollutant's rows to both.
    private static IEnumerable<string> VersionsOf(Dictionary<string, string> row) =>
        row["pollutant"] != "PM2.5" ? [BreakpointTables.Us2012, BreakpointTables.Us2024]
        : row["version"].StartsWith("2012", StringComparison.Ordinal) ? [BreakpointTables.Us2012] : [BreakpointTables.Us2024];

    public static TheoryData<string, string, string, string, double, int> Edges()
    {
        var data = new TheoryData<string, string, string, string, double, int>();
        foreach (var r in SharedCsv.Rows(TablePath))
            foreach (var version in VersionsOf(r))
            {
                data.Add(version, r["pollutant"], r["averaging_period"], "conc_lo", SharedCsv.Number(r["conc_lo"]), (int)SharedCsv.Number(r["aqi_lo"]));
                data.Add(version, r["pollutant"], r["averaging_period"], "conc_hi", SharedCsv.Number(r["conc_hi"]), (int)SharedCsv.Number(r["aqi_hi"]));
            }
        return data;
    }

    [Theory]
    [MemberData(nameof(Edges))]
    public void Every_edge_of_the_EPA_table_gives_its_index(string version, string pollutant, string averaging, string edge, double concentration, int expected)
    {
        Assert.True(Pollutants.TryParse(pollutant, out var p));
        Assert.Equal(expected, UsAqi.IndexOf(p, averaging, concentration, version));
        _ = edge;
    }

    [Theory]
    [MemberData(nameof(Edges))]
    public void Every_edge_of_the_EPA_table_is_reached_from_canonical_units_through_the_calculator(
        string version, string pollutant, string averaging, string edge, double concentration, int expected)
    {
        Assert.True(Pollutants.TryParse(pollutant, out var p));
        if (p == Pollutant.O3 && averaging == "1h") return; // the calculator takes O3 as an 8-h average; see the hourly O3 tests
        var canonical = p switch
        {
            Pollutant.Pm25 or Pollutant.Pm10 => concentration,
            Pollutant.Co => UnitConversion.PpbToMicrograms(p, concentration), // ppm -> mg/m3, the same ratio
            Pollutant.O3 => UnitConversion.PpbToMicrograms(p, concentration * 1000),
            _ => UnitConversion.PpbToMicrograms(p, concentration),
        };
        var at = version == BreakpointTables.Us2012 ? Before2024Table : From2024Table;
        var r = UsAqi.FromAverages(new Dictionary<Pollutant, double> { [p] = canonical }, at);
        var s = Assert.Single(r.SubIndices);
        Assert.Equal(expected, s.Value);
        Assert.Equal(averaging, s.Averaging);
        Assert.Equal($"US-EPA-{version}", r.Table);
        _ = edge;
    }

    [Fact]
    public void The_PM25_table_changes_on_2024_05_06()
    {
        Assert.Equal(BreakpointTables.Us2012, UsAqi.TableFor(Before2024Table));
        Assert.Equal(BreakpointTables.Us2024, UsAqi.TableFor(From2024Table));
        var pm = new Dictionary<Pollutant, double> { [Pollutant.Pm25] = 12.0 };
        // 12.0 is the top of Good in 2012 and Moderate (51 + 2.9 * 49 / 26.3 = 56.4) in 2024.
        Assert.Equal(50, UsAqi.FromAverages(pm, Before2024Table).Aqi);
        Assert.Equal(56, UsAqi.FromAverages(pm, From2024Table).Aqi);
    }

    [Theory]
    [InlineData("pm25", "24h", 9.09, 50)]
    [InlineData("pm25", "24h", 9.1, 51)]
    [InlineData("pm25", "24h", 35.49, 100)]
    [InlineData("pm25", "24h", 35.5, 101)]
    [InlineData("pm10", "24h", 54.9, 50)]
    [InlineData("pm10", "24h", 55, 51)]
    [InlineData("o3", "8h", 0.0549, 50)]
    [InlineData("o3", "8h", 0.055, 51)]
    [InlineData("o3", "1h", 0.1249, null)]
    [InlineData("o3", "1h", 0.1259, 101)]
    [InlineData("co", "8h", 4.49, 50)]
    [InlineData("co", "8h", 4.5, 51)]
    [InlineData("so2", "1h", 35.9, 50)]
    [InlineData("so2", "1h", 36, 51)]
    [InlineData("no2", "1h", 53.9, 50)]
    [InlineData("no2", "1h", 54, 51)]
    public void Values_are_truncated_to_the_tables_precision_before_the_lookup(string pollutant, string averaging, double value, int? expected)
    {
        Assert.True(Pollutants.TryParse(pollutant, out var p));
        Assert.Equal(expected, UsAqi.IndexOf(p, averaging, value, BreakpointTables.Us2024));
    }

    [Fact]
    public void The_calculator_reports_the_truncated_concentration_in_the_tables_unit()
    {
        // 100 ug/m3 NO2 = 100 * 24.45 / 46.0055 = 53.146 ppb -> 53 ppb -> 50
        var r = UsAqi.FromAverages(new Dictionary<Pollutant, double> { [Pollutant.No2] = 100 }, From2024Table);
        var s = Assert.Single(r.SubIndices);
        Assert.Equal((53.0, "ppb", 50), (s.Concentration, s.Unit, s.Value));
    }

    [Fact]
    public void Pm25_at_35_5_on_2024_06_01_is_101()
    {
        var r = AqiCalculator.Calculate(AqiStandard.UnitedStates, new Dictionary<Pollutant, double> { [Pollutant.Pm25] = 35.5 }, new DateTime(2024, 6, 1));
        Assert.Equal((101, "Unhealthy for Sensitive Groups", true), (r.Aqi!.Value, r.Category, r.Complete));
        Assert.Equal("US-EPA-2024", r.Table);
    }

    [Fact]
    public void Values_beyond_500_extend_the_top_segment_as_AirNow_reports_them()
    {
        // 2012 PM2.5 top: 350.5-500.4 -> 401-500; 600 -> 401 + (600 - 350.5) * 99 / 149.9 = 565.8
        Assert.Equal(566, UsAqi.IndexOf(Pollutant.Pm25, "24h", 600, BreakpointTables.Us2012));
        // 2024 PM2.5 top: 225.5-325.4 -> 301-500; 375.6 -> 301 + 150.1 * 199 / 99.9 = 600.0
        Assert.Equal(600, UsAqi.IndexOf(Pollutant.Pm25, "24h", 375.6, BreakpointTables.Us2024));
        // PM10 top: 425-604 -> 301-500; 700 -> 301 + 275 * 199 / 179 = 606.7
        Assert.Equal(607, UsAqi.IndexOf(Pollutant.Pm10, "24h", 700, BreakpointTables.Us2024));
        var r = UsAqi.FromAverages(new Dictionary<Pollutant, double> { [Pollutant.Pm25] = 600 }, Before2024Table);
        Assert.Equal((566, "Hazardous"), (r.Aqi!.Value, r.Category));
        Assert.Contains(r.Notes, n => n.Contains("beyond the AQI"));
    }

    [Fact]
    public void Tables_that_stop_below_500_have_no_band_above_their_top()
    {
        Assert.Equal(300, UsAqi.IndexOf(Pollutant.O3, "8h", 0.200, BreakpointTables.Us2024));
        Assert.Null(UsAqi.IndexOf(Pollutant.O3, "8h", 0.201, BreakpointTables.Us2024));
        Assert.Equal(200, UsAqi.IndexOf(Pollutant.So2, "1h", 304, BreakpointTables.Us2024));
        Assert.Null(UsAqi.IndexOf(Pollutant.So2, "1h", 305, BreakpointTables.Us2024));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_value_that_is_no_concentration_has_no_index(double value) =>
        Assert.Null(UsAqi.IndexOf(Pollutant.Pm25, "24h", value, BreakpointTables.Us2024));

    [Fact]
    public void An_unknown_averaging_period_has_no_index() =>
        Assert.Null(UsAqi.IndexOf(Pollutant.Pm25, "8h", 10, BreakpointTables.Us2024));

    private static double So2(double ppb) => UnitConversion.PpbToMicrograms(Pollutant.So2, ppb);
    private static double O3(double ppm) => UnitConversion.PpbToMicrograms(Pollutant.O3, ppm * 1000);

    [Fact]
    public void So2_up_to_304_ppb_uses_the_1_hour_table()
    {
        var series = Enumerable.Repeat<double?>(So2(100), 23).Append(So2(304)).ToList();
        var s = Assert.Single(UsAqi.FromHourly(new Dictionary<Pollutant, IReadOnlyList<double?>> { [Pollutant.So2] = series }, From2024Table).SubIndices);
        Assert.Equal((200, "1h", 304.0), (s.Value, s.Averaging, s.Concentration));
    }

    [Fact]
    public void So2_hour_above_304_ppb_with_a_lower_24_hour_average_reports_200()
    {
        var series = Enumerable.Repeat<double?>(So2(100), 23).Append(So2(400)).ToList();
        var s = Assert.Single(UsAqi.FromHourly(new Dictionary<Pollutant, IReadOnlyList<double?>> { [Pollutant.So2] = series }, From2024Table).SubIndices);
        Assert.Equal((200, "1h"), (s.Value, s.Averaging));
    }

    [Fact]
    public void So2_hour_above_304_ppb_with_a_24_hour_average_above_it_uses_the_24_hour_table()
    {
        var series = Enumerable.Repeat<double?>(So2(400), 24).ToList();
        var s = Assert.Single(UsAqi.FromHourly(new Dictionary<Pollutant, IReadOnlyList<double?>> { [Pollutant.So2] = series }, From2024Table).SubIndices);
        // 201 + (400 - 305) * 99 / 299 = 232.45 -> 232
        Assert.Equal("24h", s.Averaging);
        Assert.Equal(232, s.Value);
    }

    [Fact]
    public void The_calculator_reads_SO2_above_304_ppb_in_the_24_hour_table_and_says_so()
    {
        var r = UsAqi.FromAverages(new Dictionary<Pollutant, double> { [Pollutant.So2] = So2(700) }, From2024Table);
        // 301 + (700 - 605) * 199 / 399 = 348.4
        Assert.Equal((348, "24h"), (r.Aqi!.Value, Assert.Single(r.SubIndices).Averaging));
        Assert.Contains(r.Notes, n => n.StartsWith("so2", StringComparison.Ordinal));
    }

    [Fact]
    public void O3_reports_the_1_hour_index_when_it_is_higher_than_the_8_hour_one()
    {
        // Seven hours at 0.060 ppm and one at 0.130: 8-h mean 0.06875 -> 0.068 -> 51 + 13 * 49 / 15 = 93.5;
        // 1-h 0.130 -> 101 + 5 * 49 / 39 = 107.3
        var series = Enumerable.Repeat<double?>(O3(0.060), 7).Append(O3(0.130)).ToList();
        var s = Assert.Single(UsAqi.FromHourly(new Dictionary<Pollutant, IReadOnlyList<double?>> { [Pollutant.O3] = series }, From2024Table).SubIndices);
        Assert.Equal((107, "1h"), (s.Value, s.Averaging));
    }

    [Fact]
    public void O3_reports_the_8_hour_index_when_it_is_higher_than_the_1_hour_one()
    {
        // 8-h mean (7 * 0.080 + 0.126) / 8 = 0.08575 -> 0.085 -> 150; 1-h 0.126 -> 102
        var series = Enumerable.Repeat<double?>(O3(0.080), 7).Append(O3(0.126)).ToList();
        var s = Assert.Single(UsAqi.FromHourly(new Dictionary<Pollutant, IReadOnlyList<double?>> { [Pollutant.O3] = series }, From2024Table).SubIndices);
        Assert.Equal((150, "8h", 8), (s.Value, s.Averaging, s.ValidHours));
    }

    [Fact]
    public void O3_8_hour_average_above_0_200_ppm_hands_over_to_the_1_hour_table()
    {
        var series = Enumerable.Repeat<double?>(O3(0.250), 8).ToList();
        var s = Assert.Single(UsAqi.FromHourly(new Dictionary<Pollutant, IReadOnlyList<double?>> { [Pollutant.O3] = series }, From2024Table).SubIndices);
        // 0.250 ppm 1-h: 201 + (0.250 - 0.205) * 99 / 0.199 = 223.4
        Assert.Equal((223, "1h"), (s.Value, s.Averaging));
        var r = UsAqi.FromAverages(new Dictionary<Pollutant, double> { [Pollutant.O3] = O3(0.250) }, From2024Table);
        Assert.Equal(223, r.Aqi);
        Assert.Contains(r.Notes, n => n.StartsWith("o3", StringComparison.Ordinal));
    }

    [Fact]
    public void Particles_from_hourly_data_use_the_NowCast()
    {
        var series = new double?[] { 10, 20, 30 };
        var s = Assert.Single(UsAqi.FromHourly(new Dictionary<Pollutant, IReadOnlyList<double?>> { [Pollutant.Pm25] = series }, From2024Table).SubIndices);
        // NowCast 24.29 -> 24.2 -> 51 + (24.2 - 9.1) * 49 / 26.3 = 79.1
        Assert.Equal((79, "nowcast", 24.2), (s.Value, s.Averaging, s.Concentration));
    }

    [Fact]
    public void Co_with_5_valid_hours_of_8_gives_no_sub_index_and_says_why()
    {
        var series = new double?[] { 1, 1, null, 1, null, 1, null, 1 };
        var r = UsAqi.FromHourly(new Dictionary<Pollutant, IReadOnlyList<double?>> { [Pollutant.Co] = series }, From2024Table);
        Assert.Empty(r.SubIndices);
        Assert.Null(r.Aqi);
        Assert.Contains(r.Notes, n => n.StartsWith("co: 5 valid hours", StringComparison.Ordinal));
    }

    [Fact]
    public void Particles_with_too_few_recent_hours_give_no_NowCast_and_say_why()
    {
        var series = new double?[] { 30, 30, 30, 30, null, null, 30 };
        var r = UsAqi.FromHourly(new Dictionary<Pollutant, IReadOnlyList<double?>> { [Pollutant.Pm25] = series }, From2024Table);
        Assert.Empty(r.SubIndices);
        Assert.Contains(r.Notes, n => n.Contains("2 of the last 3"));
    }

    [Fact]
    public void Pollutants_outside_the_US_AQI_are_named_in_the_notes()
    {
        var r = UsAqi.FromAverages(new Dictionary<Pollutant, double> { [Pollutant.Nh3] = 100, [Pollutant.Pm10] = 60 }, From2024Table);
        Assert.Equal(Pollutant.Pm10, Assert.Single(r.SubIndices).Pollutant);
        Assert.Contains(r.Notes, n => n == "nh3: not part of the US AQI");
    }

    [Fact]
    public void No_usable_pollutant_gives_no_AQI()
    {
        var r = UsAqi.FromAverages(new Dictionary<Pollutant, double> { [Pollutant.Pb] = 1 }, From2024Table);
        Assert.Null(r.Aqi);
        Assert.False(r.Complete);
    }

    [Theory]
    [InlineData(0, "Good")]
    [InlineData(50, "Good")]
    [InlineData(51, "Moderate")]
    [InlineData(100, "Moderate")]
    [InlineData(101, "Unhealthy for Sensitive Groups")]
    [InlineData(150, "Unhealthy for Sensitive Groups")]
    [InlineData(151, "Unhealthy")]
    [InlineData(200, "Unhealthy")]
    [InlineData(201, "Very Unhealthy")]
    [InlineData(300, "Very Unhealthy")]
    [InlineData(301, "Hazardous")]
    [InlineData(500, "Hazardous")]
    [InlineData(800, "Hazardous")]
    public void Categories_follow_the_EPA_ranges(int aqi, string category) => Assert.Equal(category, UsAqi.Category(aqi));

    [Fact]
    public void Every_band_of_the_table_has_the_category_and_colour_of_its_index_range()
    {
        foreach (var r in SharedCsv.Rows(TablePath))
            foreach (var aqi in new[] { (int)SharedCsv.Number(r["aqi_lo"]), (int)SharedCsv.Number(r["aqi_hi"]) })
            {
                Assert.Equal(r["category"], UsAqi.Category(aqi));
                Assert.Equal(r["color_hex"], UsAqi.Color(aqi));
            }
    }
}
