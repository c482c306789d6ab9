using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace AirQuality.WebFront.Tests;

/// <summary>
/// Sends malformed, hostile and absurd input to every endpoint the OpenAPI document lists and asserts that none of
/// it gets a 5xx: a client's mistake is always a 4xx problem (or a normal answer).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class FuzzTests(EmbeddedAppWithRedis app)
{
    private static readonly string[] PathValues =
    [
        " ", "x", new('a', 5000), "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2f", "'; DROP TABLE readings; --",
        "<script>alert(1)</script>", "%00", "%FF%FE", "🙂🙂", "null", "-1", "1e309", "%E2%80%AE", "Delhi%0d%0aX-Injected:1", "{city}",
        "0x7fffffff", "city-delhi", "*",
    ];

    private static readonly string[] QueryValues =
    [
        "", "abc", "-1", "0", "99999999999999999999", "1e309", "NaN", "Infinity", "-Infinity", "2024-13-45", "' OR 1=1 --",
        new('9', 5000), "%00", "in,us", "[]", "{}", "🙂", "true",
    ];

    private static readonly string[] Bodies =
    [
        "", "{", "null", "[]", "\"text\"", "123", "{\"cities\":123}", "{\"cities\":[null]}", "{\"cities\":[\"" + new string('x', 10000) + "\"]}",
        "{\"cities\":[\"Delhi\"],\"hours_ahead\":\"abc\"}", "{\"cities\":[\"Delhi\"],\"hours_ahead\":1e309}",
        "{\"cities\":[\"Delhi\"],\"hours_ahead\":-5}", "{\"cities\":[\"Delhi\"],\"hours_ahead\":99999999999}",
        "{\"cities\":[\"Delhi\"],\"unknown_field\":{\"deep\":[1,2,3]}}",
        "{\"cities\":[" + string.Join(",", Enumerable.Repeat("\"Delhi\"", 5000)) + "]}",
        "{\"cities\":[\"../../etc/passwd\",\"'; DROP TABLE x; --\"]}",
        new string('[', 10000),
    ];

    [Fact]
    public async Task No_input_to_any_endpoint_gets_a_server_error()
    {
        var doc = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/openapi.json");
        var failures = new List<string>();
        var sent = 0;
        foreach (var path in doc.GetProperty("paths").EnumerateObject())
        {
            foreach (var op in path.Value.EnumerateObject())
            {
                var method = new HttpMethod(op.Name.ToUpperInvariant());
                var parameters = op.Value.TryGetProperty("parameters", out var ps) ? ps.EnumerateArray().ToList() : [];
                var queryNames = parameters.Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!).ToList();
                var hasPathParameter = path.Name.Contains('{');
                // Mutating calls are fuzzed with hostile names only, never with a real city (no real retraining here).
                var pathValues = hasPathParameter ? PathValues : [""];
                foreach (var value in pathValues)
                {
                    var url = hasPathParameter ? ReplaceParameter(path.Name, value) : path.Name;
                    foreach (var (query, body) in Variants(queryNames, method))
                    {
                        foreach (var token in new[] { null, EmbeddedApp.AdminToken })
                        {
                            using var request = new HttpRequestMessage(method, url + query);
                            if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                            if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                            HttpResponseMessage response;
                            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                            try
                            {
                                response = await app.Http.SendAsync(request, timeout.Token);
                            }
                            catch (HttpRequestException ex)
                            {
                                failures.Add($"{method} {Short(url + query)}: connection failed: {ex.Message}");
                                continue;
                            }
                            catch (OperationCanceledException)
                            {
                                failures.Add($"no answer within 10 s: {method} {Short(url + query)} body={Short(body)}");
                                continue;
                            }
                            sent++;
                            if ((int)response.StatusCode >= 500)
                                failures.Add($"{(int)response.StatusCode} {method} {Short(url + query)} body={Short(body)}");
                        }
                    }
                }
            }
        }

        Assert.True(sent > 500, $"only {sent} requests sent");
        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} requests got a server error:\n" + string.Join("\n", failures.Take(30)));
    }

    [Fact]
    public async Task Wrong_content_type_and_garbage_bytes_are_client_errors()
    {
        var doc = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/openapi.json");
        foreach (var path in doc.GetProperty("paths").EnumerateObject().Where(p => p.Value.TryGetProperty("post", out _)))
        {
            var url = ReplaceParameter(path.Name, "nowhere");
            using var request = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = new ByteArrayContent([0xFF, 0xFE, 0x00, 0x01, 0x80]) { Headers = { ContentType = new MediaTypeHeaderValue("text/plain") } },
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", EmbeddedApp.AdminToken);
            var response = await app.Http.SendAsync(request);
            Assert.True((int)response.StatusCode < 500, $"{url}: {(int)response.StatusCode}");
        }
    }

    private static IEnumerable<(string Query, string? Body)> Variants(List<string> queryNames, HttpMethod method)
    {
        yield return ("", null);
        foreach (var name in queryNames)
            foreach (var v in QueryValues)
                yield return ($"?{name}={Uri.EscapeDataString(v)}", null);
        if (queryNames.Count > 1)
            yield return ("?" + string.Join("&", queryNames.Select(n => $"{n}=%FF")), null);
        yield return ("?unknown=1&standard=in&standard=us", null);
        if (method == HttpMethod.Post)
            foreach (var b in Bodies)
                yield return ("", b);
    }

    private static string ReplaceParameter(string template, string value)
    {
        var start = template.IndexOf('{');
        if (start < 0) return template;
        var end = template.IndexOf('}', start);
        return template[..start] + value + template[(end + 1)..];
    }

    private static string Short(string? s) => s is null ? "(none)" : s.Length > 80 ? s[..80] + "…" : s;
}
