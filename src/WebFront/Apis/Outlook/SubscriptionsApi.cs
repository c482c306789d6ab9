using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using AirQuality.Domain.Aqi;
using AirQuality.Domain.Cities;
using AirQuality.Domain.Health;
using AirQuality.Domain.Outlook;
using AirQuality.Grains;
using AirQuality.Grains.Abstractions;
using AirQuality.WebFront.Contracts;
using AirQuality.WebFront.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace AirQuality.WebFront.Apis.Outlook;

/// <summary>Alert subscriptions (admin): create, list, delete, and each one's delivery log.</summary>
public static partial class SubscriptionsApi
{
    public const int MaxRules = 20;
    public const int MaxCities = 1000;
    public const int MaxSubscriptions = 1000;

    public const string SignatureHelp =
        "Each webhook request carries X-AQ-Timestamp (Unix seconds) and X-AQ-Signature: v1=HEX, HEX = lower-case hex of " +
        "HMAC-SHA256(secret, X-AQ-Timestamp + \".\" + raw body). Recompute it, compare in constant time, and refuse a timestamp more than 5 minutes off.";

    [GeneratedRegex("^sub_[0-9a-f]{16}$")]
    private static partial Regex IdPattern();

    public static RouteGroupBuilder MapSubscriptionsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/subscriptions").WithTags("Alerts").RequireAuthorization(SecurityHosting.AdminPolicy);

        group.MapPost("/", Create)
            .Accepts<SubscriptionRequest>("application/json")
            .Produces<CreatedSubscriptionDto>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithName("CreateSubscription")
            .WithSummary("Create an alert subscription")
            .WithDescription("Admin token. Cities (or all), a standard, rules (`observed_category`, `forecast_category` with `min_probability` and `lead_hours`, `grap_stage`, `stale_data`, `source_outage`), quiet hours (IST), a webhook (`generic` signed JSON or `slack`) and/or the dashboard. The answer holds the subscription's secret, shown this once. " + SignatureHelp);

        group.MapGet("/", List)
            .Produces<SubscriptionListDto>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithName("ListSubscriptions")
            .WithSummary("Every alert subscription")
            .WithDescription("Admin token. Every subscription with its rules and counts (never its secret).");

        group.MapGet("/{id}", GetOne)
            .Produces<SubscriptionDto>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetSubscription")
            .WithSummary("One alert subscription")
            .WithDescription("Admin token. The subscription with its rules and counts (never its secret).");

        group.MapDelete("/{id}", Delete)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("DeleteSubscription")
            .WithSummary("Delete an alert subscription")
            .WithDescription("Admin token. Stops its alerts at once; its delivery log goes with it.");

