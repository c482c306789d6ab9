using AirQuality.Domain.Cities;
using AirQuality.Grains.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace AirQuality.Grains.Cities;

/// <summary>
/// Notices cities whose polling stopped: every city reports each finished poll; a check finds the catalog cities not
/// heard from for more than two poll periods (since this activation, for a city not heard from at all), and tells
/// each to re-register its reminder and poll. Nothing persisted: after a move the watchdog starts counting afresh.
/// </summary>
[Reentrant]
public sealed class PollWatchdogGrain(CityCatalog catalog, TimeProvider clock, IOptions<CityOptions> options, CityMetrics metrics,
    ILogger<PollWatchdogGrain> logger) : Grain, IPollWatchdogGrain
{
    private const int RestartsAtOnce = 16;
    private static readonly TimeSpan RestartTimeout = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, DateTime> _heard = new(StringComparer.Ordinal);
    private readonly CityOptions _options = options.Value;
    private DateTime _since;
    private bool _checking;
    private PollWatchdogStatus _status = null!;

    private TimeSpan Threshold => _options.PollPeriod * 2;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _since = clock.GetUtcNow().UtcDateTime;
        _status = new PollWatchdogStatus(null, Threshold, catalog.All.Count, [], 0, null, null);
        return Task.CompletedTask;
    }

    public Task Polled(string cityId)
    {
        _heard[cityId] = clock.GetUtcNow().UtcDateTime;
        return Task.CompletedTask;
    }

    public Task<PollWatchdogStatus> GetStatus() => Task.FromResult(_status);

    public async Task<PollWatchdogStatus> Check()
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // Every silo drives the check; one per half period is enough.
        if (_checking || _status.CheckedAt is { } last && now - last < _options.EffectiveWatchdogPeriod / 2) return _status;
        _checking = true;
        try
        {
            var stale = catalog.All.Where(c => now - _heard.GetValueOrDefault(c.Id, _since) > Threshold).ToList();
            string? error = null;
            foreach (var batch in stale.Chunk(RestartsAtOnce))
            {
                await Task.WhenAll(batch.Select(async city =>
                {
                    try
                    {
                        await GrainFactory.GetGrain<ICityGrain>(GrainKeys.City(city)).EnsurePolling().WaitAsync(RestartTimeout);
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        error = $"{city.Id}: {ex.Message}";
                    }
                }));
                foreach (var city in batch)
                {
                    // Counted from the restart: a city that still does not poll is tried again two periods later.
                    _heard[city.Id] = now;
                    metrics.Restarted();
                }
            }
            if (stale.Count > 0)
                logger.LogWarning("Poll watchdog: {Count} cities had not polled for {Threshold}; reminders re-registered and polled: {Cities}",
                    stale.Count, Threshold, string.Join(", ", stale.Select(c => c.Id)));
            metrics.Checked(stale.Count);
            _status = new PollWatchdogStatus(now, Threshold, catalog.All.Count, stale.Select(c => c.Id).ToList(), _status.Restarts + stale.Count,
                stale.Count > 0 ? now : _status.LastRestartAt, error ?? (stale.Count > 0 ? null : _status.LastError));
            return _status;
        }
        finally
        {
            _checking = false;
        }
    }
}

/// <summary>
/// Drives the <see cref="IPollWatchdogGrain"/> from every silo: a timer outside any grain, so it keeps running when
/// the watchdog grain or a city moves, and brings the watchdog back after a silo loss.
/// </summary>
public sealed class PollWatchdogService(IGrainFactory grains, TimeProvider clock, IOptions<CityOptions> options, ILogger<PollWatchdogService> logger)
    : Microsoft.Extensions.Hosting.BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = options.Value.EffectiveWatchdogPeriod;
        if (period <= TimeSpan.Zero) return;
        using var timer = new PeriodicTimer(period, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await grains.GetGrain<IPollWatchdogGrain>(GrainKeys.PollWatchdog).Check().WaitAsync(period, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && ex is not OutOfMemoryException)
            {
                // The silo may be starting, leaving, or the watchdog moving: the next tick tries again.
                logger.LogDebug("Poll watchdog check failed: {Error}", ex.Message);
            }
        }
    }
}
