using System.Text.Json;
using System.Text.Json.Serialization;
using AirQuality.Domain.Aqi;
using Orleans.Concurrency;

namespace AirQuality.Grains.Abstractions;

/// <summary>What a subscription rule watches.</summary>
public enum AlertRuleKind
{
    /// <summary>The observed category (or the edge of one named category) is crossed, up or down.</summary>
    ObservedCategory,

    /// <summary>The forecast says a category will be reached, with at least a probability, within a lead time.</summary>
    ForecastCategory,

    /// <summary>The GRAP stage of an NCR city changes (India AQI, CAQM's thresholds).</summary>
    GrapStage,

    /// <summary>A city's last reading is older than some hours (and when it is fresh again).</summary>
    StaleData,

    /// <summary>An upstream source fails for several polls running or its circuit opens (and when it recovers).</summary>
    SourceOutage,
}

/// <summary>The API's names of the rule kinds.</summary>
public static class AlertRuleNames
{
    /// <summary>`observed_category`, `forecast_category`, `grap_stage`, `stale_data`, `source_outage`.</summary>
    public static string Name(this AlertRuleKind kind) => kind switch
    {
        AlertRuleKind.ObservedCategory => "observed_category",
        AlertRuleKind.ForecastCategory => "forecast_category",
        AlertRuleKind.GrapStage => "grap_stage",
        AlertRuleKind.StaleData => "stale_data",
        _ => "source_outage",
    };
}

/// <summary>Which crossings a rule reports.</summary>
public enum AlertDirection
{
    Both,
    Up,
    Down,
}

/// <summary>The body a webhook receives.</summary>
public enum WebhookFormat
{
    /// <summary>The alert as JSON, signed (HMAC-SHA256).</summary>
    Generic,

    /// <summary>Slack's incoming-webhook JSON (`text` and `blocks`), signed the same way.</summary>
    Slack,
}

/// <summary>One rule of a subscription.</summary>
/// <param name="Category">Observed/forecast: the category whose lower edge is watched; null (observed only): any category change.</param>
/// <param name="MinProbability">Forecast: the least probability (0-1) of reaching <paramref name="Category"/>.</param>
/// <param name="LeadHours">Forecast: how far ahead (hours from the forecast's origin) the crossing may be.</param>
/// <param name="Hours">Stale data: a city's last reading older than this many hours is stale.</param>
/// <param name="Failures">Source outage: consecutive failed polls that make a source down.</param>
/// <param name="Hysteresis">Observed and GRAP: index points below an edge a value must fall before a crossing down counts.</param>
[GenerateSerializer, Immutable]
public sealed record AlertRule(
    AlertRuleKind Kind,
    AlertDirection Direction = AlertDirection.Both,
    string? Category = null,
    double MinProbability = 0.5,
    int LeadHours = 24,
    int Hours = 3,
    int Failures = 3,
    int Hysteresis = 10);

/// <summary>Hours of the day (IST) in which a subscription's alerts are held, and delivered when they end.</summary>
[GenerateSerializer, Immutable]
public sealed record QuietHours(TimeOnly Start, TimeOnly End)
{
    /// <summary>India Standard Time, UTC+05:30.</summary>
    public static readonly TimeSpan Ist = TimeSpan.FromHours(5.5);

    /// <summary>Whether the instant falls in the quiet hours (which may span midnight).</summary>
    public bool Contains(DateTime utc)
    {
        var t = TimeOnly.FromDateTime(utc + Ist);
        return Start <= End ? t >= Start && t < End : t >= Start || t < End;
    }
}

/// <summary>Where and how a subscription's webhook is called.</summary>
[GenerateSerializer, Immutable]
public sealed record WebhookTarget(string Url, WebhookFormat Format);

/// <summary>What a subscriber asked for.</summary>
/// <param name="Cities">City ids; empty for every city of the catalog.</param>
/// <param name="Language">Language of the health advice the alerts carry (`en`, `hi`).</param>
/// <param name="Dashboard">Also push the alerts to dashboard users who opted in (SignalR group).</param>
/// <param name="Cooldown">The same alert (rule, city, direction, level) is not sent again within this time.</param>
[GenerateSerializer, Immutable]
public sealed record AlertSubscriptionSpec(
    string Name,
    IReadOnlyList<string> Cities,
    AqiStandard Standard,
    string Language,
    IReadOnlyList<AlertRule> Rules,
    QuietHours? Quiet,
    WebhookTarget? Webhook,
    bool Dashboard,
    TimeSpan Cooldown)
{
    public bool Covers(string cityId) => Cities.Count == 0 || Cities.Contains(cityId);
}

