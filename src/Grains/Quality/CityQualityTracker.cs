using System.Globalization;
using AirQuality.Domain.Cities;
using AirQuality.Domain.Quality;
using AirQuality.Domain.Readings;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Ingestion;

namespace AirQuality.Grains.Quality;

/// <summary>
/// A city's data-quality flags per source (pure; the city grain holds one over its persisted <see cref="QualityState"/>):
/// each poll's new values go into the source's own series and its rejections into events
/// (<see cref="Record"/>); <see cref="Assess"/> applies the rules of <see cref="DataQualityRules"/> with
/// <see cref="SeriesChecks"/>. Negative and out-of-range values were rejected on arrival, so they never reach the AQI;
/// stuck values are left out of it by <see cref="StuckValues"/>.
/// </summary>
public sealed class CityQualityTracker(City city, QualityState state, DataQualityRules rules)
{
    /// <summary>A source not polled for this long is switched off: it is forgotten rather than flagged stale forever.</summary>
    public static readonly TimeSpan ForgetSource = TimeSpan.FromDays(2);

    private TimeSpan Keep => TimeSpan.FromHours(Math.Max(Math.Max(rules.StuckHours, rules.DuplicateSeriesHours), rules.FlagHold.TotalHours) + 1);

    /// <summary>
    /// Records what a poll (<paramref name="polled"/>) or a push (an import, a feed of many cities) brought; true when
    /// the kept state changed beyond poll times. Only polled sources can be stale: a push comes when it comes.
    /// </summary>
    public bool Record(PollResult result, DateTime now, bool polled)
    {
        var changed = false;
        var oldest = now - Keep;
        if (polled)
            foreach (var o in result.Outcomes)
            {
                changed |= Track(o.Source, now, out var t);
                changed |= !t.Polled;
                t.Polled = true;
            }
        foreach (var r in result.Fresh)
        {
            changed |= Track(r.Source, now, out var t);
            if (t.LastValueHour is not { } last || r.Hour > last) t.LastValueHour = r.Hour;
            if (r.Hour < oldest) continue;
            foreach (var (p, v) in r.Values)
            {
                if (!t.Series.TryGetValue(p, out var series)) t.Series[p] = series = [];
                var i = series.FindIndex(x => x.Hour >= r.Hour);
                if (i < 0) series.Add(new HourValue(r.Hour, v));
                else if (series[i].Hour == r.Hour) series[i] = new HourValue(r.Hour, v);
                else series.Insert(i, new HourValue(r.Hour, v));
            }
            changed = true;
        }
        foreach (var r in result.Rejected)
        {
            if (QualityFlags.OfRejection(r.Reason) is not { } flag) continue;
            state.Events.Add(new QualityEvent(flag, r.Source, r.Pollutant, now, r.Detail));
            changed = true;
        }
        return Trim(now) | changed;
    }

