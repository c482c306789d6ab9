using AirQuality.Domain.Cities;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AirQuality.Grains.Tests.Ingestion;

public sealed class SourceStartupTests
{
    [Fact]
    public async Task Each_source_without_a_key_says_once_at_start_that_it_is_off_and_a_keyed_one_that_it_is_on()
    {
        var logs = new LogRecorder();
        await using var harness = SourceHarness.Create(new Dictionary<string, string?> { [CpcbOptions.KeyVariable] = "k" }, logs: logs);

        foreach (var service in harness.Get<IEnumerable<IHostedService>>()) await service.StartAsync(CancellationToken.None);

        var lines = logs.Lines.Select(l => l.Message).ToList();
        Assert.Single(lines, l => l == "OpenWeather source is off: no OPENWEATHER_API_KEY");
        Assert.Single(lines, l => l == "IQAir source is off: no IQAIR_API_KEY");
        Assert.Single(lines, l => l.StartsWith("CPCB source is ON", StringComparison.Ordinal));
        var status = harness.Get<SourceMonitor>().Snapshot();
        Assert.Equal("no OPENWEATHER_API_KEY", status.Single(s => s.Source == SourceNames.OpenWeather).OffReason);
        Assert.True(status.Single(s => s.Source == SourceNames.Cpcb).Enabled);
    }

    [Fact]
    public async Task A_keyed_iqair_says_its_plan_at_start()
    {
        var logs = new LogRecorder();
        await using var harness = SourceHarness.Create(new Dictionary<string, string?> { [IqAirOptions.KeyVariable] = "k" }, logs: logs);

        foreach (var service in harness.Get<IEnumerable<IHostedService>>()) await service.StartAsync(CancellationToken.None);

        var plan = Assert.Single(logs.Lines, l => l.Message.StartsWith("IQAir budget", StringComparison.Ordinal)).Message;
        Assert.Contains("10000 calls/month, 500/day, 5/min for 56 cities", plan);
        Assert.Matches("each city is polled every [45] h", plan);
    }

    [Fact]
    public async Task Keys_never_appear_in_the_logs_of_a_request()
    {
        var logs = new LogRecorder();
        await using var upstream = await LoopbackUpstream.StartAsync(ctx => LoopbackUpstream.Respond(ctx, 200, Samples.Body(Samples.OwmCurrent)));
        await using var harness = SourceHarness.Create(SourceHarness.OpenWeather(upstream.BaseUrl).With((OpenWeatherOptions.KeyVariable, "s3cr3t-key-value")), logs: logs);

        await harness.Get<OpenWeatherSource>().FetchAsync(CityCatalog.Default.ById("delhi")!, DateTime.UtcNow, CancellationToken.None);

        Assert.Contains(upstream.Requests, r => r.PathAndQuery.Contains("appid=s3cr3t-key-value", StringComparison.Ordinal));
        Assert.NotEmpty(logs.Lines);
        Assert.DoesNotContain(logs.Lines, l => l.Message.Contains("s3cr3t", StringComparison.Ordinal));
    }
}