/// <summary>A subscription as it is shown (never its secret).</summary>
/// <param name="Evaluations">City snapshots and source checks the rules were applied to.</param>
[GenerateSerializer, Immutable]
public sealed record AlertSubscriptionView(string Id, AlertSubscriptionSpec Spec, DateTime CreatedAt, int Alerts, int Delivered, int DeadLettered,
    int Held, int Pending, DateTime? LastAlertAt, long Evaluations, DateTime? LastEvaluatedAt);

/// <summary>A subscription just created, with its secret (returned this once).</summary>
[GenerateSerializer, Immutable]
public sealed record CreatedAlertSubscription(AlertSubscriptionView Subscription, string Secret);

/// <summary>What a city's alert grain reads once per change and hands to every subscription of the city.</summary>
/// <param name="ObservedHour">The hour of the current AQI.</param>
/// <param name="LastReadingAt">The latest hour with any reading (its start, UTC).</param>
/// <param name="Grap">True when GRAP applies to the city.</param>
/// <param name="AqiForecast">The hourly India AQI forecast with its bands (target `aqi`).</param>
/// <param name="Pm25Forecast">The hourly PM2.5 forecast (target `pm25`), read for the US AQI.</param>
[GenerateSerializer, Immutable]
public sealed record CityAlertSnapshot(
    string CityId,
    string City,
    DateTime At,
    DateTime? ObservedHour,
    int? IndiaAqi,
    int? UsAqi,
    DateTime? LastReadingAt,
    bool Grap,
    CityForecast? AqiForecast,
    CityForecast? Pm25Forecast)
{
    public int? Aqi(AqiStandard s) => s == AqiStandard.India ? IndiaAqi : UsAqi;
}

/// <summary>The sources as the source-health grain sees them, for outage rules.</summary>
[GenerateSerializer, Immutable]
public sealed record SourceAlertSnapshot(DateTime At, IReadOnlyList<SourceAlertStatus> Sources);

/// <param name="Circuit">`closed`, `open`, `half_open`, `none`.</param>
[GenerateSerializer, Immutable]
public sealed record SourceAlertStatus(string Source, bool Enabled, string Circuit, int ConsecutiveFailures, DateTime? LastSuccess, string? LastError);

/// <summary>One alert, as webhooks (generic format), the API and the dashboard receive it.</summary>
/// <param name="Event">`crossed_up`, `crossed_down`, `forecast_crossing`, `grap_stage_up`, `grap_stage_down`, `stale`, `fresh_again`, `source_down`, `source_recovered`.</param>
/// <param name="Threshold">The index value (category or stage edge) the rule watches, when it has one.</param>
/// <param name="ForecastHour">Forecast: the first hour whose probability of the category reaches the rule's minimum.</param>
/// <param name="LeadHours">Forecast: hours from the forecast's origin to <paramref name="ForecastHour"/>.</param>
/// <param name="Probability">Forecast: probability (0-1) that the index is in the category or above at that hour (from the bands).</param>
/// <param name="HeldUntil">Set when quiet hours held the alert: when it was released.</param>
[GenerateSerializer, Immutable]
public sealed record Alert(
    string Id,
    string SubscriptionId,
    string Rule,
    int RuleIndex,
    string Event,
    string? CityId,
    string? City,
    string Standard,
    DateTime At,
    int? Aqi,
    string? Category,
    string? PreviousCategory,
    int? Threshold,
    int? GrapStage,
    int? PreviousGrapStage,
    DateTime? ForecastHour,
    int? LeadHours,
    double? Probability,
    double? ForecastValue,
    string? Model,
    string? Source,
    double? AgeHours,
    string Message,
    AlertAdvice? HealthAdvice,
    DateTime? HeldUntil = null);

/// <summary>The health statement of the alert's category, in the subscription's language.</summary>
[GenerateSerializer, Immutable]
public sealed record AlertAdvice(string Category, string Language, string Text, string Source);

/// <summary>One delivery of an alert over one channel.</summary>
/// <param name="Channel">`webhook` or `dashboard`.</param>
/// <param name="Attempts">HTTP attempts made (retries included).</param>
/// <param name="AttemptLog">Each attempt's outcome (`503`, `timeout`, `connection refused`, ...).</param>
[GenerateSerializer, Immutable]
public sealed record AlertDelivery(string AlertId, string Event, string? CityId, string Channel, DateTime At, bool Delivered, int Attempts, int? Status,
    string? Error, IReadOnlyList<string> AttemptLog);