    /// <summary>
    /// The city's flags at <paramref name="now"/>, with <paramref name="aqiExcluded"/> (the stuck values its AQI left out)
    /// and the rejected values of the flag hold as the exclusions.
    /// </summary>
    public CityQuality Assess(DateTime now, IReadOnlyDictionary<string, int>? aqiExcluded = null)
    {
        var flags = new List<QualityFlag>();
        foreach (var (source, t) in state.Sources)
        {
            var staleHours = rules.StaleHours(source);
            if (t.Polled && SeriesChecks.IsStale(t.LastValueHour, t.FirstPolled, now, staleHours))
            {
                var since = t.LastValueHour?.AddHours(1) ?? t.FirstPolled;
                var hours = (int)(now - since).TotalHours;
                flags.Add(new QualityFlag(QualityFlags.Stale, source, null, since, since, hours, false,
                    (t.LastValueHour is { } h ? $"no new value after the hour of {h.ToString("yyyy-MM-dd HH:00", CultureInfo.InvariantCulture)} UTC"
                        : "no value since first polled") + $": {hours} h, the limit is {staleHours} h"));
            }
            foreach (var (p, series) in t.Series)
                foreach (var run in SeriesChecks.StuckRuns(series.Select(x => (x.Hour, x.Value)), rules.StuckHours))
                    if (now - run.Last.AddHours(1) < rules.FlagHold)
                        flags.Add(new QualityFlag(QualityFlags.Stuck, source, p.Code(), run.First, run.Last, run.Hours, true,
                            $"{p.Code()} = {run.Value.ToString(CultureInfo.InvariantCulture)} in each of {run.Hours} consecutive hours (limit {rules.StuckHours})"));
        }
        flags.AddRange(DuplicateSeries(now));
        foreach (var g in state.Events.GroupBy(e => (e.Flag, e.Source, e.Pollutant)))
            flags.Add(new QualityFlag(g.Key.Flag, g.Key.Source, g.Key.Pollutant?.Code(), g.Min(e => e.At), g.Max(e => e.At), g.Count(), true, g.Last().Detail));

        var excluded = new Dictionary<string, int>(aqiExcluded ?? new Dictionary<string, int>());
        foreach (var e in state.Events.Where(e => e.Pollutant is not null))
        {
            var key = $"{e.Source}:{e.Pollutant!.Value.Code()}:{e.Flag}";
            excluded[key] = excluded.GetValueOrDefault(key) + 1;
        }
        var ordered = flags.OrderBy(f => f.Source, StringComparer.Ordinal).ThenBy(f => f.Pollutant ?? "", StringComparer.Ordinal)
            .ThenBy(f => f.Flag, StringComparer.Ordinal).ToList();
        return new CityQuality(city.Id, city.Name, now, ordered,
            excluded.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value));
    }

    /// <summary>Two sources of the city with one identical series of a pollutant: the lower-ranked one is flagged.</summary>
    private IEnumerable<QualityFlag> DuplicateSeries(DateTime now)
    {
        var hours = rules.DuplicateSeriesHours;
        var sources = state.Sources.OrderBy(kv => MergePolicy.Priority(kv.Key)).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        for (var j = 1; j < sources.Count; j++)
            foreach (var (p, series) in sources[j].Value.Series)
            {
                if (series.Count < hours) continue;
                var end = series[^1].Hour;
                if (now - end.AddHours(1) >= rules.FlagHold) continue;
                var mine = series.ToDictionary(x => x.Hour, x => x.Value);
                for (var i = 0; i < j; i++)
                {
                    if (!sources[i].Value.Series.TryGetValue(p, out var other)) continue;
                    if (!SeriesChecks.Identical(mine, other.ToDictionary(x => x.Hour, x => x.Value), end, hours)) continue;
                    yield return new QualityFlag(QualityFlags.DuplicateStation, sources[j].Key, p.Code(), end.AddHours(1 - hours), end, hours, false,
                        $"{p.Code()} identical to {sources[i].Key} in each of the last {hours} hours: one series reported twice");
                    break;
                }
            }
    }

    private bool Track(string source, DateTime now, out SourceTrack track)
    {
        var added = !state.Sources.TryGetValue(source, out track!);
        if (added) state.Sources[source] = track = new SourceTrack { FirstPolled = now };
        track.LastPolled = now;
        return added;
    }

    private bool Trim(DateTime now)
    {
        var changed = false;
        var oldest = now - Keep;
        foreach (var (source, t) in state.Sources.ToList())
        {
            if (now - t.LastPolled > ForgetSource)
            {
                state.Sources.Remove(source);
                changed = true;
                continue;
            }
            foreach (var (p, series) in t.Series.ToList())
            {
                changed |= series.RemoveAll(x => x.Hour < oldest) > 0;
                if (series.Count == 0) t.Series.Remove(p);
            }
        }
        changed |= state.Events.RemoveAll(e => now - e.At >= rules.FlagHold) > 0;
        return changed;
    }
}