        group.MapGet("/{id}/deliveries", Deliveries)
            .Produces<DeliveriesDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetSubscriptionDeliveries")
            .WithSummary("Delivery log of a subscription")
            .WithDescription("Admin token. Every delivery (channel, attempts and each attempt's outcome), the dead letters (alerts whose webhook still failed after the last retry, with the body sent), alerts held by quiet hours and pending ones; newest first, at most `limit` (1-1000, default 100) of each. `lang` shows the alerts' health advice in another language.");
        return api;
    }

    internal static async Task<IResult> Create(HttpRequest request, CityCatalog catalog, IGrainFactory grains, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
    {
        SubscriptionRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<SubscriptionRequest>(request.Body, json.Value.SerializerOptions);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problems.TooLarge();
        }
        catch (JsonException ex)
        {
            return Problems.BadParameter("body", $"not valid JSON for a subscription ({ex.Message.Split('.')[0]})");
        }
        if (body is null) return Problems.BadParameter("body", "give a subscription: {\"cities\": [\"Delhi\"], \"rules\": [...], \"webhook\": {\"url\": \"https://...\"}}");
        if (!TrySpec(body, catalog, out var spec, out var problem)) return problem!;
        var index = grains.GetGrain<IAlertIndexGrain>(GrainKeys.AlertIndex);
        if ((await index.All()).Count >= MaxSubscriptions)
            return Problems.BadParameter("body", $"at most {MaxSubscriptions} subscriptions; delete one first");
        var id = "sub_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var created = await grains.GetGrain<IAlertSubscriptionGrain>(GrainKeys.AlertSubscription(id)).Create(spec!);
        return TypedResults.Created($"/api/v1/subscriptions/{id}", new CreatedSubscriptionDto(ToDto(created.Subscription), created.Secret, SignatureHelp));
    }

    internal static async Task<Ok<SubscriptionListDto>> List(IGrainFactory grains)
    {
        var ids = await grains.GetGrain<IAlertIndexGrain>(GrainKeys.AlertIndex).All();
        var views = await Task.WhenAll(ids.Select(id => grains.GetGrain<IAlertSubscriptionGrain>(GrainKeys.AlertSubscription(id)).Get()));
        var list = views.OfType<AlertSubscriptionView>().OrderBy(v => v.CreatedAt).Select(ToDto).ToList();
        return TypedResults.Ok(new SubscriptionListDto(list.Count, list));
    }

    internal static async Task<Results<Ok<SubscriptionDto>, ProblemHttpResult>> GetOne(string id, IGrainFactory grains)
    {
        if (!IdPattern().IsMatch(id)) return NotFound(id);
        var view = await grains.GetGrain<IAlertSubscriptionGrain>(GrainKeys.AlertSubscription(id)).Get();
        return view is null ? NotFound(id) : TypedResults.Ok(ToDto(view));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> Delete(string id, IGrainFactory grains)
    {
        if (!IdPattern().IsMatch(id)) return NotFound(id);
        return await grains.GetGrain<IAlertSubscriptionGrain>(GrainKeys.AlertSubscription(id)).Delete() ? TypedResults.NoContent() : NotFound(id);
    }

    internal static async Task<Results<Ok<DeliveriesDto>, ProblemHttpResult>> Deliveries(string id, string? limit, string? lang, IGrainFactory grains)
    {
        if (!HealthAdviceDto.TryLanguage(lang, out var language, out var bad)) return bad!;
        var n = 100;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out n) || n is < 1 or > 1000))
            return Problems.BadParameter("limit", "must be a whole number from 1 to 1000");
        if (!IdPattern().IsMatch(id)) return NotFound(id);
        var log = await grains.GetGrain<IAlertSubscriptionGrain>(GrainKeys.AlertSubscription(id)).GetDeliveries(n);
        if (log is null) return NotFound(id);
        var relabel = lang is not null;
        return TypedResults.Ok(new DeliveriesDto(log.SubscriptionId, log.Pending,
            log.Held.Select(a => relabel ? InLanguage(a, language) : a).ToList(), log.Deliveries,
            log.DeadLetters.Select(d => relabel ? d with { Alert = InLanguage(d.Alert, language) } : d).ToList()));
    }

    /// <summary>An alert with its health advice in another language.</summary>
    public static Alert InLanguage(Alert a, string language)
    {
        if (a.HealthAdvice is not { } advice || !AqiStandards.TryParse(a.Standard, out var standard)) return a;
        return HealthAdviceBook.For(standard, advice.Category, language) is { } h ? a with { HealthAdvice = new AlertAdvice(h.Category, h.Language, h.Text, h.Source) } : a;
    }

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status404NotFound,
            Title = "Unknown subscription",
            Detail = $"No subscription '{Problems.Shown(id)}'. GET /api/v1/subscriptions lists them.",
            Type = "https://www.rfc-editor.org/rfc/rfc9110#name-404-not-found",
        });

    /// <summary>Checks a request and builds the subscription it asks for; a problem naming the field otherwise.</summary>
    public static bool TrySpec(SubscriptionRequest body, CityCatalog catalog, out AlertSubscriptionSpec? spec, out ProblemHttpResult? problem)
    {
        spec = null;
        problem = null;
        var name = body.Name?.Trim() ?? "";
        if (name.Length > 100) return Fail("name", "at most 100 characters", out problem);
        if (!AqiStandards.TryParse(body.Standard, out var standard)) return Fail("standard", "must be 'in' (India NAQI) or 'us' (US EPA)", out problem);
        if (!HealthAdviceBook.TryLanguage(body.Lang, out var language)) return Fail("lang", $"must be one of {string.Join(", ", HealthAdviceBook.Languages)}", out problem);

        var cities = new List<string>();
        var names = body.Cities ?? [];
        if (names.Count > MaxCities) return Fail("cities", $"at most {MaxCities} cities; omit `cities` (or give [\"*\"]) for every city", out problem);
        if (!(names.Count == 1 && names[0]?.Trim() == "*"))
        {
            for (var i = 0; i < names.Count; i++)
            {
                var n = names[i];
                if (string.IsNullOrWhiteSpace(n) || n.Length > ForecastApi.MaxNameLength) return Fail($"cities[{i}]", "must be a city name or alias", out problem);
                if (catalog.Resolve(n) is not { } city)
                {
                    problem = TypedResults.Problem(new ProblemDetails
                    {
                        Status = StatusCodes.Status400BadRequest,
                        Title = "Invalid parameter",
                        Detail = $"'cities[{i}]': no city named '{Problems.Shown(n)}' in the catalog",
                        Type = "https://www.rfc-editor.org/rfc/rfc9110#name-400-bad-request",
                        Extensions = { ["parameter"] = $"cities[{i}]", ["suggestions"] = catalog.Suggest(n) },
                    });
                    return false;
                }
                if (!cities.Contains(city.Id)) cities.Add(city.Id);
            }
        }

        if (body.Rules is not { Count: > 0 } rulesIn) return Fail("rules", "give one or more rules, e.g. [{\"kind\": \"observed_category\", \"category\": \"Poor\"}]", out problem);
        if (rulesIn.Count > MaxRules) return Fail("rules", $"at most {MaxRules} rules", out problem);
        var rules = new List<AlertRule>();
        for (var i = 0; i < rulesIn.Count; i++)
        {
            var field = $"rules[{i}]";
            if (rulesIn[i] is not { } r) return Fail(field, "must be an object", out problem);
            if (!TryKind(r.Kind, out var kind))
                return Fail($"{field}.kind", "must be observed_category, forecast_category, grap_stage, stale_data or source_outage", out problem);
            var direction = AlertDirection.Both;
            switch (r.Direction?.Trim().ToLowerInvariant())
            {
                case null or "" or "both": break;
                case "up": direction = AlertDirection.Up; break;
                case "down": direction = AlertDirection.Down; break;
                default: return Fail($"{field}.direction", "must be up, down or both", out problem);
            }
            string? category = null;
            if (r.Category is { } c)
            {
                if (kind is not (AlertRuleKind.ObservedCategory or AlertRuleKind.ForecastCategory))
                    return Fail($"{field}.category", "only observed_category and forecast_category rules take a category", out problem);
                if (CategoryRanges.Named(standard, c) is not { } found)
                    return Fail($"{field}.category", $"must be a category of {standard.DisplayName()}: {string.Join(", ", CategoryRanges.Of(standard).Select(x => x.Category))}", out problem);
                if (found.Rank == 0) return Fail($"{field}.category", $"{found.Category} is the lowest category: nothing crosses into it from below", out problem);
                category = found.Category;
            }
            if (kind == AlertRuleKind.ForecastCategory && category is null)
                return Fail($"{field}.category", "a forecast_category rule needs the category to watch, e.g. \"Very Poor\"", out problem);
            var p = r.MinProbability ?? 0.5;
            if (!double.IsFinite(p) || p <= 0 || p > 1) return Fail($"{field}.min_probability", "must be above 0 and at most 1", out problem);
            var lead = r.LeadHours ?? 24;
            if (lead is < 1 or > 48) return Fail($"{field}.lead_hours", "must be a whole number from 1 to 48", out problem);
            var hours = r.Hours ?? 3;
            if (hours is < 1 or > 168) return Fail($"{field}.hours", "must be a whole number from 1 to 168", out problem);
            var failures = r.Failures ?? 3;
            if (failures is < 1 or > 100) return Fail($"{field}.failures", "must be a whole number from 1 to 100", out problem);
            var hysteresis = r.Hysteresis ?? 10;
            if (hysteresis is < 0 or > 100) return Fail($"{field}.hysteresis", "must be a whole number from 0 to 100", out problem);
            rules.Add(new AlertRule(kind, direction, category, p, lead, hours, failures, hysteresis));
        }

        QuietHours? quiet = null;
        if (body.QuietHours is { } q)
        {
            if (!TryTime(q.Start, out var start)) return Fail("quiet_hours.start", "must be a time of day as HH:mm (IST)", out problem);
            if (!TryTime(q.End, out var end)) return Fail("quiet_hours.end", "must be a time of day as HH:mm (IST)", out problem);
            if (start == end) return Fail("quiet_hours", "start and end must differ", out problem);
            quiet = new QuietHours(start, end);
        }

        WebhookTarget? webhook = null;
        if (body.Webhook is { } w)
        {
            if (w.Url is not { Length: > 0 and <= 2000 } url || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
                || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || !string.IsNullOrEmpty(uri.UserInfo))
                return Fail("webhook.url", "must be an absolute http or https URL (at most 2000 characters, no user:password)", out problem);
            var format = WebhookFormat.Generic;
            switch (w.Format?.Trim().ToLowerInvariant())
            {
                case null or "" or "generic" or "json": break;
                case "slack": format = WebhookFormat.Slack; break;
                default: return Fail("webhook.format", "must be generic or slack", out problem);
            }
            webhook = new WebhookTarget(uri.AbsoluteUri, format);
        }
        var dashboard = body.Dashboard ?? false;
        if (webhook is null && !dashboard) return Fail("webhook", "give a webhook, or \"dashboard\": true, or both: the alerts need somewhere to go", out problem);
        var cooldown = body.CooldownMinutes ?? 180;
        if (cooldown is < 0 or > 10080) return Fail("cooldown_minutes", "must be a whole number from 0 to 10080 (a week)", out problem);

        spec = new AlertSubscriptionSpec(name.Length == 0 ? "subscription" : name, cities, standard, language, rules, quiet, webhook, dashboard,
            TimeSpan.FromMinutes(cooldown));
        return true;
    }

    private static bool TryKind(string? text, out AlertRuleKind kind)
    {
        foreach (var k in Enum.GetValues<AlertRuleKind>())
            if (string.Equals(k.Name(), text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                kind = k;
                return true;
            }
        kind = default;
        return false;
    }

    private static bool TryTime(string? text, out TimeOnly time) =>
        TimeOnly.TryParseExact(text?.Trim(), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out time);

    private static bool Fail(string parameter, string reason, out ProblemHttpResult? problem)
    {
        problem = Problems.BadParameter(parameter, reason);
        return false;
    }

    public static SubscriptionDto ToDto(AlertSubscriptionView v)
    {
        var s = v.Spec;
        return new SubscriptionDto(v.Id, s.Name, s.Cities.Count == 0 ? ["*"] : s.Cities, s.Standard.Code(), s.Language,
            s.Rules.Select(r => new RuleDto(r.Kind.Name(), r.Direction.ToString().ToLowerInvariant(), r.Category,
                r.Kind == AlertRuleKind.ForecastCategory ? r.MinProbability : null,
                r.Kind == AlertRuleKind.ForecastCategory ? r.LeadHours : null,
                r.Kind == AlertRuleKind.StaleData ? r.Hours : null,
                r.Kind == AlertRuleKind.SourceOutage ? r.Failures : null,
                r.Kind is AlertRuleKind.ObservedCategory or AlertRuleKind.GrapStage ? r.Hysteresis : null)).ToList(),
            s.Quiet is { } q ? new QuietHoursDto(q.Start.ToString("HH:mm", CultureInfo.InvariantCulture), q.End.ToString("HH:mm", CultureInfo.InvariantCulture), "Asia/Kolkata") : null,
            s.Webhook is { } w ? new WebhookDto(w.Url, w.Format == WebhookFormat.Slack ? "slack" : "generic") : null,
            s.Dashboard, (int)s.Cooldown.TotalMinutes, v.CreatedAt, v.Alerts, v.Delivered, v.DeadLettered, v.Held, v.Pending, v.LastAlertAt, v.Evaluations, v.LastEvaluatedAt);
    }
}
