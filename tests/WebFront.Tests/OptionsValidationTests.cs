using AirQuality.Silo;
using Microsoft.Extensions.Options;

namespace AirQuality.WebFront.Tests;

/// <summary>A bad setting stops the real host at start, naming the setting, instead of failing later.</summary>
public sealed class OptionsValidationTests
{
    private static string[] Args(params string[] settings) =>
    [
        "--urls", "http://127.0.0.1:0",
        $"--Orleans:SiloPort={EmbeddedApp.FreePort()}",
        $"--Orleans:GatewayPort={EmbeddedApp.FreePort()}",
        "--Logging:LogLevel:Default=None",
        .. settings,
    ];

    private static async Task<IReadOnlyList<string>> StartFailures(params string[] settings)
    {
        await using var app = SiloHost.Build(Args(settings));
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());
        return ex switch
        {
            OptionsValidationException o => o.Failures.ToList(),
            AggregateException a => a.InnerExceptions.OfType<OptionsValidationException>().SelectMany(o => o.Failures).ToList(),
            _ => throw new Xunit.Sdk.XunitException($"expected an options validation failure, got {ex}"),
        };
    }

    [Theory]
    [InlineData("Cities:PollPeriod", "-01:00:00")]
    [InlineData("Cities:WindowHours", "12")]
    [InlineData("Cities:MaxConcurrentPolls", "0")]
    [InlineData("Forecasting:TrainingConcurrency", "0")]
    [InlineData("Sources:OpenWeather:BaseUrl", "not a url")]
    public async Task A_bad_setting_stops_the_start_naming_the_setting(string key, string value)
    {
        var failures = await StartFailures($"--{key}={value}");

        Assert.Contains(failures, f => f.Contains(key));
    }

    [Fact]
    public async Task An_unknown_forecast_target_stops_the_start()
    {
        var failures = await StartFailures("--Forecasting:Targets=aqi,ozone");

        Assert.Contains(failures, f => f.Contains("Forecasting:Targets"));
    }

    [Fact]
    public void A_bad_rate_limit_or_cache_bound_stops_the_build()
    {
        var limit = Assert.Throws<OptionsValidationException>(() => SiloHost.Build(Args("--RateLimiting:PermitsPerSecond=0")));
        Assert.Contains(limit.Failures, f => f.Contains("RateLimiting:PermitsPerSecond"));
        var cache = Assert.Throws<OptionsValidationException>(() => SiloHost.Build(Args("--Cache:MemoryLimitMegabytes=0")));
        Assert.Contains(cache.Failures, f => f.Contains("Cache:MemoryLimitMegabytes"));
    }
}
