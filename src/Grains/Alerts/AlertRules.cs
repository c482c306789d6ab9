using System.Globalization;
using AirQuality.Domain.Aqi;
using AirQuality.Domain.Grap;
using AirQuality.Domain.Health;
using AirQuality.Domain.Outlook;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Alerts;

/// <summary>What a rule last saw for one city (or source): the level it stands at, for hysteresis.</summary>
[GenerateSerializer]
public sealed class RuleTrack
{
    /// <summary>Observed: category rank (any change) or 0/1 below/above the edge; GRAP: stage; forecast, stale, source: 0 armed, 1 fired.</summary>
    [Id(0)] public int Level { get; set; }

    /// <summary>The category of the last value seen (observed rules), reported as the previous one.</summary>
    [Id(1)] public string? Category { get; set; }
}

/// <summary>An alert a rule raised, before the subscription numbers it, de-duplicates it and queues it.</summary>
/// <param name="DedupeKey">Same key within the cooldown: not sent again.</param>
public sealed record RaisedAlert(string DedupeKey, Alert Alert);

/// <summary>
/// The rules of subscriptions, applied to what a city (or the source-health grain) reports. Pure: the tracks passed in
/// are the only state, and the subscription grain persists them. Hysteresis: a crossing up counts at the edge, a
/// crossing down only <see cref="AlertRule.Hysteresis"/> points below it, so a value wobbling on an edge raises one
/// alert. Forecast probabilities are the bulletin's and GRAP's (<see cref="BandDistribution"/> fitted to the bands).
/// </summary>
public static class AlertRules
{
    /// <summary>A fired forecast rule is armed again only when the probability falls this far below its minimum.</summary>
    public const double ProbabilityHysteresis = 0.1;

    public static IReadOnlyList<RaisedAlert> Evaluate(string subscriptionId, AlertSubscriptionSpec spec, CityAlertSnapshot s, IDictionary<string, RuleTrack> tracks)
    {
        var raised = new List<RaisedAlert>();
        if (!spec.Covers(s.CityId)) return raised;
        for (var i = 0; i < spec.Rules.Count; i++)
        {
            var rule = spec.Rules[i];
            var key = $"{i}:{s.CityId}";
            var alert = rule.Kind switch
            {
                AlertRuleKind.ObservedCategory => Observed(subscriptionId, spec, rule, i, s, tracks, key),
                AlertRuleKind.ForecastCategory => Forecast(subscriptionId, spec, rule, i, s, tracks, key),
                AlertRuleKind.GrapStage => Grap(subscriptionId, spec, rule, i, s, tracks, key),
                AlertRuleKind.StaleData => Stale(subscriptionId, spec, rule, i, s, tracks, key),
                _ => null,
            };
            if (alert is not null) raised.Add(alert);
        }
        return raised;
    }

    public static IReadOnlyList<RaisedAlert> EvaluateSources(string subscriptionId, AlertSubscriptionSpec spec, SourceAlertSnapshot s, IDictionary<string, RuleTrack> tracks)
    {
        var raised = new List<RaisedAlert>();
        for (var i = 0; i < spec.Rules.Count; i++)
        {
            var rule = spec.Rules[i];
            if (rule.Kind != AlertRuleKind.SourceOutage) continue;
            foreach (var source in s.Sources)
            {
                var key = $"{i}:source:{source.Source}";
                var down = source.Enabled && (source.Circuit == "open" || source.ConsecutiveFailures >= rule.Failures);
                var known = tracks.TryGetValue(key, out var track);
                track ??= tracks[key] = new RuleTrack();
                var was = known ? track.Level : 0;
                track.Level = down ? 1 : 0;
                if (down == (was == 1)) continue;
                if (down ? rule.Direction == AlertDirection.Down : rule.Direction == AlertDirection.Up) continue;
                var evt = down ? "source_down" : "source_recovered";
                var message = down
                    ? $"Source {source.Source} is down: {source.ConsecutiveFailures} failed polls running, circuit {source.Circuit}" +
                      (source.LastError is { } e ? $" (last error: {e})" : "") + "."
                    : $"Source {source.Source} answers again.";
                raised.Add(new RaisedAlert($"{key}:{evt}", New(subscriptionId, spec, rule, i, evt, null, null, s.At, message) with { Source = source.Source }));
            }
        }
        return raised;
    }

