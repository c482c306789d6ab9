using AirQuality.Grains.Abstractions;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using AirQuality.Domain.Cities;
using Microsoft.Extensions.Options;

namespace AirQuality.Grains.Ingestion;

/// <summary>
/// CPCB's continuous ground stations through the real-time feed on data.gov.in: measured air at the city's own
/// monitors, so it ranks first in the merge. The feed holds every station of India; it is paged through once per poll
/// wave by the shared <see cref="CpcbFeed"/>, and each city takes its part (see there for how values are read).
/// </summary>
public sealed class CpcbSource(HttpClient http, IOptions<CpcbOptions> options, CpcbFeed feed, SourceMonitor monitor) : IAirQualitySource
{
    private readonly CpcbOptions _options = options.Value;

    public string Name => SourceNames.Cpcb;

    public int Priority => MergePolicy.Priority(SourceNames.Cpcb);

    public bool Enabled => _options.Enabled && !string.IsNullOrWhiteSpace(_options.ApiKey);

    public async Task<SourceFetch> FetchAsync(City city, DateTime now, CancellationToken cancellationToken)
    {
        var snapshot = await feed.GetAsync(DownloadAsync, cancellationToken);
        return snapshot.ByCity.GetValueOrDefault(city.Id) ?? SourceFetch.Empty;
    }

    /// <summary>Pages through the whole feed (`offset`, `limit`) until `total` records are read or a page comes back empty.</summary>
    public async Task<CpcbDownload> DownloadAsync(CancellationToken cancellationToken)
    {
        var records = new List<CpcbRecord>();
        var size = Math.Max(1, _options.PageSize);
        for (var page = 1; ; page++)
        {
            var uri = string.Create(CultureInfo.InvariantCulture,
                $"resource/{Uri.EscapeDataString(_options.Resource)}?api-key={Uri.EscapeDataString(_options.ApiKey ?? "")}&format=json&offset={records.Count}&limit={size}");
            var body = await http.GetJsonAsync<FeedPage>(Name, monitor, uri, DescribeError, cancellationToken);
            if (body.Records is null)
                throw new SourceException($"page {page} has no 'records'" + (body.Message is { } m ? $": {m}" : "") + (body.Error is { } e ? $": {e}" : ""));
            records.AddRange(CpcbFeed.ReadRecords(body.Records));
            var done = body.Records.Count == 0
                || (body.Total is { } total ? records.Count >= total : body.Records.Count < size);
            if (done) return new CpcbDownload(records, page);
            if (page >= _options.MaxPages)
                throw new SourceException($"feed not finished after {page} pages of {size} ({records.Count} of {body.Total} records); raise Sources:Cpcb:PageSize or MaxPages");
        }
    }

    /// <summary>data.gov.in's errors: a JSON object with `message` or `error`, or plain text.</summary>
    private static string DescribeError(HttpStatusCode status, string body)
    {
        var message = UpstreamHttp.ErrorMessage(body, "message", "error");
        var hint = status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? " (check CPCB_API_KEY)" : "";
        return UpstreamHttp.DescribeStatus(status, message) + hint;
    }

    /// <summary>A page of the feed. `total` is a number, `offset`/`limit` strings; records are read field by field.</summary>
    public sealed record FeedPage(
        [property: JsonPropertyName("total")] long? Total,
        [property: JsonPropertyName("status")] string? Status,
        [property: JsonPropertyName("message")] string? Message,
        [property: JsonPropertyName("error")] string? Error,
        [property: JsonPropertyName("records")] List<Dictionary<string, JsonElement>>? Records);
}
