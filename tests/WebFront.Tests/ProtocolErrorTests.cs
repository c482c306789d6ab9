using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace AirQuality.WebFront.Tests;

/// <summary>Every protocol error is a problem details document with the right status.</summary>
[Collection(ApiCollection.Name)]
public sealed class ProtocolErrorTests(EmbeddedAppWithRedis app)
{
    [Fact]
    public async Task A_wrong_method_is_a_405_problem()
    {
        var response = await app.Http.DeleteAsync("/api/v1/cities/rankings");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("GET", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task An_oversized_body_is_a_413_problem()
    {
        var body = new StringContent(new string('x', 400 * 1024), Encoding.UTF8, "application/json");
        var response = await app.Http.PostAsync("/api/v1/cache/clear", body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(413, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task An_unknown_path_is_a_404_problem()
    {
        var response = await app.Http.GetAsync("/api/v1/no-such-thing");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_openapi_document_describes_every_endpoint_with_a_summary_and_the_bearer_scheme()
    {
        var doc = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/openapi.json");

        var paths = doc.GetProperty("paths");
        foreach (var path in new[] { "/api/v1/health", "/api/v1/metrics", "/api/v1/cache/clear", "/api/v1/cities", "/api/v1/cities/rankings",
                     "/api/v1/cities/compare", "/api/v1/aqi/current/{city}", "/api/v1/aqi/pollutants/{city}", "/api/v1/aqi/calculate" })
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is not documented");
            foreach (var op in item.EnumerateObject())
                Assert.False(string.IsNullOrWhiteSpace(op.Value.GetProperty("summary").GetString()), $"{op.Name} {path} has no summary");
        }
        Assert.True(doc.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("bearer", out _));
        var docs = await app.Http.GetAsync("/api/v1/docs/index.html");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
    }
}
