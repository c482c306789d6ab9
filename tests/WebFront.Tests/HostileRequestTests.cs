using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AirQuality.WebFront.Tests;

/// <summary>
/// Requests an attacker would send to make the service work, remember or log more than a request is worth: each is
/// answered correctly and cheaply, through the real pipeline.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class HostileRequestTests(EmbeddedAppWithRedis app)
{
    private static string Name(int i, int length) =>
        string.Concat(Enumerable.Range(0, length).Select(k => (char)('a' + (i * 7 + k * 13) % 26)));

    private async Task<(HttpStatusCode Status, JsonElement Body)> Batch(IEnumerable<string?> cities)
    {
        var response = await app.Http.PostAsync("/api/v1/forecast/batch", JsonContent.Create(new { cities, hours_ahead = 24 }));
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Fact]
    public async Task A_batch_of_1000_unknown_64_character_names_is_a_400_naming_cities()
    {
        var (status, body) = await Batch(Enumerable.Range(0, 1000).Select(i => Name(i, 64)));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("cities", body.GetProperty("parameter").GetString());
        Assert.Contains("at most 100", body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_batch_name_over_100_characters_is_a_400_before_any_lookup()
    {
        var (status, body) = await Batch(["Delhi", new string('x', 101)]);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("cities", body.GetProperty("parameter").GetString());
        Assert.Contains("name 2", body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Only_the_first_five_unknown_names_of_a_batch_get_suggestions_and_echoes_are_truncated()
    {
        var names = new List<string> { "Delhi" };
        names.AddRange(Enumerable.Repeat("Dehli", 7));
        names.Add(new string('q', 100));
        var (status, body) = await Batch(names);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.GetProperty("count").GetInt32());
        var errors = body.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal(8, errors.Count);
        Assert.All(errors.Take(5), e => Assert.Contains("Delhi", e.GetProperty("suggestions").EnumerateArray().Select(s => s.GetString())));
        Assert.All(errors.Skip(5), e => Assert.Equal(JsonValueKind.Null, e.GetProperty("suggestions").ValueKind));
        var echoed = errors[^1].GetProperty("city").GetString()!;
        Assert.True(echoed.Length <= 65, $"echoed {echoed.Length} characters");
        Assert.DoesNotContain(new string('q', 100), errors[^1].GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_unknown_path_name_is_echoed_truncated_with_no_suggestions_work()
    {
        var response = await app.Http.GetAsync("/api/v1/aqi/current/" + new string('z', 3000));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("detail").GetString()!.Length < 200);
        Assert.Equal(0, problem.GetProperty("suggestions").GetArrayLength());
    }

    [Theory]
    [InlineData("from=0001-01-01&to=0001-01-02", "from")]
    [InlineData("to=9999-12-31T23:30:00Z", "to")]
    [InlineData("from=9999-12-31T23:00:00Z", "from")]
    [InlineData("to=0001-01-01T00:00:00Z", "to")]
    [InlineData("from=1979-12-31T23:00:00Z&hours=24", "from")]
    public async Task Extreme_dates_of_history_are_a_400_naming_the_parameter(string query, string parameter)
    {
        var response = await app.Http.GetAsync("/api/v1/aqi/history/Delhi?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task Past_history_windows_are_answered_but_never_fill_the_cache()
    {
        var memory = (MemoryCache)app.App.Services.GetRequiredService<IMemoryCache>();
        Assert.Equal(64L * 1024 * 1024, app.App.Services.GetRequiredService<IOptions<MemoryCacheOptions>>().Value.SizeLimit);
        var now = DateTime.UtcNow;
        var before = memory.Count;
        for (var i = 1; i <= 40; i++)
        {
            var to = now.AddHours(-i).ToString("yyyy-MM-ddTHH:00:00Z");
            var response = await app.Http.GetAsync($"/api/v1/aqi/history/Delhi?hours=72&to={to}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Null(response.Headers.ETag);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(72, body.GetProperty("span_hours").GetInt32());
        }
        Assert.True(memory.Count - before < 5, $"{memory.Count - before} entries added by 40 past windows");

        // The window ending now is what everybody asks: it is cached and carries its ETag.
        var current = await app.Http.GetAsync("/api/v1/aqi/history/Delhi?hours=24");
        Assert.NotNull(current.Headers.ETag);
    }

    [Fact]
    public async Task Rankings_limits_beyond_the_maximum_are_refused_and_a_repeated_page_is_one_cache_entry()
    {
        var over = await app.Http.GetAsync("/api/v1/cities/rankings?limit=5000");
        Assert.Equal(HttpStatusCode.BadRequest, over.StatusCode);
        Assert.Equal("limit", (await over.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("parameter").GetString());
        // One entry means one computation: the second answer carries the first one's `generated_at` to the tick (two
        // computations never do). A city reporting between the two requests drops the entry, so a few pairs are tried.
        var pairs = new List<string>();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var a = await app.Http.GetAsync("/api/v1/cities/rankings?limit=1000");
            var b = await app.Http.GetAsync("/api/v1/cities/rankings?limit=1000&page=1");
            var first = await a.Content.ReadFromJsonAsync<JsonElement>();
            var second = await b.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(56, second.GetProperty("count").GetInt32());
            var at = (first.GetProperty("generated_at").GetString(), second.GetProperty("generated_at").GetString());
            if (at.Item1 == at.Item2 && a.Headers.ETag?.Tag == b.Headers.ETag?.Tag) return;
            pairs.Add($"{at.Item1} {a.Headers.ETag} / {at.Item2} {b.Headers.ETag}");
        }
        Assert.Fail("the same page was computed apart every time: " + string.Join("; ", pairs));
    }

    [Fact]
    public async Task An_oversized_chunked_body_is_a_413_problem_without_an_error_log()
    {
        var capture = new ErrorCapture();
        app.App.Services.GetRequiredService<ILoggerFactory>().AddProvider(capture);
        var json = "{\"cities\":[" + string.Join(",", Enumerable.Repeat("\"Delhi\"", 60_000)) + "]}";
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/forecast/batch") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await app.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(capture.Errors);
    }

    private sealed class ErrorCapture : ILoggerProvider
    {
        public ConcurrentQueue<string> Errors { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(ErrorCapture owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (logLevel >= LogLevel.Error) owner.Errors.Enqueue($"{category}: {formatter(state, exception)}");
            }
        }
    }
}