    private static RaisedAlert? Observed(string id, AlertSubscriptionSpec spec, AlertRule rule, int index, CityAlertSnapshot s, IDictionary<string, RuleTrack> tracks, string key)
    {
        if (s.Aqi(spec.Standard) is not { } v) return null;
        var categories = CategoryRanges.Of(spec.Standard);
        var now = CategoryRanges.CategoryOf(spec.Standard, v);
        var known = tracks.TryGetValue(key, out var track);
        track ??= tracks[key] = new RuleTrack();
        var previous = track.Category;
        track.Category = now.Category;
        if (rule.Category is { } name && CategoryRanges.Named(spec.Standard, name) is { } edge)
        {
            var above = v >= edge.AqiLo;
            if (!known)
            {
                track.Level = above ? 1 : 0;
                return null;
            }
            if (track.Level == 0 && above)
            {
                track.Level = 1;
                return rule.Direction == AlertDirection.Down ? null
                    : Crossing(id, spec, rule, index, s, v, now.Category, previous, edge.AqiLo, "crossed_up", $"{s.City}: {Label(spec.Standard)} {v} has reached {edge.Category} ({edge.AqiLo} or above)");
            }
            if (track.Level == 1 && v < edge.AqiLo - rule.Hysteresis)
            {
                track.Level = 0;
                return rule.Direction == AlertDirection.Up ? null
                    : Crossing(id, spec, rule, index, s, v, now.Category, previous, edge.AqiLo, "crossed_down", $"{s.City}: {Label(spec.Standard)} {v} is back below {edge.Category} (under {edge.AqiLo})");
            }
            return null;
        }
        if (!known)
        {
            track.Level = now.Rank;
            return null;
        }
        if (now.Rank > track.Level)
        {
            var from = categories[track.Level].Category;
            track.Level = now.Rank;
            return rule.Direction == AlertDirection.Down ? null
                : Crossing(id, spec, rule, index, s, v, now.Category, from, now.AqiLo, "crossed_up", $"{s.City}: {Label(spec.Standard)} {v}, up from {from} to {now.Category}");
        }
        if (now.Rank < track.Level && v < categories[track.Level].AqiLo - rule.Hysteresis)
        {
            var from = categories[track.Level];
            track.Level = now.Rank;
            return rule.Direction == AlertDirection.Up ? null
                : Crossing(id, spec, rule, index, s, v, now.Category, from.Category, from.AqiLo, "crossed_down", $"{s.City}: {Label(spec.Standard)} {v}, down from {from.Category} to {now.Category}");
        }
        return null;
    }

    private static RaisedAlert Crossing(string id, AlertSubscriptionSpec spec, AlertRule rule, int index, CityAlertSnapshot s, int v, string category,
        string? previous, int threshold, string evt, string message) =>
        new($"{index}:{s.CityId}:{evt}:{threshold}", New(id, spec, rule, index, evt, s, category, s.At, message + ".") with
        {
            Aqi = v,
            PreviousCategory = previous,
            Threshold = threshold,
        });

