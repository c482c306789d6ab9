using AirQuality.Domain.Cities;
using AirQuality.Grains.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AirQuality.Grains.Ingestion;

/// <summary>
/// Plans IQAir's calls so the plan's budget holds: the community plan allows 10,000 calls a month, 500 a day and 5 a
/// minute, far fewer than 56 cities polled hourly (about 41,700 a month). Each city is polled every
/// <see cref="IntervalHours"/> hours instead, cities taking turns so every hour carries an even share; a spent budget
/// skips calls until it renews. Every skip is counted with its reason and the plan is logged once at start.
/// </summary>
/// <remarks>
/// The plan is a pure function of the city's place in the catalog and the hour, so every silo agrees on it without
/// talking: a city grain lives on one silo at a time and the cluster makes the planned calls once. The counters that
/// guard the limits are this process's own (a restart forgets them; the plan keeps the month's total within budget
/// regardless). A call the plan lets through is counted before it is sent, so concurrent polls cannot overshoot the
/// minute limit; retries are counted as they happen.
/// </remarks>
public sealed class IqAirBudget
{
    private readonly IqAirOptions _options;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, int> _turn;
    private readonly Dictionary<string, long> _lastCalledHour = new(StringComparer.Ordinal);
    private readonly int _cities;
    private readonly Queue<DateTime> _lastMinute = new();
    private readonly Lock _gate = new();
    private DateTime _month;
    private DateTime _day;
    private int _usedMonth;
    private int _usedDay;
    private DateTime? _pausedUntil;
    private string? _pausedReason;
    private PlannedMonth? _planned;

    public IqAirBudget(IOptions<IqAirOptions> options, CityCatalog catalog, TimeProvider clock, SourceMonitor monitor, ILogger<IqAirBudget> logger)
    {
        _options = options.Value;
        _clock = clock;
        _turn = catalog.All.Select((c, i) => (c.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        _cities = Math.Max(1, catalog.All.Count);
        monitor.AttachBudget(SourceNames.IqAir, Status);
        var now = clock.GetUtcNow().UtcDateTime;
        if (options.Value.Enabled && !string.IsNullOrWhiteSpace(options.Value.ApiKey))
            logger.LogInformation(
                "IQAir budget {Monthly} calls/month, {Daily}/day, {PerMinute}/min for {Cities} cities: each city is polled every {Interval} h " +
                "({Planned} calls this month), the other hours are skipped",
                _options.MonthlyCalls, _options.DailyCalls, _options.CallsPerMinuteLimit, _cities, IntervalHours(now), PlannedCalls(now));
    }

    /// <summary>Hours between two polls of the same city under the budget of the month holding <paramref name="now"/>.</summary>
    public int IntervalHours(DateTime now)
    {
        var usableMonth = Math.Max(1, (int)Math.Floor(_options.MonthlyCalls * (1 - _options.Reserve)));
        var usableDay = Math.Max(1, (int)Math.Floor(_options.DailyCalls * (1 - _options.Reserve)));
        var hoursInMonth = DateTime.DaysInMonth(now.Year, now.Month) * 24;
        var byMonth = (int)Math.Ceiling((double)_cities * hoursInMonth / usableMonth);
        var byDay = (int)Math.Ceiling(_cities * 24.0 / usableDay);
        return Math.Max(1, Math.Max(byMonth, byDay));
    }

    /// <summary>Calls the plan makes in the month holding <paramref name="now"/>.</summary>
    public int PlannedCalls(DateTime now)
    {
        var start = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        if (_planned is { } cached && cached.Month == start) return cached.Calls;
        var k = IntervalHours(now);
        var calls = 0;
        for (var h = HourNumber(start); h < HourNumber(start.AddMonths(1)); h++)
            for (var i = 0; i < _cities; i++)
                if ((h + i) % k == 0) calls++;
        _planned = new PlannedMonth(start, calls);
        return calls;
    }

    /// <summary>
    /// Whether <paramref name="city"/> may be polled at <paramref name="now"/>: null to go ahead (the call is then
    /// counted), or the reason it is skipped (`not_due`, `monthly_budget_spent`, `daily_budget_spent`, `minute_limit`,
    /// `paused:&lt;upstream message&gt;`).
    /// </summary>
    public string? Decide(City city, DateTime now)
    {
        lock (_gate)
        {
            Roll(now);
            if (_pausedUntil > now) return "paused:" + _pausedReason;
            var turn = _turn.TryGetValue(city.Id, out var t) ? t : (int)((uint)StringComparer.Ordinal.GetHashCode(city.Id) % _cities);
            if ((HourNumber(now) + turn) % IntervalHours(now) != 0) return "not_due";
            // A city's due hour buys one call, however many polls happen in it (a start-up poll, a manual poll).
            if (_lastCalledHour.TryGetValue(city.Id, out var last) && last == HourNumber(now)) return "already_polled_this_hour";
            if (_usedMonth >= _options.MonthlyCalls) return "monthly_budget_spent";
            if (_usedDay >= _options.DailyCalls) return "daily_budget_spent";
            if (_lastMinute.Count >= _options.CallsPerMinuteLimit) return "minute_limit";
            CountCall(now);
            _lastCalledHour[city.Id] = HourNumber(now);
            return null;
        }
    }

    /// <summary>Counts a call the plan did not reserve (a retry).</summary>
    public void RecordExtraCall()
    {
        lock (_gate)
        {
            var now = _clock.GetUtcNow().UtcDateTime;
            Roll(now);
            CountCall(now);
        }
    }

    /// <summary>Stops calls until <paramref name="until"/> because the upstream said a limit is reached.</summary>
    public void Pause(DateTime until, string reason)
    {
        lock (_gate)
        {
            _pausedUntil = until;
            _pausedReason = reason;
        }
    }

    /// <summary>The budget as this process sees it now.</summary>
    public SourceBudgetStatus Status()
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        lock (_gate)
        {
            Roll(now);
            var paused = _pausedUntil > now;
            return new SourceBudgetStatus(_options.MonthlyCalls, _options.DailyCalls, _options.CallsPerMinuteLimit, IntervalHours(now),
                PlannedCalls(now), _usedMonth, _usedDay, _lastMinute.Count, paused ? _pausedUntil : null, paused ? _pausedReason : null);
        }
    }

    private void CountCall(DateTime now)
    {
        _usedMonth++;
        _usedDay++;
        _lastMinute.Enqueue(now);
    }

    /// <summary>Starts a new month or day when the clock passed into one, and forgets calls older than a minute.</summary>
    private void Roll(DateTime now)
    {
        var month = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        if (month != _month)
        {
            _month = month;
            _usedMonth = 0;
        }
        if (now.Date != _day)
        {
            _day = now.Date;
            _usedDay = 0;
        }
        while (_lastMinute.Count > 0 && now - _lastMinute.Peek() >= TimeSpan.FromMinutes(1)) _lastMinute.Dequeue();
    }

    /// <summary>
    /// Sits inside the resilience handler and counts the retries of a request: its first attempt was counted when
    /// <see cref="Decide"/> let it through.
    /// </summary>
    public sealed class RetryCounter(IqAirBudget budget) : DelegatingHandler
    {
        private static readonly HttpRequestOptionsKey<int> Attempts = new("aq.iqair.attempts");

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Options.TryGetValue(Attempts, out var before);
            request.Options.Set(Attempts, before + 1);
            if (before > 0) budget.RecordExtraCall();
            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed record PlannedMonth(DateTime Month, int Calls);

    private static long HourNumber(DateTime t) => (long)Math.Floor((t - DateTime.UnixEpoch).TotalHours);
}
