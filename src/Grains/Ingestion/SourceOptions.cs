namespace AirQuality.Grains.Ingestion;

/// <summary>
/// What every HTTP source has: where it is, its key, and how its resilience pipeline behaves (configuration section
/// `Sources:&lt;Name&gt;`). The defaults suit the real upstreams; tests shorten the timings.
/// </summary>
public abstract class UpstreamOptions
{
    /// <summary>Root of the upstream API; tests point it at a loopback server.</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>The API key. The environment variable of the source (e.g. `OPENWEATHER_API_KEY`) wins over this.</summary>
    public string? ApiKey { get; set; }

    /// <summary>False switches the source off even with a key.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Upper bound of one HTTP attempt.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Upper bound of one request, retries and their waits included.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>Retries after a transient failure (5xx, 408, 429, timeout, connection refused).</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>First retry delay; later ones grow exponentially, with jitter. A `Retry-After` header replaces it.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A `Retry-After` longer than this is not waited for: the request fails and says when to come back.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Share of failed attempts in the sampling window that opens the circuit.</summary>
    public double CircuitFailureRatio { get; set; } = 0.5;

    /// <summary>Attempts the sampling window needs before the circuit can open.</summary>
    public int CircuitMinimumThroughput { get; set; } = 8;

    /// <summary>Window over which failures are counted; at least twice <see cref="AttemptTimeout"/>.</summary>
    public TimeSpan CircuitSamplingDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long an open circuit refuses calls before one probe is let through.</summary>
    public TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Largest answer body read, in KiB; a larger one fails the attempt unread (a body that never ends is also cut by <see cref="AttemptTimeout"/>).</summary>
    public int MaxResponseKilobytes { get; set; } = 64 * 1024;

    /// <summary>Requests per minute this process sends at most (queued beyond); null for no limit.</summary>
    public int? CallsPerMinute { get; set; }

    /// <summary>
    /// Requests in flight to this source at once (queued beyond, oldest first): thousands of places polling in the
    /// same second wait their turn instead of being refused or timing out together.
    /// </summary>
    public int MaxConcurrentCalls { get; set; } = 16;

    /// <summary>Requests that may wait for the limits above; beyond it a request fails at once and says so.</summary>
    public int MaxQueuedCalls { get; set; } = 100_000;
}

/// <summary>OpenWeather Air Pollution (section `Sources:OpenWeather`, key `OPENWEATHER_API_KEY`).</summary>
public sealed class OpenWeatherOptions : UpstreamOptions
{
    public const string Section = "Sources:OpenWeather";
    public const string KeyVariable = "OPENWEATHER_API_KEY";

    public OpenWeatherOptions()
    {
        BaseUrl = "https://api.openweathermap.org/";
        // The free plan allows 60 calls a minute; keep a margin for retries.
        CallsPerMinute = 50;
    }

    /// <summary>Days of history asked for in one request while backfilling.</summary>
    public int HistoryChunkDays { get; set; } = 30;
}

/// <summary>IQAir AirVisual (section `Sources:IqAir`, key `IQAIR_API_KEY`).</summary>
public sealed class IqAirOptions : UpstreamOptions
{
    public const string Section = "Sources:IqAir";
    public const string KeyVariable = "IQAIR_API_KEY";

    public IqAirOptions()
    {
        BaseUrl = "https://api.airvisual.com/";
        // Every retry spends budget: one is enough.
        MaxRetries = 1;
        CircuitMinimumThroughput = 4;
    }

    /// <summary>Calls the plan allows per calendar month (community plan: 10,000).</summary>
    public int MonthlyCalls { get; set; } = 10_000;

    /// <summary>Calls the plan allows per UTC day (community plan: 500).</summary>
    public int DailyCalls { get; set; } = 500;

    /// <summary>Calls the plan allows per minute (community plan: 5).</summary>
    public int CallsPerMinuteLimit { get; set; } = 5;

    /// <summary>Share of the budget kept back for retries and manual calls.</summary>
    public double Reserve { get; set; } = 0.05;

    /// <summary>Country name IQAir uses for the catalog's cities.</summary>
    public string Country { get; set; } = "India";

    /// <summary>IQAir's name of a city where it differs from the catalog: city id -> `City|State`.</summary>
    public Dictionary<string, string> Places { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>What the CPCB feed's value fields hold.</summary>
public enum CpcbValueKind
{
    /// <summary>India NAQI sub-indices (0-500), read back to concentrations. The default: see <see cref="CpcbFeed"/>.</summary>
    SubIndex,

    /// <summary>Concentrations in the canonical units (µg/m³, CO mg/m³).</summary>
    Concentration,
}

/// <summary>CPCB real-time feed on data.gov.in (section `Sources:Cpcb`, key `CPCB_API_KEY`).</summary>
public sealed class CpcbOptions : UpstreamOptions
{
    public const string Section = "Sources:Cpcb";
    public const string KeyVariable = "CPCB_API_KEY";

    public CpcbOptions()
    {
        BaseUrl = "https://api.data.gov.in/";
        // One download an hour for every city: a few pages, so a few attempts are enough to judge the upstream.
        CircuitMinimumThroughput = 4;
    }

    /// <summary>The data.gov.in resource of the real-time feed.</summary>
    public string Resource { get; set; } = "3b01bcb8-0b14-4abf-b6f2-c1bfd384ba69";

    /// <summary>Records asked for per page.</summary>
    public int PageSize { get; set; } = 1000;

    /// <summary>
    /// Guard against a feed whose paging never ends. Generous: data.gov.in caps the page of some keys (10 records for
    /// its public sample key), and the feed holds a few thousand records.
    /// </summary>
    public int MaxPages { get; set; } = 1000;

    /// <summary>A downloaded feed serves every city for this long (one download per hourly poll wave).</summary>
    public TimeSpan RefreshAfter { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>A failed download is shared with every city asking within this time, instead of each trying again.</summary>
    public TimeSpan FailureHold { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Upper bound of one whole download, all pages.</summary>
    public TimeSpan DownloadTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>What `avg_value` holds; see <see cref="CpcbFeed"/> for why sub-indices are the default.</summary>
    public CpcbValueKind Values { get; set; } = CpcbValueKind.SubIndex;

    /// <summary>Extra feed place names: feed city name -> catalog city name, for names neither the catalog nor its aliases know.</summary>
    public Dictionary<string, string> CityNames { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