    private static RaisedAlert? Grap(string id, AlertSubscriptionSpec spec, AlertRule rule, int index, CityAlertSnapshot s, IDictionary<string, RuleTrack> tracks, string key)
    {
        if (!s.Grap || s.IndiaAqi is not { } v) return null;
        var stages = GrapSchedule.Stages;
        var stage = GrapSchedule.StageOf(v);
        if (!tracks.TryGetValue(key, out var track))
        {
            tracks[key] = new RuleTrack { Level = stage.Number, Category = IndiaAqi.Category(v) };
            return null;
        }
        var from = stages.First(x => x.Number == track.Level);
        string evt;
        if (stage.Number > from.Number) evt = "grap_stage_up";
        else if (stage.Number < from.Number && v < from.AqiLo - rule.Hysteresis) evt = "grap_stage_down";
        else return null;
        track.Level = stage.Number;
        if (evt == "grap_stage_up" ? rule.Direction == AlertDirection.Down : rule.Direction == AlertDirection.Up) return null;
        var range = stage.AqiHi is { } hi ? $"{stage.AqiLo}-{hi}" : $"above {stage.AqiLo - 1}";
        var message = stage.Number == 0
            ? $"{s.City}: no GRAP stage applies any more (India AQI {v}; was {from.Name})."
            : $"{s.City}: GRAP {stage.Name} ({stage.Category}, India AQI {range}) applies: India AQI {v}, was {from.Name}.";
        var alert = New(id, spec with { Standard = AqiStandard.India }, rule, index, evt, s, IndiaAqi.Category(v), s.At, message) with
        {
            Aqi = v,
            GrapStage = stage.Number,
            PreviousGrapStage = from.Number,
            Threshold = evt == "grap_stage_up" ? stage.AqiLo : from.AqiLo,
            Standard = AqiStandard.India.Code(),
        };
        return new RaisedAlert($"{key}:{evt}:{stage.Number}", alert);
    }

    private static RaisedAlert? Forecast(string id, AlertSubscriptionSpec spec, AlertRule rule, int index, CityAlertSnapshot s, IDictionary<string, RuleTrack> tracks, string key)
    {
        if (rule.Category is not { } name || CategoryRanges.Named(spec.Standard, name) is not { } edge) return null;
        var forecast = spec.Standard == AqiStandard.India ? s.AqiForecast : s.Pm25Forecast;
        if (forecast is null) return null;
        var chances = Chances(spec.Standard, edge.AqiLo, forecast, rule.LeadHours);
        if (chances.Count == 0) return null;
        var known = tracks.TryGetValue(key, out var track);
        track ??= tracks[key] = new RuleTrack();
        var observedAbove = s.Aqi(spec.Standard) is { } v && v >= edge.AqiLo;
        var first = chances.FirstOrDefault(c => c.Probability >= rule.MinProbability);
        var best = chances.Max(c => c.Probability);
        if (observedAbove)
        {
            // Already there: not a crossing ahead; armed again once the forecast no longer expects it.
            track.Level = 1;
            return null;
        }
        if (known && track.Level == 1)
        {
            if (best < rule.MinProbability - ProbabilityHysteresis) track.Level = 0;
            return null;
        }
        if (first.Point is null) return null;
        track.Level = 1;
        var p = first.Point;
        var probability = Math.Round(first.Probability, 4);
        var value = Math.Round(p.Value, 1);
        var unit = spec.Standard == AqiStandard.India ? $"India AQI {value}" : $"PM2.5 {value} µg/m³";
        var message = $"{s.City}: {edge.Category} expected at {Ist(p.Time)} IST, {p.Horizon} h ahead, with probability {probability:P0} (forecast {unit}, model {forecast.Model}).";
        var alert = New(id, spec, rule, index, "forecast_crossing", s, edge.Category, s.At, message) with
        {
            Aqi = s.Aqi(spec.Standard),
            PreviousCategory = s.Aqi(spec.Standard) is { } now ? CategoryRanges.CategoryOf(spec.Standard, now).Category : null,
            Threshold = edge.AqiLo,
            ForecastHour = p.Time,
            LeadHours = p.Horizon,
            Probability = probability,
            ForecastValue = value,
            Model = forecast.Version is { } ver ? $"{forecast.Model} v{ver}" : forecast.Model,
        };
        return new RaisedAlert($"{key}:forecast:{edge.AqiLo}", alert);
    }