/// <summary>An alert whose webhook still failed after the last retry, kept with the body that was sent.</summary>
[GenerateSerializer, Immutable]
public sealed record AlertDeadLetter(Alert Alert, DateTime At, int Attempts, string Error, string Body);

/// <summary>A subscription's delivery log: newest first.</summary>
[GenerateSerializer, Immutable]
public sealed record AlertDeliveryLog(string SubscriptionId, IReadOnlyList<AlertDelivery> Deliveries, IReadOnlyList<AlertDeadLetter> DeadLetters,
    IReadOnlyList<Alert> Held, int Pending);

/// <summary>
/// One subscription (key `alertsub-{id}`, see <see cref="GrainKeys.AlertSubscription"/>): its rules, secret, the state of
/// each rule per city (for hysteresis and de-duplication), held alerts, the outbox and the delivery log, all in its
/// persisted state (PostgreSQL in cluster mode), so it carries on on another silo when its silo dies.
/// </summary>
public interface IAlertSubscriptionGrain : IGrainWithStringKey
{
    /// <summary>Creates the subscription with a new secret; fails if it exists.</summary>
    Task<CreatedAlertSubscription> Create(AlertSubscriptionSpec spec);

    /// <summary>The subscription; null when there is none (or it was deleted).</summary>
    [ReadOnly]
    Task<AlertSubscriptionView?> Get();

    /// <summary>Deletes it; false when there was none.</summary>
    Task<bool> Delete();

    /// <summary>The delivery log (at most <paramref name="limit"/> entries of each kind, newest first).</summary>
    [ReadOnly]
    Task<AlertDeliveryLog?> GetDeliveries(int limit);

    /// <summary>A city changed (readings or forecast) or the periodic check ran: applies the rules, queues the alerts.</summary>
    Task Evaluate(CityAlertSnapshot snapshot);

    /// <summary>The sources' health: applies the source-outage rules.</summary>
    Task EvaluateSources(SourceAlertSnapshot snapshot);

    /// <summary>Releases alerts held by quiet hours that have ended; resumes deliveries left pending (after a silo loss).</summary>
    Task Tick();
}

/// <summary>Every subscription and the cities it covers (key <see cref="GrainKeys.AlertIndex"/>).</summary>
public interface IAlertIndexGrain : IGrainWithStringKey
{
    Task Add(string id, IReadOnlyList<string> cities, bool sourceRules);

    Task Remove(string id);

    [ReadOnly]
    Task<IReadOnlyList<string>> All();

    /// <summary>Subscriptions covering a city.</summary>
    [ReadOnly]
    Task<IReadOnlyList<string>> For(string cityId);

    /// <summary>Cities at least one subscription covers (every catalog city when one covers all: `*`).</summary>
    [ReadOnly]
    Task<IReadOnlyList<string>> Cities();

    /// <summary>Subscriptions with a source-outage rule.</summary>
    [ReadOnly]
    Task<IReadOnlyList<string>> WithSourceRules();
}

/// <summary>
/// A city's alert evaluation (key `cityalerts-{city}`): on each change of the city (the notifier's path) or the
/// periodic check, reads the city's current AQI and forecasts once and hands them to every subscription of the city.
/// </summary>
public interface ICityAlertGrain : IGrainWithStringKey
{
    [OneWay]
    Task Changed(DateTime at);

    /// <summary>The same, awaited (the periodic check and tests).</summary>
    Task Check();
}

/// <summary>Runs the periodic alert check (stale data, source outages, quiet hours ending) from a reminder.</summary>
public interface IAlertScheduleGrain : IGrainWithStringKey
{
    Task Start();

    /// <summary>One check now: every covered city, the sources, every subscription's held and pending alerts.</summary>
    Task RunOnce();
}

/// <summary>A web front listening for alerts to push to dashboard users who opted in.</summary>
public interface IAlertObserver : IGrainObserver
{
    [OneWay]
    Task OnAlert(Alert alert);
}

/// <summary>Fans dashboard alerts out to every subscribed web front (key <see cref="GrainKeys.AlertPush"/>).</summary>
public interface IAlertPushGrain : IGrainWithStringKey
{
    Task Subscribe(IAlertObserver observer);

    Task Unsubscribe(IAlertObserver observer);

    [OneWay]
    Task Publish(Alert alert);
}

/// <summary>The JSON of alerts on the wire (webhooks, API, SignalR): snake_case, enums as snake_case text, no nulls dropped.</summary>
public static class AlertJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
        };
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        return o;
    }
}
