using AirQuality.Silo.Commands;

namespace AirQuality.Grains.Tests.Commands;

/// <summary>The `aqi` verb of the silo executable, run through the real command line.</summary>
[Collection(ConsoleCapture.Name)]
public class AqiCommandTests
{
    private static Task<(int Exit, string Out, string Error)> Run(params string[] args) =>
        ConsoleCapture.Run(() => SiloCommandLine.Build().Parse(args).InvokeAsync());

    [Fact]
    public async Task Pm25_45_alone_prints_sub_index_75_and_an_incomplete_India_AQI()
    {
        var (exit, output, error) = await Run("aqi", "--pm25", "45");
        Assert.Equal(0, exit);
        Assert.Empty(error);
        Assert.Contains("India NAQI", output);
        Assert.Matches(@"PM2\.5\s+45\s+ug/m3\s+24h\s+sub-index\s+75\s+Satisfactory", output);
        Assert.Contains("AQI not complete (highest sub-index 75)", output);
        Assert.Contains("at least 3", output);
    }

    [Fact]
    public async Task Us_standard_on_2024_06_01_prints_101_for_pm25_35_5()
    {
        var (exit, output, error) = await Run("aqi", "--standard", "us", "--pm25", "35.5", "--at", "2024-06-01");
        Assert.Equal(0, exit);
        Assert.Empty(error);
        Assert.Contains("US-EPA-2024", output);
        Assert.Contains("AQI 101 (Unhealthy for Sensitive Groups), dominant PM2.5", output);
    }

    [Fact]
    public async Task Us_standard_before_2024_05_06_uses_the_2012_table()
    {
        var (exit, output, _) = await Run("aqi", "--standard", "us", "--pm25", "12.0", "--at", "2024-05-05");
        Assert.Equal(0, exit);
        Assert.Contains("US-EPA-2012", output);
        Assert.Contains("AQI 50 (Good)", output);
    }

    [Fact]
    public async Task Three_pollutants_print_a_complete_India_AQI()
    {
        var (exit, output, _) = await Run("aqi", "--pm25", "45", "--pm10", "120", "--no2", "50");
        Assert.Equal(0, exit);
        Assert.Contains("AQI 114 (Moderately Polluted), dominant PM10", output);
    }

    [Fact]
    public async Task Json_output_carries_the_answer_in_snake_case()
    {
        var (exit, output, _) = await Run("aqi", "--pm25", "45", "--json");
        Assert.Equal(0, exit);
        using var doc = System.Text.Json.JsonDocument.Parse(output);
        Assert.Equal(75, doc.RootElement.GetProperty("max_sub_index").GetInt32());
        Assert.False(doc.RootElement.GetProperty("complete").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, doc.RootElement.GetProperty("aqi").ValueKind);
    }

    [Theory]
    [InlineData(new[] { "aqi", "--pm25", "-1" }, "pm25")]
    [InlineData(new[] { "aqi", "--standard", "xx", "--pm25", "45" }, "--standard")]
    [InlineData(new[] { "aqi", "--pm25", "abc" }, "abc")]
    [InlineData(new[] { "aqi", "--pm25", "45", "--at", "someday" }, "--at")]
    [InlineData(new[] { "aqi" }, "at least one concentration")]
    [InlineData(new[] { "aqi", "--pm25", "NaN" }, "pm25")]
    public async Task Bad_input_exits_non_zero_with_a_message(string[] args, string mentioned)
    {
        var (exit, output, error) = await Run(args);
        Assert.NotEqual(0, exit);
        Assert.Contains(mentioned, error, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(@"(?m)^AQI |sub-index", output);
    }
}