    /// <summary>
    /// Per forecast hour within the lead time, the probability that the index is at <paramref name="lo"/> or above: the
    /// bulletin's distribution (<see cref="ForecastPoint.Distribution"/>). For the US AQI the forecast is PM2.5 and the
    /// index its PM2.5 sub-index, so the edge is the least concentration whose sub-index reaches <paramref name="lo"/>.
    /// </summary>
    public static IReadOnlyList<(ForecastPoint Point, double Probability)> Chances(AqiStandard standard, int lo, CityForecast forecast, int leadHours)
    {
        var points = forecast.Hours.Where(h => h.Horizon >= 1 && h.Horizon <= leadHours)
            .Select(h => new ForecastPoint(h.Time, h.Horizon, h.Value, h.Lower80, h.Upper80, h.Lower90, h.Upper90)).ToList();
        if (standard == AqiStandard.India) return points.Select(p => (p, p.Distribution().ProbabilityAtLeast(lo))).ToList();
        return points.Select(p =>
        {
            var edge = UsPm25Edge(lo, p.Time);
            return (p, edge is { } c ? Math.Clamp(1 - p.Distribution().Cdf(c - UsPm25Step / 2), 0, 1) : 0.0);
        }).ToList();
    }

    private const double UsPm25Step = 0.1;

    /// <summary>The least PM2.5 concentration (µg/m³, in the table's 0.1 steps) whose US sub-index is at least <paramref name="lo"/>.</summary>
    public static double? UsPm25Edge(int lo, DateTime at)
    {
        var table = UsAqi.TableFor(at);
        int low = 0, high = 20000;
        if ((UsAqi.IndexOf(Pollutant.Pm25, "24h", high * UsPm25Step, table) ?? 0) < lo) return null;
        while (low < high)
        {
            var mid = (low + high) / 2;
            if ((UsAqi.IndexOf(Pollutant.Pm25, "24h", mid * UsPm25Step, table) ?? 0) >= lo) high = mid; else low = mid + 1;
        }
        return Math.Round(low * UsPm25Step, 1);
    }

    private static RaisedAlert? Stale(string id, AlertSubscriptionSpec spec, AlertRule rule, int index, CityAlertSnapshot s, IDictionary<string, RuleTrack> tracks, string key)
    {
        if (s.LastReadingAt is not { } last) return null;
        var age = (s.At - last).TotalHours;
        var stale = age >= rule.Hours;
        var known = tracks.TryGetValue(key, out var track);
        track ??= tracks[key] = new RuleTrack();
        var was = known && track.Level == 1;
        track.Level = stale ? 1 : 0;
        if (stale == was) return null;
        if (stale ? rule.Direction == AlertDirection.Down : rule.Direction == AlertDirection.Up) return null;
        var evt = stale ? "stale" : "fresh_again";
        var rounded = Math.Round(age, 1);
        var message = stale
            ? $"{s.City}: no new reading for {rounded:0.#} h (last hour {Ist(last)} IST); the data is stale."
            : $"{s.City}: readings arrive again (latest hour {Ist(last)} IST).";
        return new RaisedAlert($"{key}:{evt}", New(id, spec, rule, index, evt, s, null, s.At, message) with { AgeHours = rounded });
    }

    private static Alert New(string subscriptionId, AlertSubscriptionSpec spec, AlertRule rule, int index, string evt, CityAlertSnapshot? s, string? category,
        DateTime at, string message) =>
        new("", subscriptionId, RuleName(rule.Kind), index, evt, s?.CityId, s?.City, spec.Standard.Code(), at, null, category, null, null, null, null,
            null, null, null, null, null, null, null, message, Advice(spec.Standard, category, spec.Language));

    /// <summary>The health statement of a category in the subscription's language (English when it has none).</summary>
    public static AlertAdvice? Advice(AqiStandard standard, string? category, string language) =>
        HealthAdviceBook.For(standard, category, language) is { } a ? new AlertAdvice(a.Category, a.Language, a.Text, a.Source) : null;

    /// <summary>The API's name of a rule kind (`observed_category`, ...).</summary>
    public static string RuleName(AlertRuleKind kind) => kind.Name();

    private static string Label(AqiStandard s) => s == AqiStandard.India ? "India AQI" : "US AQI";

    private static string Ist(DateTime utc) => (utc + QuietHours.Ist).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
