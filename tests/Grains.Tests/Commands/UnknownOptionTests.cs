using AirQuality.Silo.Commands;

namespace AirQuality.Grains.Tests.Commands;

/// <summary>A typo on the command line stops the verb with exit code 2 and says what was meant; nothing runs on defaults.</summary>
[Collection(ConsoleCapture.Name)]
public sealed class UnknownOptionTests
{
    private static Task<(int Exit, string Out, string Error)> Run(params string[] args) =>
        ConsoleCapture.Run(() => SiloCommandLine.InvokeAsync(args));

    [Fact]
    public async Task Aqi_with_an_unknown_flag_exits_2_and_computes_nothing()
    {
        var (exit, output, error) = await Run("aqi", "--pm25", "45", "--bogus-flag", "3");

        Assert.Equal(2, exit);
        Assert.DoesNotContain("sub-index", output);
        Assert.Contains("--bogus-flag", error);
    }

    [Fact]
    public async Task Aqi_with_a_misspelt_option_suggests_the_right_one()
    {
        var (exit, _, error) = await Run("aqi", "--pm2", "45");

        Assert.Equal(2, exit);
        Assert.Contains("Did you mean", error);
        Assert.Contains("--pm25", error);
    }

    [Theory]
    [InlineData("evaluate", "--input", "x.csv", "--format", "openaq", "--protocl", "rolling")]
    [InlineData("import", "--input", "x.csv", "--format", "openaq", "--all-or-nothin")]
    [InlineData("migrate", "--chek")]
    [InlineData("evaluate", "--input", "x.csv", "--format", "openaq", "--Cities:BackfillDays=3")]
    public async Task Every_operator_verb_rejects_an_unknown_option_with_exit_2(params string[] args)
    {
        var (exit, _, error) = await Run(args);

        Assert.Equal(2, exit);
        Assert.Contains("Unrecognized", error);
    }

    [Theory]
    [InlineData("run", "--rol", "web")]
    [InlineData("--rol", "web")]
    [InlineData("run", "--Cities:BackfillDays", "30")]
    public async Task Run_accepts_configuration_only_as_section_key_equals_value(params string[] args)
    {
        var (exit, _, error) = await Run(args);

        Assert.Equal(2, exit);
        Assert.Contains("--Section:Key=value", error);
        if (args.Contains("--rol")) Assert.Contains("Did you mean '--role'?", error);
    }
}
