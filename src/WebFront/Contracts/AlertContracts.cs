using AirQuality.Grains.Abstractions;

namespace AirQuality.WebFront.Contracts;

/// <summary>A new subscription.</summary>
/// <param name="Name">A label for people (at most 100 characters).</param>
/// <param name="Cities">City names or aliases; omitted, empty or `["*"]` for every city.</param>
/// <param name="Standard">`in` (India NAQI, default) or `us` (US EPA).</param>
/// <param name="Lang">Language of the health advice in the alerts: `en` (default) or `hi`.</param>
/// <param name="Rules">One to 20 rules.</param>
/// <param name="QuietHours">Hours (IST) in which alerts are held and delivered when they end.</param>
/// <param name="Webhook">Where to POST the alerts.</param>
/// <param name="Dashboard">Also push the alerts to dashboard users who opted in.</param>
/// <param name="CooldownMinutes">The same alert is not sent again within this time (default 180).</param>
public sealed record SubscriptionRequest(
    string? Name,
    IReadOnlyList<string?>? Cities,
    string? Standard,
    string? Lang,
    IReadOnlyList<RuleRequest?>? Rules,
    QuietHoursRequest? QuietHours,
    WebhookRequest? Webhook,
    bool? Dashboard,
    int? CooldownMinutes);

/// <summary>One rule of a subscription.</summary>
/// <param name="Kind">`observed_category`, `forecast_category`, `grap_stage`, `stale_data` or `source_outage`.</param>
/// <param name="Direction">`up`, `down` or `both` (default).</param>
/// <param name="Category">A category of the standard (`Poor`, `Very Poor`, `Unhealthy`, ...): the edge watched. Needed by `forecast_category`; for `observed_category` omitted means any category change.</param>
/// <param name="MinProbability">`forecast_category`: least probability of reaching the category (0-1, default 0.5).</param>
/// <param name="LeadHours">`forecast_category`: how far ahead, 1-48 hours (default 24).</param>
/// <param name="Hours">`stale_data`: age of the last reading that makes a city stale, 1-168 hours (default 3).</param>
/// <param name="Failures">`source_outage`: failed polls running that make a source down, 1-100 (default 3).</param>
/// <param name="Hysteresis">`observed_category`, `grap_stage`: points below an edge a value must fall to cross down, 0-100 (default 10).</param>
public sealed record RuleRequest(string? Kind, string? Direction, string? Category, double? MinProbability, int? LeadHours, int? Hours, int? Failures,
    int? Hysteresis);

/// <summary>Quiet hours in India Standard Time, `HH:mm`; may span midnight (`22:00` to `07:00`).</summary>
public sealed record QuietHoursRequest(string? Start, string? End);

/// <param name="Url">An absolute `http` or `https` URL.</param>
/// <param name="Format">`generic` (the alert as JSON, default) or `slack` (Slack's incoming-webhook JSON).</param>
public sealed record WebhookRequest(string? Url, string? Format);

/// <summary>A rule as stored.</summary>
public sealed record RuleDto(string Kind, string Direction, string? Category, double? MinProbability, int? LeadHours, int? Hours, int? Failures, int? Hysteresis);

public sealed record QuietHoursDto(string Start, string End, string TimeZone);

public sealed record WebhookDto(string Url, string Format);

/// <summary>A subscription (its secret is shown only in the answer that created it).</summary>
/// <param name="Cities">City ids; `["*"]` for every city.</param>
/// <param name="Alerts">Alerts raised so far.</param>
/// <param name="Delivered">Alerts delivered.</param>
/// <param name="DeadLettered">Alerts whose webhook failed after the last retry.</param>
/// <param name="Held">Alerts held by quiet hours now.</param>
/// <param name="Pending">Alerts waiting to be delivered.</param>
/// <param name="Evaluations">City changes and checks its rules were applied to.</param>
public sealed record SubscriptionDto(
    string Id,
    string Name,
    IReadOnlyList<string> Cities,
    string Standard,
    string Lang,
    IReadOnlyList<RuleDto> Rules,
    QuietHoursDto? QuietHours,
    WebhookDto? Webhook,
    bool Dashboard,
    int CooldownMinutes,
    DateTime CreatedAt,
    int Alerts,
    int Delivered,
    int DeadLettered,
    int Held,
    int Pending,
    DateTime? LastAlertAt,
    long Evaluations,
    DateTime? LastEvaluatedAt);

/// <summary>The answer to a creation: the subscription and its secret, returned this once.</summary>
/// <param name="Secret">The key of the webhook signatures. Keep it: it is never shown again.</param>
/// <param name="Signature">How to check a webhook's signature.</param>
public sealed record CreatedSubscriptionDto(SubscriptionDto Subscription, string Secret, string Signature);

public sealed record SubscriptionListDto(int Count, IReadOnlyList<SubscriptionDto> Subscriptions);

/// <summary>A subscription's delivery log, newest first.</summary>
/// <param name="Deliveries">Every delivery with its attempts.</param>
/// <param name="DeadLetters">Alerts whose webhook still failed after the last retry, with the body sent.</param>
/// <param name="Held">Alerts held by quiet hours.</param>
/// <param name="Pending">Alerts queued for delivery.</param>
public sealed record DeliveriesDto(string SubscriptionId, int Pending, IReadOnlyList<Alert> Held, IReadOnlyList<AlertDelivery> Deliveries,
    IReadOnlyList<AlertDeadLetter> DeadLetters);
