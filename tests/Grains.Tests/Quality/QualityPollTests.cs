using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using AirQuality.Domain.Quality;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Quality;
using AirQuality.Grains.Tests.Ingestion;
using AirQuality.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AirQuality.Grains.Tests.Quality;

/// <summary>
/// The flags through the real poll path: a test cluster with a fake clock polls a loopback OpenWeather that replays
/// the documented response, altered so that its PM2.5 is stuck, its NO2 negative and its PM10 out of range.
/// </summary>
public sealed class QualityPollTests
{
    [Fact]
    public async Task A_stuck_negative_and_out_of_range_upstream_is_flagged_excluded_from_the_aqi_reported_and_counted()
    {
        var hour = DateTime.MinValue;
        await using var upstream = await LoopbackUpstream.StartAsync(ctx => OpenWeatherAltered(ctx, hour));
        var settings = SourceHarness.OpenWeather(upstream.BaseUrl).With(("Sources:Simulated:Enabled", "false"), ("Cities:BackfillDays", "1"));
        await using var cluster = await CityTestCluster.StartAsync(settings);
        var meter = cluster.Silo.GetRequiredService<QualityMetrics>().Meter;
        var raised = new System.Collections.Concurrent.ConcurrentDictionary<(string, string), long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter && instrument.Name == "aq.quality.flags") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? flag = null, source = null;
            foreach (var t in tags)
                if (t.Key == "flag") flag = (string?)t.Value;
                else if (t.Key == "source") source = (string?)t.Value;
            raised.AddOrUpdate((flag!, source!), value, (_, v) => v + value);
        });
        listener.Start();
        var city = cluster.Grains.GetGrain<ICityGrain>(GrainKeys.City("delhi"));

        CityCurrent current = null!;
        for (var i = 0; i < 6; i++)
        {
            hour = Hours.Floor(cluster.Clock.GetUtcNow().UtcDateTime);
            await city.PollNow();
            current = (await city.GetCurrent())!;
            Assert.Equal(hour, current.Timestamp);
            if (i == 4) Assert.DoesNotContain(current.Quality!.Flags, f => f.Flag == QualityFlags.Stuck); // five equal hours are not stuck
            cluster.Clock.Advance(TimeSpan.FromHours(1));
        }

        var flags = current.Quality!.Flags.Where(f => f.Source == SourceNames.OpenWeather).ToDictionary(f => (f.Flag, f.Pollutant));
        Assert.Equal(6, flags[(QualityFlags.Stuck, "pm25")].Values);
        Assert.Equal(6, flags[(QualityFlags.Negative, "no2")].Values);
        Assert.Equal(6, flags[(QualityFlags.OutOfRange, "pm10")].Values);
        Assert.DoesNotContain(current.Quality.Flags, f => f.Flag == QualityFlags.Stale); // a value every hour
        Assert.Equal(6, current.Quality.Excluded["openweather:pm25:stuck"]);
        Assert.Equal(6, current.Quality.Excluded["openweather:no2:negative"]);
        Assert.Equal(6, current.Quality.Excluded["openweather:pm10:out_of_range"]);
        // Excluded from the AQI: no PM2.5 sub-index (its six hours are stuck), no PM10 or NO2 values at all; O3 (8 h, 6 valid) counts.
        Assert.DoesNotContain(current.India.SubIndices, s => s.Pollutant is Pollutant.Pm25 or Pollutant.Pm10 or Pollutant.No2);
        Assert.Contains(current.India.SubIndices, s => s.Pollutant == Pollutant.O3);
        Assert.Equal(187.5, current.Latest.Get(Pollutant.Pm25));       // still shown, with its flag

        // The all-cities view has the same flags (reported by the city without waiting).
        var grain = cluster.Grains.GetGrain<IDataQualityGrain>(GrainKeys.Quality);
        await Eventually.UntilAsync(async () => (await grain.GetAll()).Any(q => q.CityId == "delhi" && q.Flags.Any(f => f.Flag == QualityFlags.Stuck)),
            TimeSpan.FromSeconds(30), "the quality grain to hold delhi's stuck flag");

        // Counted once each when raised, not once per poll.
        Assert.Equal(1, raised.GetValueOrDefault((QualityFlags.Stuck, SourceNames.OpenWeather)));
        Assert.Equal(1, raised.GetValueOrDefault((QualityFlags.Negative, SourceNames.OpenWeather)));
        Assert.Equal(1, raised.GetValueOrDefault((QualityFlags.OutOfRange, SourceNames.OpenWeather)));

        // The upstream goes quiet (answers with no hours): three hours later OpenWeather is stale for the city.
        hour = DateTime.MinValue;
        for (var i = 0; i < 3; i++)
        {
            cluster.Clock.Advance(TimeSpan.FromHours(1));
            await city.PollNow();
        }
        var stale = Assert.Single((await city.GetCurrent())!.Quality!.Flags, f => f.Flag == QualityFlags.Stale);
        Assert.Equal(SourceNames.OpenWeather, stale.Source);
        Assert.Equal(1, raised.GetValueOrDefault((QualityFlags.Stale, SourceNames.OpenWeather)));
    }

    /// <summary>
    /// OpenWeather's documented current answer for <paramref name="hour"/>, altered: PM2.5 the same every hour, NO2
    /// negative, PM10 above its bound; O3, CO, SO2 and NH3 vary by hour. No hours at all when <paramref name="hour"/>
    /// is <see cref="DateTime.MinValue"/>, and an empty history.
    /// </summary>
    private static Task OpenWeatherAltered(HttpContext ctx, DateTime hour)
    {
        var body = JsonNode.Parse(Samples.Body(Samples.OwmCurrent))!;
        if (ctx.Request.Path.Value!.EndsWith("/history", StringComparison.Ordinal) || hour == DateTime.MinValue)
        {
            body["list"] = new JsonArray();
            return LoopbackUpstream.Respond(ctx, 200, body.ToJsonString());
        }
        var entry = body["list"]![0]!;
        entry["dt"] = (long)(hour - DateTime.UnixEpoch).TotalSeconds;
        var c = entry["components"]!;
        var k = hour.Hour;
        c["pm2_5"] = 187.5;
        c["no2"] = -4.2;
        c["pm10"] = 5000.0;
        c["o3"] = 75.102 + k;
        c["co"] = 203.609 + k;
        c["so2"] = 0.648 + k;
        c["nh3"] = 0.117 + k;
        return LoopbackUpstream.Respond(ctx, 200, body.ToJsonString());
    }
}
