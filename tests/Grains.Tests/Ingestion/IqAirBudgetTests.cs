using AirQuality.Domain.Cities;
using AirQuality.Grains.Ingestion;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AirQuality.Grains.Tests.Ingestion;

public sealed class IqAirBudgetTests
{
    private static readonly CityCatalog Catalog = CityCatalog.Default;

    private static (IqAirBudget Budget, FakeTimeProvider Clock) Create(DateTime start, Action<IqAirOptions>? configure = null)
    {
        var options = new IqAirOptions { ApiKey = "k" };
        configure?.Invoke(options);
        var clock = new FakeTimeProvider(new DateTimeOffset(start, TimeSpan.Zero));
        var budget = new IqAirBudget(Options.Create(options), Catalog, clock, new SourceMonitor(clock), NullLogger<IqAirBudget>.Instance);
        return (budget, clock);
    }

    [Fact]
    public void The_community_plan_polls_each_of_56_cities_every_5_hours_in_a_31_day_month_and_every_4_in_february()
    {
        var (budget, _) = Create(new DateTime(2025, 1, 15, 0, 0, 0, DateTimeKind.Utc));

        Assert.Equal(56, Catalog.All.Count);
        Assert.Equal(5, budget.IntervalHours(new DateTime(2025, 1, 15, 0, 0, 0, DateTimeKind.Utc)));
        Assert.Equal(4, budget.IntervalHours(new DateTime(2025, 2, 15, 0, 0, 0, DateTimeKind.Utc)));
        foreach (var month in new[] { 1, 2, 4 })
        {
            var planned = budget.PlannedCalls(new DateTime(2025, month, 10, 0, 0, 0, DateTimeKind.Utc));
            Assert.InRange(planned, 8000, 9500); // within the budget less its 5 % reserve, and not far below it
        }
    }

    [Fact]
    public void Cities_take_turns_so_each_hour_carries_a_fifth_and_each_city_comes_once_in_five_hours()
    {
        var start = new DateTime(2025, 1, 15, 0, 0, 0, DateTimeKind.Utc);
        var (budget, clock) = Create(start, o => o.CallsPerMinuteLimit = 1000);
        var due = new Dictionary<string, int>();
        for (var h = 0; h < 5; h++)
        {
            var now = start.AddHours(h);
            clock.SetUtcNow(now);
            var thisHour = Catalog.All.Where(c => budget.Decide(c, now) is null).ToList();
            Assert.InRange(thisHour.Count, 11, 12);
            foreach (var c in thisHour) due[c.Id] = due.GetValueOrDefault(c.Id) + 1;
        }
        Assert.Equal(56, due.Count);
        Assert.All(due.Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public void More_than_five_calls_in_a_minute_are_skipped_until_the_minute_has_passed()
    {
        var start = new DateTime(2025, 1, 15, 0, 0, 0, DateTimeKind.Utc);
        var (budget, clock) = Create(start, o => { o.MonthlyCalls = 10_000_000; o.DailyCalls = 1_000_000; });
        var cities = Catalog.All.Take(7).ToList();

        var answers = cities.Take(6).Select(c => budget.Decide(c, start)).ToList();

        Assert.Equal([null, null, null, null, null, "minute_limit"], answers);
        clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Null(budget.Decide(cities[6], start.AddSeconds(61)));
        Assert.Equal(1, budget.Status().UsedLastMinute);
    }

    [Fact]
    public void A_spent_day_skips_until_the_next_utc_day()
    {
        var start = new DateTime(2025, 1, 30, 22, 0, 0, DateTimeKind.Utc);
        var one = new CityCatalog([Catalog.ById("delhi")!]);
        var options = new IqAirOptions { ApiKey = "k", MonthlyCalls = 1_000_000, DailyCalls = 30, CallsPerMinuteLimit = 1_000_000 };
        var clock = new FakeTimeProvider(new DateTimeOffset(start, TimeSpan.Zero));
        var budget = new IqAirBudget(Options.Create(options), one, clock, new SourceMonitor(clock), NullLogger<IqAirBudget>.Instance);
        Assert.Equal(1, budget.IntervalHours(start));
        for (var i = 0; i < 30; i++) budget.RecordExtraCall();

        Assert.Equal("daily_budget_spent", budget.Decide(one.All[0], start));
        Assert.Equal(30, budget.Status().UsedToday);

        clock.SetUtcNow(start.AddHours(3));
        Assert.Null(budget.Decide(one.All[0], start.AddHours(3)));
        Assert.Equal(1, budget.Status().UsedToday);
        Assert.Equal(31, budget.Status().UsedThisMonth);
    }

    [Fact]
    public void A_spent_month_skips_until_the_next_month()
    {
        var start = new DateTime(2025, 1, 31, 22, 0, 0, DateTimeKind.Utc);
        var one = new CityCatalog([Catalog.ById("delhi")!]);
        var options = new IqAirOptions { ApiKey = "k", MonthlyCalls = 1000, DailyCalls = 1_000_000, CallsPerMinuteLimit = 1_000_000 };
        var clock = new FakeTimeProvider(new DateTimeOffset(start, TimeSpan.Zero));
        var budget = new IqAirBudget(Options.Create(options), one, clock, new SourceMonitor(clock), NullLogger<IqAirBudget>.Instance);
        Assert.Equal(1, budget.IntervalHours(start)); // one city fits hourly into 950 calls
        for (var i = 0; i < 1000; i++) budget.RecordExtraCall();

        Assert.Equal("monthly_budget_spent", budget.Decide(one.All[0], start));

        clock.SetUtcNow(start.AddHours(3));
        Assert.Null(budget.Decide(one.All[0], start.AddHours(3)));
        Assert.Equal(1, budget.Status().UsedThisMonth);
    }
}
