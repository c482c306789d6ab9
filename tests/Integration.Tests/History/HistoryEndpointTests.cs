using AirQuality.Grains.Abstractions;
using System.Net;
using System.Text.Json;
using AirQuality.Domain.Readings;
using AirQuality.Grains;
using AirQuality.Grains.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace AirQuality.Integration.Tests.History;

public sealed class HistoryEndpointTests(SiloWithPostgres silo) : IClassFixture<SiloWithPostgres>
{
    [Fact]
    public async Task Default_history_is_the_last_24_hours_each_with_values_sources_and_aqi()
    {
        var body = await GetJson("/api/v1/aqi/history/Delhi");

        Assert.Equal("delhi", body.GetProperty("city_id").GetString());
        Assert.Equal("in", body.GetProperty("standard").GetString());
        Assert.Equal(24, body.GetProperty("span_hours").GetInt32());
        var from = body.GetProperty("from").GetDateTime();
        var to = body.GetProperty("to").GetDateTime();
        var readings = body.GetProperty("readings").EnumerateArray().ToList();
        Assert.InRange(readings.Count, 20, 24);
        Assert.Equal(readings.Count, body.GetProperty("count").GetInt32());
        var stamps = readings.Select(r => r.GetProperty("timestamp").GetDateTime()).ToList();
        Assert.Equal(stamps.Order(), stamps);
        Assert.All(stamps, t => Assert.InRange(t, from, to.AddTicks(-1)));
        var last = readings[^1];
        Assert.True(last.GetProperty("pm25").GetDouble() > 0);
        Assert.True(last.GetProperty("no2").GetDouble() > 0);
        Assert.Equal("simulated", last.GetProperty("sources").GetProperty("pm25").GetString());
        Assert.True(last.GetProperty("simulated").GetBoolean());
        Assert.True(body.GetProperty("simulated").GetBoolean());
        // Three days of backfill give every hour its 24-hour averages: the India AQI is complete.
        Assert.True(last.GetProperty("complete").GetBoolean());
        Assert.InRange(last.GetProperty("aqi").GetInt32(), 1, 500);

        var us = await GetJson("/api/v1/aqi/history/delhi?hours=6&standard=us");
        Assert.Equal("us", us.GetProperty("standard").GetString());
        Assert.Equal(6, us.GetProperty("span_hours").GetInt32());
    }

    [Fact]
    public async Task Older_hours_come_from_the_store_and_recent_ones_from_the_grains_window()
    {
        var now = DateTime.UtcNow;
        var old = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc).AddDays(-10);
        await new PostgresReadingStore(silo.Readings, NullLogger<PostgresReadingStore>.Instance)
            .SaveHoursAsync("delhi", [new CityHour(old, [new Measurement(Pollutant.Pm25, 123.4, SourceNames.Cpcb)], null)]);

        // Change the latest stored hour behind the grain's back: the answer must still show the grain's window.
        DateTime latest;
        await using (var conn = new NpgsqlConnection(silo.ConnectionString))
        {
            await conn.OpenAsync();
            await using var max = new NpgsqlCommand("SELECT max(hour) FROM city_hour WHERE city_id = 'delhi'", conn);
            latest = (DateTime)(await max.ExecuteScalarAsync())!;
            await using var tamper = new NpgsqlCommand("UPDATE city_hour SET pm25 = 1999, pm25_source = 'cpcb' WHERE city_id = 'delhi' AND hour = @h", conn);
            tamper.Parameters.AddWithValue("h", latest);
            Assert.Equal(1, await tamper.ExecuteNonQueryAsync());
        }

        var recent = await GetJson("/api/v1/aqi/history/delhi?hours=3");
        var newest = recent.GetProperty("readings").EnumerateArray().Last();
        Assert.Equal(latest, newest.GetProperty("timestamp").GetDateTime().ToUniversalTime());
        Assert.NotEqual(1999, newest.GetProperty("pm25").GetDouble());
        Assert.Equal("simulated", newest.GetProperty("sources").GetProperty("pm25").GetString());

        var past = await GetJson($"/api/v1/aqi/history/delhi?from={old.AddHours(-1):yyyy-MM-ddTHH:mm:ssZ}&to={old.AddHours(2):yyyy-MM-ddTHH:mm:ssZ}");
        var hour = Assert.Single(past.GetProperty("readings").EnumerateArray());
        Assert.Equal(old, hour.GetProperty("timestamp").GetDateTime().ToUniversalTime());
        Assert.Equal(123.4, hour.GetProperty("pm25").GetDouble());
        Assert.Equal("cpcb", hour.GetProperty("source").GetString());
        Assert.False(hour.GetProperty("simulated").GetBoolean());
        Assert.False(hour.GetProperty("complete").GetBoolean()); // one hour of PM2.5 is not 16 of 24
        Assert.Equal(3, past.GetProperty("span_hours").GetInt32());
    }

    [Theory]
    [InlineData("hours=0", "hours")]
    [InlineData("hours=2161", "hours")]
    [InlineData("hours=many", "hours")]
    [InlineData("from=2025-01-10&to=2025-01-01", "from")]
    [InlineData("from=2025-01-01&to=2025-06-01", "from")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2025-13-01", "to")]
    [InlineData("hours=5&from=2025-01-01&to=2025-01-02", "hours")]
    [InlineData("standard=eu", "standard")]
    public async Task Bad_ranges_get_400_problem_details_naming_the_parameter(string query, string parameter)
    {
        var response = await silo.Http.GetAsync($"/api/v1/aqi/history/delhi?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(400, body.GetProperty("status").GetInt32());
        Assert.Equal(parameter, body.GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task Unknown_city_gets_404_with_suggestions()
    {
        var response = await silo.Http.GetAsync("/api/v1/aqi/history/Dehli?hours=5");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("Delhi", body.GetProperty("suggestions").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public async Task Health_reports_the_database_connected()
    {
        var body = await GetJson("/api/v1/health");
        Assert.Equal("connected", body.GetProperty("database").GetString());
    }

    [Fact]
    public async Task The_maintenance_grain_is_scheduled_at_start_and_runs_on_the_store()
    {
        var grain = silo.Grains.GetGrain<IStorageMaintenanceGrain>(GrainKeys.StorageMaintenance);
        await Eventually.UntilAsync(async () => (await grain.GetStatus()).Scheduled, TimeSpan.FromSeconds(30), "the maintenance reminder's registration");
        var report = await grain.RunNow();
        Assert.Equal("postgresql", report.Store);
        Assert.Equal(report, (await grain.GetStatus()).LastRun);
        Assert.Equal(TimeSpan.FromDays(1), (await grain.GetStatus()).Period);
    }

    private async Task<JsonElement> GetJson(string path)
    {
        var response = await silo.Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement;
    }
}
