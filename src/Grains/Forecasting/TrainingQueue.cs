using AirQuality.Grains.Abstractions;

namespace AirQuality.Grains.Forecasting;

/// <summary>A training to put on the queue.</summary>
/// <param name="Automatic">Set for triggers other than an operator's request: they stamp the city's cooldown.</param>
/// <param name="Delay">Time before the job may start (the city's jitter spreads automatic retrainings over the period).</param>
/// <param name="Cooldown">When set, the job is refused if an automatic job of the city was queued within this time.</param>
public sealed record TrainingRequest(TrainingJob Job, bool Automatic, TimeSpan Delay, TimeSpan? Cooldown);

/// <summary>What became of a <see cref="TrainingRequest"/>.</summary>
public enum EnqueueStatus
{
    /// <summary>A new job was queued (<see cref="EnqueueResult.JobId"/>).</summary>
    Queued,

    /// <summary>The city already has a job queued or running anywhere in the cluster (<see cref="EnqueueResult.JobId"/>).</summary>
    AlreadyQueued,

    /// <summary>Refused: an automatic job of the city was queued within the cooldown (<see cref="EnqueueResult.CooldownUntil"/>).</summary>
    CoolingDown,
}

public sealed record EnqueueResult(EnqueueStatus Status, long? JobId, DateTime? CooldownUntil = null);

/// <summary>A job leased to one worker. <paramref name="Attempt"/> fences it: a worker whose lease was taken over can no longer heartbeat or finish.</summary>
public sealed record TrainingLease(long JobId, int Attempt, TrainingJob Job);

/// <summary>Job states as stored and shown.</summary>
public static class TrainingJobStates
{
    public const string Queued = "queued";
    public const string Leased = "leased";
    public const string Running = "running";
    public const string Done = "done";
    public const string Failed = "failed";
}

/// <summary>
/// The cluster's training queue: jobs are durable (PostgreSQL in cluster mode, process memory in embedded mode), a city
/// has at most one job queued, leased or running at a time, and a job is leased to one worker at a time: a lease not
/// renewed by heartbeats expires and the job is leased again (elsewhere), up to a number of attempts.
/// </summary>
public interface ITrainingQueue
{
    /// <summary>`postgresql` or `memory`.</summary>
    string Kind { get; }

