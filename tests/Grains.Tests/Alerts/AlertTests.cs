using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AirQuality.Domain.Aqi;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Alerts;
using AirQuality.TestSupport;
using MathNet.Numerics.Distributions;
using Microsoft.AspNetCore.Http;

namespace AirQuality.Grains.Tests.Alerts;

/// <summary>
/// Subscriptions on a test cluster with a fake clock, delivering to a real loopback webhook receiver: the rules
/// (forecast crossing, hysteresis, GRAP, stale data), quiet hours, retries and dead letters, and the signatures.
/// </summary>
public sealed class AlertTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private CityTestCluster _cluster = null!;
    private Receiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _receiver = await Receiver.StartAsync();
        _cluster = await CityTestCluster.StartAsync(new Dictionary<string, string?>
        {
            ["Alerts:MaxRetries"] = "2",
            ["Alerts:RetryBaseDelay"] = "00:00:00.020",
            ["Alerts:AttemptTimeout"] = "00:00:05",
            // The periodic check is run by the tests themselves.
            ["Alerts:CheckPeriod"] = "00:00:00",
            ["Sources:Simulated:Enabled"] = "false",
        });
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private DateTime Now => _cluster.Clock.GetUtcNow().UtcDateTime;

    private async Task<(IAlertSubscriptionGrain Grain, string Secret)> SubscribeAsync(AlertRule rule, QuietHours? quiet = null,
        WebhookFormat format = WebhookFormat.Generic, TimeSpan? cooldown = null, string language = "en", IReadOnlyList<string>? cities = null)
    {
        var id = "sub_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var grain = _cluster.Grains.GetGrain<IAlertSubscriptionGrain>(GrainKeys.AlertSubscription(id));
        var spec = new AlertSubscriptionSpec("test", cities ?? ["delhi"], AqiStandard.India, language, [rule], quiet,
            new WebhookTarget(_receiver.Url, format), false, cooldown ?? TimeSpan.Zero);
        var created = await grain.Create(spec);
        Assert.StartsWith("whsec_", created.Secret);
        return (grain, created.Secret);
    }

    private CityAlertSnapshot Snapshot(int? aqi, CityForecast? forecast = null, bool grap = false, DateTime? lastReading = null) =>
        new("delhi", "Delhi", Now, Hours.Floor(Now), aqi, null, lastReading ?? Hours.Floor(Now), grap, forecast, null);

    /// <summary>Waits until nothing is pending and returns the log.</summary>
    private static async Task<AlertDeliveryLog> SettledAsync(IAlertSubscriptionGrain grain, int deliveries)
    {
        AlertDeliveryLog? log = null;
        await Eventually.UntilAsync(async () =>
        {
            log = await grain.GetDeliveries(100);
            return log!.Pending == 0 && log.Deliveries.Count >= deliveries ? null : $"{log.Pending} pending, {log.Deliveries.Count} delivered";
        }, Wait, "deliveries");
        return log!;
    }

    // Bands of a forecast whose error is normal in log(1 + x) with spread sigma: the 80 % and 90 % edges as quantiles.
    private static readonly double Z80 = Normal.InvCDF(0, 1, 0.9);
    private static readonly double Z90 = Normal.InvCDF(0, 1, 0.95);

    private CityForecast RisingForecast(double start, double perHour, double sigma)
    {
        var origin = Hours.Floor(Now);
        var hours = Enumerable.Range(1, 48).Select(h =>
        {
            var v = start + perHour * h;
            double Edge(double z) => (1 + v) * Math.Exp(z * sigma) - 1;
            return new ForecastHour(origin.AddHours(h), h, v, Edge(-Z80), Edge(Z80), Edge(-Z90), Edge(Z90));
        }).ToList();
        return new CityForecast("delhi", "aqi", origin, Now, "gradient_boosting", 3, false, "test", hours);
    }

    [Fact]
    public async Task A_forecast_crossing_gives_exactly_one_alert_with_the_probability_and_lead_time_of_its_first_likely_hour()
    {
        var (grain, _) = await SubscribeAsync(new AlertRule(AlertRuleKind.ForecastCategory, Category: "Very Poor", MinProbability: 0.6, LeadHours: 24), language: "hi");
        const double sigma = 0.12;
        var forecast = RisingForecast(240, 4, sigma);

        // By hand: P(rounded AQI >= 301) = 1 - Phi((ln(1 + 300.5) - ln(1 + v)) / sigma) at each hour; the first hour at 0.6 or more.
        var expected = forecast.Hours.Where(h => h.Horizon <= 24)
            .Select(h => (h, P: 1 - Normal.CDF(0, 1, (Math.Log(301.5) - Math.Log(1 + h.Value)) / sigma)))
            .First(x => x.P >= 0.6);
        Assert.InRange(expected.h.Horizon, 2, 23);

        await grain.Evaluate(Snapshot(250, forecast));
        await grain.Evaluate(Snapshot(251, forecast));
        // The next refresh of the same outlook (slightly higher) is the same crossing, not a new one.
        await grain.Evaluate(Snapshot(252, RisingForecast(241, 4, sigma)));
        await grain.Evaluate(Snapshot(252, forecast));

        var log = await SettledAsync(grain, 1);
        Assert.Equal(1, (await grain.Get())!.Alerts);
        var request = Assert.Single(_receiver.Requests);
        var alert = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal("forecast_crossing", alert.GetProperty("event").GetString());
        Assert.Equal("forecast_category", alert.GetProperty("rule").GetString());
        Assert.Equal("Very Poor", alert.GetProperty("category").GetString());
        Assert.Equal(301, alert.GetProperty("threshold").GetInt32());
        Assert.Equal(expected.h.Horizon, alert.GetProperty("lead_hours").GetInt32());
        Assert.Equal(expected.h.Time, alert.GetProperty("forecast_hour").GetDateTime().ToUniversalTime());
        Assert.Equal(Math.Round(expected.P, 4), alert.GetProperty("probability").GetDouble(), 4);
        Assert.Equal(250, alert.GetProperty("aqi").GetInt32());
        Assert.Equal("gradient_boosting v3", alert.GetProperty("model").GetString());
        var advice = alert.GetProperty("health_advice");
        Assert.Equal("Very Poor", advice.GetProperty("category").GetString());
        Assert.Equal("hi", advice.GetProperty("language").GetString());
        Assert.Contains(advice.GetProperty("text").GetString()!, ch => ch is >= '\u0900' and <= '\u097F');
        var delivery = Assert.Single(log.Deliveries);
        Assert.True(delivery.Delivered);
        Assert.Equal(1, delivery.Attempts);
    }

    [Fact]
    public async Task A_value_oscillating_around_an_edge_gives_one_alert_and_a_real_fall_another()
    {
        // No cooldown: only the hysteresis keeps the wobble quiet.
        var (grain, _) = await SubscribeAsync(new AlertRule(AlertRuleKind.ObservedCategory, Category: "Poor", Hysteresis: 10));

        foreach (var aqi in new[] { 195, 203, 199, 202, 198, 201, 200, 205, 196, 204, 192 })
            await grain.Evaluate(Snapshot(aqi));
        var log = await SettledAsync(grain, 1);
        Assert.Equal(1, (await grain.Get())!.Alerts);
        var up = JsonDocument.Parse(Assert.Single(_receiver.Requests).Body).RootElement;
        Assert.Equal("crossed_up", up.GetProperty("event").GetString());
        Assert.Equal(203, up.GetProperty("aqi").GetInt32());
        Assert.Equal("Moderately Polluted", up.GetProperty("previous_category").GetString());

        // 190 is more than 10 points below the edge of 201: that is a crossing down.
        await grain.Evaluate(Snapshot(190));
        await SettledAsync(grain, 2);
        Assert.Equal(2, _receiver.Requests.Count);
        Assert.Equal("crossed_down", JsonDocument.Parse(_receiver.Requests[1].Body).RootElement.GetProperty("event").GetString());
        Assert.Single(log.Deliveries);
    }

    [Fact]
    public async Task The_same_alert_within_the_cooldown_is_sent_once()
    {
        // Hysteresis 0: every swing across the edge is a crossing; the cooldown of an hour keeps the repeats out.
        var (grain, _) = await SubscribeAsync(new AlertRule(AlertRuleKind.ObservedCategory, AlertDirection.Up, "Poor", Hysteresis: 0), cooldown: TimeSpan.FromHours(1));
        foreach (var aqi in new[] { 195, 210, 195, 210, 195, 210 })
            await grain.Evaluate(Snapshot(aqi));
        await SettledAsync(grain, 1);
        Assert.Single(_receiver.Requests);

        _cluster.Clock.Advance(TimeSpan.FromMinutes(61));
        await grain.Evaluate(Snapshot(195));
        await grain.Evaluate(Snapshot(210));
        await SettledAsync(grain, 2);
        Assert.Equal(2, _receiver.Requests.Count);
    }

    [Fact]
    public async Task A_failed_delivery_is_retried_with_backoff_and_then_dead_lettered()
    {
        _receiver.Status = _ => 503;
        var (grain, _) = await SubscribeAsync(new AlertRule(AlertRuleKind.ObservedCategory, Category: "Poor"));
        await grain.Evaluate(Snapshot(180));
        await grain.Evaluate(Snapshot(230));

        var log = await SettledAsync(grain, 1);
        var delivery = Assert.Single(log.Deliveries);
        Assert.False(delivery.Delivered);
        Assert.Equal("webhook", delivery.Channel);
        Assert.Equal(3, delivery.Attempts);      // the first attempt and Alerts:MaxRetries = 2
        Assert.Equal(["503", "503", "503"], delivery.AttemptLog);
        Assert.Equal(503, delivery.Status);
        Assert.Equal(3, _receiver.Requests.Count);
        var dead = Assert.Single(log.DeadLetters);
        Assert.Equal(delivery.AlertId, dead.Alert.Id);
        Assert.Equal(3, dead.Attempts);
        Assert.Equal(_receiver.Requests[0].Body, dead.Body);
        // Every attempt is the same alert, signed afresh.
        Assert.Single(_receiver.Requests.Select(r => r.Headers[WebhookSignature.DeliveryHeader]).Distinct());
        var view = await grain.Get();
        Assert.Equal((0, 1), (view!.Delivered, view.DeadLettered));
    }

    [Fact]
    public async Task A_delivery_that_fails_twice_and_then_succeeds_is_delivered_on_the_third_attempt()
    {
        var calls = 0;
        _receiver.Status = _ => Interlocked.Increment(ref calls) <= 2 ? 500 : 200;
        var (grain, _) = await SubscribeAsync(new AlertRule(AlertRuleKind.ObservedCategory, Category: "Poor"));
        await grain.Evaluate(Snapshot(180));
        await grain.Evaluate(Snapshot(230));

        var log = await SettledAsync(grain, 1);
        var delivery = Assert.Single(log.Deliveries);
        Assert.True(delivery.Delivered);
        Assert.Equal(["500", "500", "200"], delivery.AttemptLog);
        Assert.Empty(log.DeadLetters);
    }

    [Fact]
    public async Task Webhook_signatures_verify_with_the_subscriptions_secret_and_not_with_another()
    {
        var (grain, secret) = await SubscribeAsync(new AlertRule(AlertRuleKind.ObservedCategory, Category: "Poor"));
        await grain.Evaluate(Snapshot(180));
        await grain.Evaluate(Snapshot(230));
        await SettledAsync(grain, 1);
        var request = Assert.Single(_receiver.Requests);

        var timestamp = request.Headers[WebhookSignature.TimestampHeader];
        var signature = request.Headers[WebhookSignature.SignatureHeader];
        Assert.Equal(_cluster.Clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), timestamp);
        // By hand, as a receiver would: HMAC-SHA256 keyed with the secret over "timestamp.body".
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + "." + request.Body));
        Assert.Equal("v1=" + Convert.ToHexStringLower(mac), signature);

        var body = Encoding.UTF8.GetBytes(request.Body);
        var now = _cluster.Clock.GetUtcNow();
        Assert.True(WebhookSignature.Verify(secret, timestamp, signature, body, now));
        Assert.False(WebhookSignature.Verify(secret + "x", timestamp, signature, body, now));
        Assert.False(WebhookSignature.Verify("whsec_someone-else", timestamp, signature, body, now));
        Assert.False(WebhookSignature.Verify(secret, timestamp, signature, Encoding.UTF8.GetBytes(request.Body.Replace("230", "231")), now));
        // A replay ten minutes later is refused, though the signature itself is right.
        Assert.False(WebhookSignature.Verify(secret, timestamp, signature, body, now.AddMinutes(10)));
    }

    [Fact]
    public async Task Quiet_hours_hold_alerts_and_deliver_them_when_they_end()
    {
        var (grain, _) = await SubscribeAsync(new AlertRule(AlertRuleKind.ObservedCategory, Category: "Poor"),
            quiet: new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 0)));
        // 10:59:58 UTC + 6 h = 22:29:58 IST: quiet.
        _cluster.Clock.Advance(TimeSpan.FromHours(6));
        await grain.Evaluate(Snapshot(180));
        await grain.Evaluate(Snapshot(230));
        var held = await grain.GetDeliveries(10);
        Assert.Single(held!.Held);
        Assert.Equal(0, held.Pending);
        Assert.Empty(held.Deliveries);

        // 06:29:58 IST: still quiet.
        _cluster.Clock.Advance(TimeSpan.FromHours(8));
        await grain.Tick();
        Assert.Single((await grain.GetDeliveries(10))!.Held);
        Assert.Empty(_receiver.Requests);

        // 07:29:58 IST: released, marked with when.
        _cluster.Clock.Advance(TimeSpan.FromHours(1));
        await grain.Tick();
        var log = await SettledAsync(grain, 1);
        Assert.Empty(log.Held);
        var alert = JsonDocument.Parse(Assert.Single(_receiver.Requests).Body).RootElement;
        Assert.Equal("crossed_up", alert.GetProperty("event").GetString());
        Assert.Equal(Now, alert.GetProperty("held_until").GetDateTime().ToUniversalTime());
        Assert.Equal(Now.AddHours(-9), alert.GetProperty("at").GetDateTime().ToUniversalTime());
    }

    [Fact]
    public async Task A_GRAP_stage_change_alerts_in_Slacks_format_and_a_wobble_on_the_stage_edge_does_not()
    {
        var (grain, _) = await SubscribeAsync(new AlertRule(AlertRuleKind.GrapStage), format: WebhookFormat.Slack);
        foreach (var aqi in new[] { 280, 320, 305, 299, 302, 295 })
            await grain.Evaluate(Snapshot(aqi, grap: true));
        await SettledAsync(grain, 1);
        var slack = JsonDocument.Parse(Assert.Single(_receiver.Requests).Body).RootElement;
        var text = slack.GetProperty("text").GetString()!;
        Assert.Contains("GRAP Stage II", text);
        Assert.Contains("India AQI 320", text);
        Assert.Contains("was Stage I", text);
        var blocks = slack.GetProperty("blocks").EnumerateArray().ToList();
        Assert.Equal("section", blocks[0].GetProperty("type").GetString());
        Assert.Contains("GRAP stage 2", blocks[0].GetProperty("text").GetProperty("text").GetString());
        Assert.Contains("CPCB", blocks[1].GetProperty("elements")[0].GetProperty("text").GetString());

        // 290 is 11 points below Stage II's 301: back to Stage I.
        await grain.Evaluate(Snapshot(290, grap: true));
        var log = await SettledAsync(grain, 2);
        Assert.Contains("Stage I ", JsonDocument.Parse(_receiver.Requests[1].Body).RootElement.GetProperty("text").GetString());
        Assert.Equal(2, log.Deliveries.Count);
    }

    [Fact]
    public async Task Stale_data_alerts_once_and_says_when_readings_arrive_again()
    {
        var (grain, _) = await SubscribeAsync(new AlertRule(AlertRuleKind.StaleData, Hours: 3));
        var hour = Hours.Floor(Now);
        await grain.Evaluate(Snapshot(150, lastReading: hour));
        _cluster.Clock.Advance(TimeSpan.FromHours(4));
        await grain.Evaluate(Snapshot(150, lastReading: hour));
        await grain.Evaluate(Snapshot(150, lastReading: hour));
        await SettledAsync(grain, 1);
        var stale = JsonDocument.Parse(Assert.Single(_receiver.Requests).Body).RootElement;
        Assert.Equal("stale", stale.GetProperty("event").GetString());
        // The last reading's hour started at 10:00; it is now 14:59:58.
        Assert.Equal(Math.Round((Now - hour).TotalHours, 1), stale.GetProperty("age_hours").GetDouble());
        Assert.Equal(5.0, stale.GetProperty("age_hours").GetDouble());

        await grain.Evaluate(Snapshot(150, lastReading: Hours.Floor(Now)));
        await SettledAsync(grain, 2);
        Assert.Equal("fresh_again", JsonDocument.Parse(_receiver.Requests[1].Body).RootElement.GetProperty("event").GetString());
    }

    [Fact]
    public async Task Readings_that_cross_a_category_reach_the_webhook_through_the_city_and_notifier()
    {
        var (grain, _) = await SubscribeAsync(new AlertRule(AlertRuleKind.ObservedCategory));
        var city = _cluster.Grains.GetGrain<ICityGrain>(GrainKeys.City("delhi"));
        var last = Hours.Floor(Now);
        IReadOnlyList<SourceReading> Readings(int from, int count, double pm25) => Enumerable.Range(from, count)
            .Select(i => new SourceReading("delhi", last.AddHours(i), SourceNames.Cpcb,
                new Dictionary<Pollutant, double>
                {
                    // Values vary by the hour: a value repeated for hours is flagged stuck and left out of the AQI.
                    [Pollutant.Pm25] = pm25 + Math.Abs(i) % 3,
                    [Pollutant.Pm10] = 60 + Math.Abs(i) % 4,
                    [Pollutant.No2] = 20 + Math.Abs(i) % 5,
                }, null)).ToList();

        // A day of PM2.5 at 50-52 µg/m³ (Satisfactory); twelve hours later, twelve hours at 200-202 (Very Poor).
        await city.Ingest(Readings(-23, 24, 50));
        await Eventually.UntilAsync(async () => (await grain.Get())!.Evaluations >= 1, Wait, "the first evaluation");
        Assert.Empty(_receiver.Requests);
        _cluster.Clock.Advance(TimeSpan.FromHours(12));
        await city.Ingest(Readings(1, 12, 200));

        await Eventually.UntilAsync(async () => _receiver.Requests.Count >= 1, Wait, "the alert");
        var current = (await city.GetCurrent())!;
        var alert = JsonDocument.Parse(Assert.Single(_receiver.Requests).Body).RootElement;
        Assert.Equal("crossed_up", alert.GetProperty("event").GetString());
        Assert.Equal("delhi", alert.GetProperty("city_id").GetString());
        Assert.Equal(current.India.Headline, alert.GetProperty("aqi").GetInt32());
        Assert.Equal(current.India.Category, alert.GetProperty("category").GetString());
    }

    /// <summary>A loopback webhook receiver that keeps every request's headers and body.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly ConcurrentQueue<(IReadOnlyDictionary<string, string> Headers, string Body)> _requests = new();
        private LoopbackServer _server = null!;

        public Func<HttpContext, int> Status { get; set; } = _ => 200;

        public string Url => _server.BaseUrl + "/hook";

        public IReadOnlyList<(IReadOnlyDictionary<string, string> Headers, string Body)> Requests => [.. _requests];

        public static async Task<Receiver> StartAsync()
        {
            var receiver = new Receiver();
            receiver._server = await LoopbackServer.StartAsync(async ctx =>
            {
                using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                receiver._requests.Enqueue((ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
                await LoopbackServer.Respond(ctx, receiver.Status(ctx), "{}");
            });
            return receiver;
        }

        public async ValueTask DisposeAsync() => await _server.DisposeAsync();
    }
}
