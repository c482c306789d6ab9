using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AirQuality.Grains.Abstractions;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace AirQuality.WebFront.Tests;

/// <summary>The subscriptions API through the real HTTP pipeline, and dashboard alerts over SignalR.</summary>
[Collection(ApiCollection.Name)]
public sealed class SubscriptionsApiTests(EmbeddedAppWithRedis app)
{
    private IGrainFactory Grains => app.App.Services.GetRequiredService<IGrainFactory>();

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string? body = null, string? token = EmbeddedApp.AdminToken)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        return app.Http.SendAsync(request);
    }

    private const string Kochi = """
        {"name": "Kochi board", "cities": ["Cochin"], "standard": "in", "lang": "hi",
         "rules": [{"kind": "observed_category", "category": "poor", "direction": "up"},
                   {"kind": "forecast_category", "category": "Very Poor", "min_probability": 0.7, "lead_hours": 12},
                   {"kind": "stale_data", "hours": 4}],
         "quiet_hours": {"start": "22:00", "end": "06:30"},
         "webhook": {"url": "http://127.0.0.1:9/hook", "format": "slack"}, "cooldown_minutes": 60}
        """;

    [Fact]
    public async Task A_subscription_is_created_with_its_secret_once_then_listed_without_it_and_deleted()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Post, "/api/v1/subscriptions", Kochi, token: null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Get, "/api/v1/subscriptions", token: null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Get, "/api/v1/subscriptions", token: EmbeddedApp.DashboardToken)).StatusCode);

        using var created = await Send(HttpMethod.Post, "/api/v1/subscriptions", Kochi);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var answer = await created.Content.ReadFromJsonAsync<JsonElement>();
        var secret = answer.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret);
        Assert.Contains("HMAC-SHA256", answer.GetProperty("signature").GetString());
        var sub = answer.GetProperty("subscription");
        var id = sub.GetProperty("id").GetString()!;
        Assert.Equal($"/api/v1/subscriptions/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal(["kochi"], sub.GetProperty("cities").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("hi", sub.GetProperty("lang").GetString());
        var rules = sub.GetProperty("rules").EnumerateArray().ToList();
        Assert.Equal("Poor", rules[0].GetProperty("category").GetString());
        Assert.Equal("up", rules[0].GetProperty("direction").GetString());
        Assert.Equal(0.7, rules[1].GetProperty("min_probability").GetDouble());
        Assert.Equal(12, rules[1].GetProperty("lead_hours").GetInt32());
        Assert.Equal(4, rules[2].GetProperty("hours").GetInt32());
        Assert.Equal("06:30", sub.GetProperty("quiet_hours").GetProperty("end").GetString());
        Assert.Equal("slack", sub.GetProperty("webhook").GetProperty("format").GetString());
        Assert.Equal(60, sub.GetProperty("cooldown_minutes").GetInt32());

        var list = await (await Send(HttpMethod.Get, "/api/v1/subscriptions")).Content.ReadAsStringAsync();
        Assert.Contains(id, list);
        Assert.DoesNotContain(secret, list);
        var one = await Send(HttpMethod.Get, $"/api/v1/subscriptions/{id}");
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.DoesNotContain(secret, await one.Content.ReadAsStringAsync());
        var deliveries = await (await Send(HttpMethod.Get, $"/api/v1/subscriptions/{id}/deliveries?limit=10&lang=en")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(id, deliveries.GetProperty("subscription_id").GetString());
        Assert.Equal(JsonValueKind.Array, deliveries.GetProperty("dead_letters").ValueKind);

        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, $"/api/v1/subscriptions/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, $"/api/v1/subscriptions/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Delete, $"/api/v1/subscriptions/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, $"/api/v1/subscriptions/{id}/deliveries")).StatusCode);
        Assert.DoesNotContain(id, await (await Send(HttpMethod.Get, "/api/v1/subscriptions")).Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("{", "body")]
    [InlineData("null", "body")]
    [InlineData("""{"rules": [], "dashboard": true}""", "rules")]
    [InlineData("""{"cities": ["Dehli"], "rules": [{"kind": "grap_stage"}], "dashboard": true}""", "cities[0]")]
    [InlineData("""{"standard": "uk", "rules": [{"kind": "grap_stage"}], "dashboard": true}""", "standard")]
    [InlineData("""{"lang": "fr", "rules": [{"kind": "grap_stage"}], "dashboard": true}""", "lang")]
    [InlineData("""{"rules": [{"kind": "sunspots"}], "dashboard": true}""", "rules[0].kind")]
    [InlineData("""{"rules": [{"kind": "forecast_category"}], "dashboard": true}""", "rules[0].category")]
    [InlineData("""{"rules": [{"kind": "forecast_category", "category": "Very Poor", "min_probability": 1.5}], "dashboard": true}""", "rules[0].min_probability")]
    [InlineData("""{"rules": [{"kind": "forecast_category", "category": "Very Poor", "lead_hours": 72}], "dashboard": true}""", "rules[0].lead_hours")]
    [InlineData("""{"standard": "us", "rules": [{"kind": "observed_category", "category": "Severe"}], "dashboard": true}""", "rules[0].category")]
    [InlineData("""{"rules": [{"kind": "observed_category", "direction": "sideways"}], "dashboard": true}""", "rules[0].direction")]
    [InlineData("""{"rules": [{"kind": "grap_stage"}], "quiet_hours": {"start": "25:00", "end": "07:00"}, "dashboard": true}""", "quiet_hours.start")]
    [InlineData("""{"rules": [{"kind": "grap_stage"}], "webhook": {"url": "ftp://example.org/x"}}""", "webhook.url")]
    [InlineData("""{"rules": [{"kind": "grap_stage"}], "webhook": {"url": "https://example.org/x", "format": "teams"}}""", "webhook.format")]
    [InlineData("""{"rules": [{"kind": "grap_stage"}]}""", "webhook")]
    [InlineData("""{"rules": [{"kind": "grap_stage"}], "dashboard": true, "cooldown_minutes": -1}""", "cooldown_minutes")]
    public async Task Bad_subscriptions_get_a_problem_naming_the_field(string body, string parameter)
    {
        using var response = await Send(HttpMethod.Post, "/api/v1/subscriptions", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task The_subscription_endpoints_are_in_the_openapi_document_behind_the_bearer_scheme()
    {
        var doc = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/openapi.json");
        var paths = doc.GetProperty("paths");
        Assert.True(paths.GetProperty("/api/v1/subscriptions").TryGetProperty("post", out var post));
        Assert.True(post.GetProperty("responses").TryGetProperty("201", out _));
        Assert.True(post.GetProperty("responses").TryGetProperty("400", out _));
        Assert.True(paths.GetProperty("/api/v1/subscriptions/{id}").TryGetProperty("delete", out _));
        Assert.True(paths.GetProperty("/api/v1/subscriptions/{id}/deliveries").TryGetProperty("get", out var deliveries));
        Assert.False(string.IsNullOrWhiteSpace(deliveries.GetProperty("summary").GetString()));
        Assert.True(doc.GetProperty("components").GetProperty("schemas").TryGetProperty("SubscriptionRequest", out _));
    }

    [Fact]
    public async Task Dashboard_users_who_opt_in_receive_alerts_over_SignalR()
    {
        using var created = await Send(HttpMethod.Post, "/api/v1/subscriptions",
            """{"cities": ["Meerut"], "rules": [{"kind": "observed_category", "category": "Poor"}], "dashboard": true, "cooldown_minutes": 0}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("subscription").GetProperty("id").GetString()!;
        try
        {
            await using var hub = new HubConnectionBuilder().WithUrl(new Uri(app.BaseAddress, "/hubs/aqi")).Build();
            var received = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
            hub.On<JsonElement>("alert", alert =>
            {
                // The city's own readings are evaluated too: wait for the crossing up, whichever value made it.
                if (alert.GetProperty("subscription_id").GetString() == id && alert.GetProperty("event").GetString() == "crossed_up") received.TrySetResult(alert);
            });
            await hub.StartAsync();
            await hub.InvokeAsync("SubscribeAlerts");

            // The web front's subscription to the cluster's alerts renews every minute; the first one is made at start.
            var grain = Grains.GetGrain<IAlertSubscriptionGrain>(GrainKeys.AlertSubscription(id));
            var now = DateTime.UtcNow;
            CityAlertSnapshot At(int aqi) => new("meerut", "Meerut", now, now, aqi, null, now, true, null, null);
            await grain.Evaluate(At(150));
            await grain.Evaluate(At(260));

            var alert = await received.Task.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal("meerut", alert.GetProperty("city_id").GetString());
            Assert.Equal("crossed_up", alert.GetProperty("event").GetString());
            // The crossing is the test's 260 (Poor) or, when the city's own hour got there first, its reading: the
            // advice is the category of whichever AQI crossed, and that is Poor or worse.
            var aqi = alert.GetProperty("aqi").GetInt32();
            var category = alert.GetProperty("category").GetString();
            Assert.True(aqi > 200, $"crossed up to Poor at AQI {aqi}");
            Assert.Equal(AirQuality.Domain.Aqi.IndiaAqi.Category(aqi), category);
            Assert.Equal(category, alert.GetProperty("health_advice").GetProperty("category").GetString());
            var log = await (await Send(HttpMethod.Get, $"/api/v1/subscriptions/{id}/deliveries")).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains(log.GetProperty("deliveries").EnumerateArray(), d => d.GetProperty("channel").GetString() == "dashboard");
        }
        finally
        {
            await Send(HttpMethod.Delete, $"/api/v1/subscriptions/{id}");
        }
    }
}