    Task<EnqueueResult> EnqueueAsync(TrainingRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Leases the oldest due job (queued, or leased/running with an expired lease) to <paramref name="worker"/>; null
    /// when none is due. Jobs whose lease expired <paramref name="maxAttempts"/> times are failed instead.
    /// </summary>
    Task<TrainingLease?> TryLeaseAsync(string worker, TimeSpan lease, int maxAttempts, CancellationToken cancellationToken = default);

    /// <summary>Marks a leased job running and renews its lease; false when the lease is no longer held.</summary>
    Task<bool> StartAsync(TrainingLease lease, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Renews the lease; false when it is no longer held (taken over after it expired, or finished).</summary>
    Task<bool> HeartbeatAsync(TrainingLease lease, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Records the end of a job (`done`, or `failed` with the error); false when the lease is no longer held.</summary>
    Task<bool> FinishAsync(TrainingLease lease, string? error, CancellationToken cancellationToken = default);

    /// <summary>Gives a job back at once (the silo is stopping): queued again, to be leased by any worker.</summary>
    Task ReleaseAsync(TrainingLease lease, CancellationToken cancellationToken = default);

    Task<TrainingJobView?> GetAsync(long jobId, CancellationToken cancellationToken = default);

    /// <summary>The city's job queued, leased or running, if any.</summary>
    Task<long?> ActiveJobAsync(string cityId, CancellationToken cancellationToken = default);

    /// <summary>Deletes finished jobs older than <paramref name="age"/>.</summary>
    Task<int> PurgeAsync(TimeSpan age, CancellationToken cancellationToken = default);

    /// <summary>Waits until a job was queued through this instance or <paramref name="timeout"/> passed.</summary>
    Task WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>Deterministic spread of a city's automatic retrainings over a period (the same city always gets the same offset).</summary>
public static class RetrainJitter
{
    /// <summary>An offset in [0, <paramref name="spread"/>) from the city id (FNV-1a, stable across processes).</summary>
    public static TimeSpan Offset(string cityId, TimeSpan spread)
    {
        if (spread <= TimeSpan.Zero) return TimeSpan.Zero;
        var hash = 14695981039346656037UL;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(cityId))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        return TimeSpan.FromTicks((long)(hash % (ulong)spread.Ticks));
    }
}

/// <summary>The embedded mode's queue: the same rules as the PostgreSQL queue, in process memory (lost on restart, as everything embedded).</summary>
public sealed class InMemoryTrainingQueue(TimeProvider clock) : ITrainingQueue
{
    private sealed class Row(long id, TrainingRequest request, DateTime created)
    {
        public long Id { get; } = id;
        public TrainingRequest Request { get; } = request;
        public DateTime CreatedAt { get; } = created;
        public DateTime NotBefore { get; } = created + request.Delay;
        public string State { get; set; } = TrainingJobStates.Queued;
        public int Attempts { get; set; }
        public string? Worker { get; set; }
        public DateTime? LeasedAt { get; set; }
        public DateTime? LeaseExpiresAt { get; set; }
        public DateTime? StartedAt { get; set; }
        public DateTime? FinishedAt { get; set; }
        public string? Error { get; set; }
        public bool Active => State is TrainingJobStates.Queued or TrainingJobStates.Leased or TrainingJobStates.Running;
    }

    private readonly Lock _lock = new();
    private readonly Dictionary<long, Row> _rows = [];
    // Indexes, so no call scans every job kept (at thousands of places a wave adds a job per place and the jobs are
    // kept for days; every call is made under the lock from a grain's turn):
    // the city's active job; when the city's last automatic job was created (its cooldown); queued jobs by start
    // time; jobs leased or running (at most a few per worker), whose leases may expire.
    private readonly Dictionary<string, Row> _activeByCity = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTime> _lastAutomaticByCity = new(StringComparer.Ordinal);
    private readonly PriorityQueue<Row, (DateTime NotBefore, long Id)> _queued = new();
    private readonly HashSet<Row> _leased = [];
    private readonly SemaphoreSlim _signal = new(0);
    private long _next;

    public InMemoryTrainingQueue() : this(TimeProvider.System)
    {
    }

    public string Kind => "memory";

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public Task<EnqueueResult> EnqueueAsync(TrainingRequest request, CancellationToken cancellationToken = default)
    {
        EnqueueResult result;
        lock (_lock)
        {
            var city = request.Job.CityId;
            var now = Now;
            if (_activeByCity.TryGetValue(city, out var active))
                return Task.FromResult(new EnqueueResult(EnqueueStatus.AlreadyQueued, active.Id));
            if (request.Cooldown is { } cooldown && _lastAutomaticByCity.TryGetValue(city, out var last) && now - last < cooldown)
                return Task.FromResult(new EnqueueResult(EnqueueStatus.CoolingDown, null, last + cooldown));
            var row = new Row(++_next, request, now);
            _rows[row.Id] = row;
            _activeByCity[city] = row;
            if (request.Automatic) _lastAutomaticByCity[city] = now;
            _queued.Enqueue(row, (row.NotBefore, row.Id));
            result = new EnqueueResult(EnqueueStatus.Queued, row.Id);
        }
        Signal();
        return Task.FromResult(result);
    }

    public Task<TrainingLease?> TryLeaseAsync(string worker, TimeSpan lease, int maxAttempts, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var now = Now;
            Row? expired = null;
            foreach (var r in _leased.Where(r => r.LeaseExpiresAt < now).ToList())
            {
                if (r.Attempts >= maxAttempts)
                {
                    r.State = TrainingJobStates.Failed;
                    r.FinishedAt = now;
                    r.Error = $"lease expired {r.Attempts} time(s) (worker {r.Worker} stopped heartbeating)";
                    Retire(r);
                }
                else if (expired is null || (r.NotBefore, r.Id).CompareTo((expired.NotBefore, expired.Id)) < 0)
                {
                    expired = r;
                }
            }
            // The earliest due job: the head of the queue or a job whose lease expired, by start time, then id.
            var due = expired;
            if (_queued.TryPeek(out var head, out var key) && key.NotBefore <= now
                && (due is null || key.CompareTo((due.NotBefore, due.Id)) < 0))
            {
                _queued.Dequeue();
                due = head;
            }
            if (due is null) return Task.FromResult<TrainingLease?>(null);
            _leased.Add(due);
            due.State = TrainingJobStates.Leased;
            due.Attempts++;
            due.Worker = worker;
            due.LeasedAt = now;
            due.LeaseExpiresAt = now + lease;
            due.StartedAt = null;
            return Task.FromResult<TrainingLease?>(new TrainingLease(due.Id, due.Attempts, due.Request.Job));
        }
    }

    public Task<bool> StartAsync(TrainingLease lease, TimeSpan duration, CancellationToken cancellationToken = default) =>
        Task.FromResult(Held(lease, r =>
        {
            r.State = TrainingJobStates.Running;
            r.StartedAt = Now;
            r.LeaseExpiresAt = Now + duration;
        }));

    public Task<bool> HeartbeatAsync(TrainingLease lease, TimeSpan duration, CancellationToken cancellationToken = default) =>
        Task.FromResult(Held(lease, r => r.LeaseExpiresAt = Now + duration));

    public Task<bool> FinishAsync(TrainingLease lease, string? error, CancellationToken cancellationToken = default) =>
        Task.FromResult(Held(lease, r =>
        {
            r.State = error is null ? TrainingJobStates.Done : TrainingJobStates.Failed;
            r.Error = error;
            r.FinishedAt = Now;
            r.LeaseExpiresAt = null;
            Retire(r);
        }));

    public Task ReleaseAsync(TrainingLease lease, CancellationToken cancellationToken = default)
    {
        if (Held(lease, r =>
            {
                r.State = TrainingJobStates.Queued;
                r.LeaseExpiresAt = null;
                r.StartedAt = null;
                _leased.Remove(r);
                _queued.Enqueue(r, (r.NotBefore, r.Id));
            }))
            Signal();
        return Task.CompletedTask;
    }

    public Task<TrainingJobView?> GetAsync(long jobId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
            return Task.FromResult(_rows.TryGetValue(jobId, out var r) ? View(r) : null);
    }

    public Task<long?> ActiveJobAsync(string cityId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
            return Task.FromResult(_activeByCity.TryGetValue(cityId, out var r) ? (long?)r.Id : null);
    }

    public Task<int> PurgeAsync(TimeSpan age, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var cutoff = Now - age;
            var old = _rows.Values.Where(r => !r.Active && r.FinishedAt < cutoff).Select(r => r.Id).ToList();
            foreach (var id in old) _rows.Remove(id);
            // A cooldown older than the jobs kept has passed (the jobs kept are at least the cooldown).
            foreach (var city in _lastAutomaticByCity.Where(kv => kv.Value < cutoff).Select(kv => kv.Key).ToList())
                _lastAutomaticByCity.Remove(city);
            return Task.FromResult(old.Count);
        }
    }

    public Task WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    // One pending wake-up is enough: the worker leases until nothing is due.
    private void Signal()
    {
        if (_signal.CurrentCount == 0) _signal.Release();
    }

    /// <summary>A job that finished or failed: no longer its city's active job nor leased.</summary>
    private void Retire(Row r)
    {
        _leased.Remove(r);
        if (_activeByCity.TryGetValue(r.Request.Job.CityId, out var active) && active == r) _activeByCity.Remove(r.Request.Job.CityId);
    }

    private bool Held(TrainingLease lease, Action<Row> change)
    {
        lock (_lock)
        {
            if (!_rows.TryGetValue(lease.JobId, out var r) || r.Attempts != lease.Attempt
                || r.State is not (TrainingJobStates.Leased or TrainingJobStates.Running)) return false;
            change(r);
            return true;
        }
    }

    private static TrainingJobView View(Row r) => new(r.Id, r.Request.Job.CityId, r.Request.Job.Reason, r.State, r.Attempts, r.Worker,
        r.CreatedAt, r.NotBefore, r.LeasedAt, r.LeaseExpiresAt, r.StartedAt, r.FinishedAt, r.Error);
}
