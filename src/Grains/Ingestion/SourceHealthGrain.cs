using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Storage;
using Orleans.Concurrency;

namespace AirQuality.Grains.Ingestion;

/// <summary>
/// Every source's health across all cities (state name `sourcehealth`): last success and error, consecutive failures,
/// rejections and skips by reason, and each process's circuit, counters and budget. City grains report after each
/// poll, so `/api/v1/sources` is one grain call.
/// </summary>
[Reentrant]
public sealed class SourceHealthGrain(
    [PersistentState("sourcehealth", GrainStorage.Name)] IPersistentState<SourceHealthState> state,
    TimeProvider clock) : Grain, ISourceHealthGrain
{
    /// <summary>A process not heard from for this long no longer counts for the circuit (it stopped, or lost its sources).</summary>
    public static readonly TimeSpan ProcessSilence = TimeSpan.FromHours(3);

    private static readonly string[] CircuitSeverity = ["none", "closed", "half_open", "open"];
    private DeferredState<SourceHealthState> _writes = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Written in the background: a few seconds of counts lost on a crash cost nothing.
        _writes = new DeferredState<SourceHealthState>(state, this, TimeSpan.FromSeconds(10));
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => _writes.FlushAsync(cancellationToken);

    public Task Report(IReadOnlyList<SourcePollReport> polls, IReadOnlyList<SourceProcessStatus> processes)
    {
        foreach (var p in polls)
        {
            var s = Entry(p.Source);
            foreach (var (reason, n) in p.Rejections) s.Rejections[reason] = s.Rejections.GetValueOrDefault(reason) + n;
            if (p.Outcome == SourcePollOutcome.Skipped)
            {
                var why = p.Detail ?? "unknown";
                s.Skips[why] = s.Skips.GetValueOrDefault(why) + 1;
                continue;
            }
            s.Polls++;
            if (s.LastAttempt is null || p.At > s.LastAttempt) s.LastAttempt = p.At;
            if (p.Outcome == SourcePollOutcome.Succeeded)
            {
                s.Accepted += p.Accepted;
                s.Duplicates += p.Duplicates;
                s.ConsecutiveFailures = 0;
                if (s.LastSuccess is null || p.At >= s.LastSuccess) s.LastSuccess = p.At;
                s.CityFailing[p.CityId] = false;
            }
            else
            {
                s.Failures++;
                s.ConsecutiveFailures++;
                if (s.LastErrorAt is null || p.At >= s.LastErrorAt)
                {
                    s.LastErrorAt = p.At;
                    s.LastError = p.Detail;
                    s.LastErrorCity = p.CityId;
                }
                s.CityFailing[p.CityId] = true;
            }
        }
        foreach (var status in processes)
        {
            var known = Entry(status.Source).Processes;
            known[status.Process] = status;
            // Every restart is a new process: forget those silent for a week.
            if (known.Count > 8)
                foreach (var gone in known.Where(p => status.At - p.Value.At > TimeSpan.FromDays(7)).Select(p => p.Key).ToList()) known.Remove(gone);
        }
        _writes.Changed();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SourceHealth>> GetAll()
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var result = state.State.Sources.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv =>
        {
            var s = kv.Value;
            var all = s.Processes.Values.OrderByDescending(p => p.At).ToList();
            // The processes heard from recently; if none, the last one heard, so a lone silo that went quiet still shows.
            var recent = all.Where(p => now - p.At <= ProcessSilence).ToList();
            if (recent.Count == 0 && all.Count > 0) recent = [all[0]];
            var circuit = recent.Select(p => p.Circuit).OrderByDescending(c => Array.IndexOf(CircuitSeverity, c)).FirstOrDefault() ?? "unknown";
            var enabled = recent.Count == 0 ? s.Polls > 0 : recent.Any(p => p.Enabled);
            var offReason = enabled ? null : recent.Select(p => p.OffReason).FirstOrDefault(r => r is not null);
            return new SourceHealth(kv.Key, enabled, offReason, circuit, s.LastAttempt, s.LastSuccess, s.LastErrorAt, s.LastError,
                s.LastErrorCity, s.ConsecutiveFailures, s.Polls, s.Failures, s.Accepted, s.Duplicates,
                s.CityFailing.Count(c => !c.Value), s.CityFailing.Count(c => c.Value),
                new Dictionary<string, long>(s.Rejections), new Dictionary<string, long>(s.Skips),
                recent.Select(p => p.Budget).FirstOrDefault(b => b is not null),
                recent.Select(p => p.Feed).Where(f => f is not null).OrderByDescending(f => f!.FetchedAt).FirstOrDefault(),
                recent);
        }).ToList();
        return Task.FromResult<IReadOnlyList<SourceHealth>>(result);
    }

    private SourceHealthEntry Entry(string source)
    {
        if (!state.State.Sources.TryGetValue(source, out var s)) state.State.Sources[source] = s = new SourceHealthEntry();
        return s;
    }
}

[GenerateSerializer]
public sealed class SourceHealthState
{
    [Id(0)] public Dictionary<string, SourceHealthEntry> Sources { get; set; } = [];
}

/// <summary>What the health grain keeps of one source.</summary>
[GenerateSerializer]
public sealed class SourceHealthEntry
{
    [Id(0)] public DateTime? LastAttempt { get; set; }
    [Id(1)] public DateTime? LastSuccess { get; set; }
    [Id(2)] public DateTime? LastErrorAt { get; set; }
    [Id(3)] public string? LastError { get; set; }
    [Id(4)] public string? LastErrorCity { get; set; }
    [Id(5)] public int ConsecutiveFailures { get; set; }
    [Id(6)] public long Polls { get; set; }
    [Id(7)] public long Failures { get; set; }
    [Id(8)] public long Accepted { get; set; }
    [Id(9)] public long Duplicates { get; set; }
    [Id(10)] public Dictionary<string, long> Rejections { get; set; } = [];
    [Id(11)] public Dictionary<string, long> Skips { get; set; } = [];
    [Id(12)] public Dictionary<string, bool> CityFailing { get; set; } = [];
    [Id(13)] public Dictionary<string, SourceProcessStatus> Processes { get; set; } = [];
}
