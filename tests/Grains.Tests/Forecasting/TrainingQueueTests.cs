using System.Collections.Concurrent;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Forecasting;
using AirQuality.Grains.Storage;
using AirQuality.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AirQuality.Grains.Tests.Forecasting;

/// <summary>The schema applied to a fresh database of the test PostgreSQL server; each test makes its own queue instances ("silos") on it.</summary>
public sealed class TrainingQueueDatabase() : TestDatabase("aq_queue", cs => new SchemaMigrator(cs, NullLogger.Instance).MigrateAsync(createDatabase: false))
{
    private readonly List<NpgsqlDataSource> _sources = [];

    /// <summary>A queue with its own connection pool, as another silo has.</summary>
    public ITrainingQueue NewQueue()
    {
        var source = NpgsqlDataSource.Create(ConnectionString);
        lock (_sources) _sources.Add(source);
        return new PostgresTrainingQueue(source);
    }

    public override async Task DisposeAsync()
    {
        foreach (var s in _sources) await s.DisposeAsync();
        await base.DisposeAsync();
    }
}

public sealed class TrainingQueueTests(TrainingQueueDatabase database) : IClassFixture<TrainingQueueDatabase>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static int _cities;

    // Each test uses cities of its own, so tests sharing the database never see each other's jobs as active.
    private static string NewCity() => $"city{Interlocked.Increment(ref _cities)}-{Guid.NewGuid():N}"[..24];

    /// <summary>Two silos: a queue each over the same database (PostgreSQL), or the one memory queue of the embedded mode.</summary>
    private async Task<(ITrainingQueue A, ITrainingQueue B, ITrainingQueue Producer)> Queues(string kind)
    {
        if (kind == "postgresql")
        {
            // Tests of the class run one after another; each starts from an empty queue.
            await database.ExecuteAsync("DELETE FROM forecast_training_jobs");
            return (database.NewQueue(), database.NewQueue(), database.NewQueue());
        }
        var memory = new InMemoryTrainingQueue();
        return (memory, memory, memory);
    }

    private static TrainingRequest Request(string city, string reason = "test", bool automatic = false, TimeSpan delay = default, TimeSpan? cooldown = null) =>
        new(new TrainingJob(city, reason, 1, new Dictionary<string, int> { ["pm25"] = 3 }), automatic, delay, cooldown);

    private static IOptions<ForecastOptions> Options(int concurrency, double leaseSeconds = 30, double heartbeatSeconds = 5) => Microsoft.Extensions.Options.Options.Create(new ForecastOptions
    {
        TrainingConcurrency = concurrency,
        TrainingLease = TimeSpan.FromSeconds(leaseSeconds),
        TrainingHeartbeat = TimeSpan.FromSeconds(heartbeatSeconds),
        TrainingPollInterval = TimeSpan.FromMilliseconds(100),
        TrainingAttempts = 3,
    });

    private static TrainingWorker Worker(string name, ITrainingQueue queue, ITrainingRunner runner, ITrainingResults results, IOptions<ForecastOptions> options) =>
        new(queue, runner, results, new TrainingWorkerIdentity(name), options, NullLogger<TrainingWorker>.Instance);

    [Theory]
    [InlineData("postgresql")]
    [InlineData("memory")]
    public async Task A_city_has_one_active_job_and_a_job_is_leased_to_one_worker(string kind)
    {
        var (a, b, producer) = await Queues(kind);
        var city = NewCity();
        var first = await producer.EnqueueAsync(Request(city));
        var second = await a.EnqueueAsync(Request(city, "again"));
        Assert.Equal(EnqueueStatus.Queued, first.Status);
        Assert.Equal(EnqueueStatus.AlreadyQueued, second.Status);
        Assert.Equal(first.JobId, second.JobId);

        // Both silos ask at once, many times: exactly one lease of the job.
        var leases = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => (i % 2 == 0 ? a : b).TryLeaseAsync($"w{i}", TimeSpan.FromMinutes(1), 3))));
        var mine = leases.Where(l => l?.Job.CityId == city).ToList();
        var lease = Assert.Single(mine);
        Assert.Equal(first.JobId, lease!.JobId);
        Assert.Equal(1, lease.Attempt);
        Assert.Equal(3, lease.Job.Incumbents["pm25"]);

        var view = await b.GetAsync(lease.JobId);
        Assert.Equal(TrainingJobStates.Leased, view!.State);
        Assert.Equal(EnqueueStatus.AlreadyQueued, (await b.EnqueueAsync(Request(city))).Status);
        Assert.True(await a.StartAsync(lease, TimeSpan.FromMinutes(1)));
        Assert.Equal(TrainingJobStates.Running, (await b.GetAsync(lease.JobId))!.State);
        Assert.True(await a.FinishAsync(lease, null));
        view = await b.GetAsync(lease.JobId);
        Assert.Equal(TrainingJobStates.Done, view!.State);
        Assert.NotNull(view.FinishedAt);
        Assert.False(await a.HeartbeatAsync(lease, TimeSpan.FromMinutes(1)));
        Assert.Null(await b.ActiveJobAsync(city));

        var next = await b.EnqueueAsync(Request(city, "after"));
        Assert.Equal(EnqueueStatus.Queued, next.Status);
        Assert.NotEqual(first.JobId, next.JobId);
        Assert.Equal(next.JobId, await a.ActiveJobAsync(city));
    }

    [Theory]
    [InlineData("postgresql")]
    [InlineData("memory")]
    public async Task Among_many_finished_jobs_jobs_are_leased_oldest_first_and_each_city_keeps_its_state(string kind)
    {
        var (a, b, producer) = await Queues(kind);
        // Finished jobs of many cities, kept as the service keeps them for days.
        var finished = Enumerable.Range(0, 300).Select(_ => NewCity()).ToList();
        foreach (var c in finished) await producer.EnqueueAsync(Request(c, "cold start", automatic: true));
        for (var l = await a.TryLeaseAsync("w", TimeSpan.FromMinutes(1), 3); l is not null; l = await a.TryLeaseAsync("w", TimeSpan.FromMinutes(1), 3))
            Assert.True(await a.FinishAsync(l, null));
        foreach (var c in finished.Take(20))
        {
            Assert.Null(await b.ActiveJobAsync(c));
            Assert.Equal(EnqueueStatus.CoolingDown, (await producer.EnqueueAsync(Request(c, "new samples", automatic: true, cooldown: TimeSpan.FromHours(6)))).Status);
        }

        // Then a wave whose start times are not in the order of its ids (a job is due from its start time: enqueue
        // time plus delay, here up to 3 minutes in the past); it is leased by start time, then id, whoever asks.
        var wave = Enumerable.Range(0, 40).Select(_ => NewCity()).ToList();
        var ids = new List<long>();
        for (var i = 0; i < wave.Count; i++)
            ids.Add((await producer.EnqueueAsync(Request(wave[i], "daily", delay: -TimeSpan.FromMinutes(i % 4)))).JobId!.Value);
        Assert.Equal(EnqueueStatus.AlreadyQueued, (await producer.EnqueueAsync(Request(wave[7], "daily"))).Status);
        Assert.Equal(ids[7], await a.ActiveJobAsync(wave[7]));
        var expected = Enumerable.Range(0, wave.Count).OrderByDescending(i => i % 4).ThenBy(i => i).Select(i => ids[i]).ToList();
        var leased = new List<long>();
        for (var i = 0; i < wave.Count; i++)
        {
            var queue = i % 2 == 0 ? a : b;
            var l = await queue.TryLeaseAsync($"w{i % 2}", TimeSpan.FromMinutes(1), 3);
            Assert.NotNull(l);
            leased.Add(l.JobId);
            // Every fifth is given back once and must come first again.
            if (i % 5 == 0)
            {
                await queue.ReleaseAsync(l);
                var again = await queue.TryLeaseAsync($"w{i % 2}", TimeSpan.FromMinutes(1), 3);
                Assert.Equal(l.JobId, again?.JobId);
                l = again!;
            }
            Assert.True(await queue.FinishAsync(l, null));
        }
        Assert.Equal(expected, leased);
        Assert.Null(await a.TryLeaseAsync("w", TimeSpan.FromMinutes(1), 3));
        foreach (var c in wave) Assert.Null(await a.ActiveJobAsync(c));
    }

    [Theory]
    [InlineData("postgresql")]
    [InlineData("memory")]
    public async Task A_delayed_job_waits_and_an_automatic_job_starts_the_cooldown(string kind)
    {
        var (a, _, producer) = await Queues(kind);
        var city = NewCity();
        var delayed = await producer.EnqueueAsync(Request(city, "daily", automatic: true, delay: TimeSpan.FromHours(1)));
        Assert.Equal(EnqueueStatus.Queued, delayed.Status);
        Assert.Equal(TrainingJobStates.Queued, (await a.GetAsync(delayed.JobId!.Value))!.State);
        // Nothing of this city is due (other tests' jobs may be).
        for (var lease = await a.TryLeaseAsync("w", TimeSpan.FromMinutes(1), 3); lease is not null; lease = await a.TryLeaseAsync("w", TimeSpan.FromMinutes(1), 3))
            Assert.NotEqual(city, lease.Job.CityId);

        var other = NewCity();
        var done = await producer.EnqueueAsync(Request(other, "cold start", automatic: true));
        var l = await LeaseOfAsync(a, other);
        Assert.True(await a.FinishAsync(l, "no history"));
        Assert.Equal(TrainingJobStates.Failed, (await a.GetAsync(done.JobId!.Value))!.State);
        Assert.Equal("no history", (await a.GetAsync(done.JobId!.Value))!.Error);

        var cooling = await producer.EnqueueAsync(Request(other, "new samples", automatic: true, cooldown: TimeSpan.FromHours(6)));
        Assert.Equal(EnqueueStatus.CoolingDown, cooling.Status);
        Assert.True(cooling.CooldownUntil > DateTime.UtcNow.AddHours(5));
        if (kind == "postgresql")
        {
            // The cooldown is in the database: a silo started afterwards sees it.
            var restarted = database.NewQueue();
            Assert.Equal(EnqueueStatus.CoolingDown, (await restarted.EnqueueAsync(Request(other, "new samples", automatic: true, cooldown: TimeSpan.FromHours(6)))).Status);
        }
        // An operator's request ignores it.
        Assert.Equal(EnqueueStatus.Queued, (await producer.EnqueueAsync(Request(other, "manual"))).Status);
    }

    [Theory]
    [InlineData("postgresql")]
    [InlineData("memory")]
    public async Task Two_workers_never_run_one_city_at_once_and_every_job_runs_once(string kind)
    {
        var (qa, qb, producer) = await Queues(kind);
        var cities = Enumerable.Range(0, 6).Select(_ => NewCity()).ToList();
        var runner = new RecordingRunner(TimeSpan.FromMilliseconds(40));
        var results = new RecordingResults();
        var a = Worker("silo-a", qa, runner, results, Options(2));
        var b = Worker("silo-b", qb, runner, results, Options(2));
        await a.StartAsync(CancellationToken.None);
        await b.StartAsync(CancellationToken.None);
        try
        {
            var queued = new ConcurrentBag<long>();
            // Three rounds per city, and while they run every city is asked for again and again: refused while active.
            for (var round = 0; round < 3; round++)
            {
                // Held until every duplicate was refused: a run that finished first would make the city free again.
                runner.Hold();
                foreach (var c in cities)
                {
                    var r = await producer.EnqueueAsync(Request(c, $"round {round}"));
                    Assert.Equal(EnqueueStatus.Queued, r.Status);
                    queued.Add(r.JobId!.Value);
                    Assert.Equal(EnqueueStatus.AlreadyQueued, (await (round % 2 == 0 ? qa : qb).EnqueueAsync(Request(c, "duplicate"))).Status);
                }
                runner.Release();
                await Eventually.UntilAsync(async () =>
                {
                    foreach (var c in cities)
                        if (await producer.ActiveJobAsync(c) is { } active) return $"{c} still has job {active}";
                    return null;
                }, Patience, $"round {round} of training");
            }

            // A job is done in the queue just before its report is handed over.
            await Eventually.UntilAsync(() => Task.FromResult(results.Jobs.Count >= 18), Patience, "every report handed over");
            Assert.Equal(1, runner.MaxOverlap);
            Assert.Equal(queued.Order(), results.Jobs.Order());
            Assert.Equal(18, results.Jobs.Distinct().Count());
            foreach (var id in queued)
            {
                var view = await producer.GetAsync(id);
                Assert.Equal(TrainingJobStates.Done, view!.State);
                Assert.Equal(1, view.Attempts);
            }
            Assert.True(a.Completed > 0 && b.Completed > 0, $"both silos train: a {a.Completed}, b {b.Completed}");
            Assert.Equal(18, a.Completed + b.Completed);
        }
        finally
        {
            await a.StopAsync(CancellationToken.None);
            await b.StopAsync(CancellationToken.None);
        }
    }

    [Theory]
    [InlineData("postgresql")]
    [InlineData("memory")]
    public async Task A_lease_that_stops_heartbeating_is_taken_over_and_the_job_completes_once(string kind)
    {
        var (qa, qb, producer) = await Queues(kind);
        var city = NewCity();
        var killable = new KillableQueue(qa);
        var stuck = new BlockingRunner();
        var results = new RecordingResults();
        var options = Options(1, leaseSeconds: 2, heartbeatSeconds: 0.5);
        var a = Worker("silo-a", killable, stuck, results, options);
        await a.StartAsync(CancellationToken.None);
        var job = (await producer.EnqueueAsync(Request(city))).JobId!.Value;
        await stuck.Started.WaitAsync(Patience);
        Assert.Equal(TrainingJobStates.Running, (await producer.GetAsync(job))!.State);
        Assert.Equal("silo-a", (await producer.GetAsync(job))!.Worker);

        // Silo A dies mid-job: its heartbeats stop (every call to its database fails).
        killable.Kill();
        var b = Worker("silo-b", qb, new RecordingRunner(TimeSpan.Zero), results, options);
        await b.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.UntilAsync(async () => (await producer.GetAsync(job))?.State == TrainingJobStates.Done, Patience, "the job done by silo B");
            var view = await producer.GetAsync(job);
            Assert.Equal("silo-b", view!.Worker);
            Assert.Equal(2, view.Attempts);
            await Eventually.UntilAsync(() => Task.FromResult(results.Jobs.Count >= 1), Patience, "silo B's report handed over");

            // A finishes late: its result is not delivered, the job stays done once.
            stuck.Release();
            await Eventually.UntilAsync(() => Task.FromResult(a.Running == 0), Patience, "silo A's run to end");
            Assert.Equal([job], results.Jobs);
            Assert.Equal(0, a.Completed);
            Assert.Equal(TrainingJobStates.Done, (await producer.GetAsync(job))!.State);
            Assert.Equal(2, (await producer.GetAsync(job))!.Attempts);
        }
        finally
        {
            stuck.Release();
            await a.StopAsync(CancellationToken.None);
            await b.StopAsync(CancellationToken.None);
        }
    }

    [Theory]
    [InlineData("postgresql")]
    [InlineData("memory")]
    public async Task A_silo_that_stops_gives_its_running_job_back_and_another_completes_it(string kind)
    {
        var (qa, qb, producer) = await Queues(kind);
        var city = NewCity();
        var stuck = new BlockingRunner();
        var results = new RecordingResults();
        // A lease far longer than the test: the job can only move on because A gives it back.
        var options = Options(1, leaseSeconds: 600, heartbeatSeconds: 60);
        var a = Worker("silo-a", qa, stuck, results, options);
        await a.StartAsync(CancellationToken.None);
        var job = (await producer.EnqueueAsync(Request(city))).JobId!.Value;
        await stuck.Started.WaitAsync(Patience);
        await a.StopAsync(CancellationToken.None);
        Assert.True(stuck.Cancelled);
        Assert.Equal(TrainingJobStates.Queued, (await producer.GetAsync(job))!.State);

        var b = Worker("silo-b", qb, new RecordingRunner(TimeSpan.Zero), results, options);
        await b.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.UntilAsync(async () => (await producer.GetAsync(job))?.State == TrainingJobStates.Done, Patience, "the job done by silo B");
            await Eventually.UntilAsync(() => Task.FromResult(results.Jobs.Count >= 1), Patience, "silo B's report handed over");
            Assert.Equal([job], results.Jobs);
            Assert.Equal("silo-b", (await producer.GetAsync(job))!.Worker);
        }
        finally
        {
            await b.StopAsync(CancellationToken.None);
        }
    }

    [Theory]
    [InlineData("postgresql")]
    [InlineData("memory")]
    public async Task A_job_whose_workers_keep_dying_fails_after_its_attempts(string kind)
    {
        var (qa, _, producer) = await Queues(kind);
        var city = NewCity();
        var job = (await producer.EnqueueAsync(Request(city))).JobId!.Value;
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            var lease = await LeaseOfAsync(qa, city, TimeSpan.FromMilliseconds(200), maxAttempts: 2);
            Assert.Equal(attempt, lease.Attempt);
            await Eventually.UntilAsync(async () => (await producer.GetAsync(job))!.LeaseExpiresAt < DateTime.UtcNow.AddSeconds(-0.5), Patience, "the lease to expire");
        }
        // Leasing again finds the job at its last attempt: failed, not leased a third time.
        for (var lease = await qa.TryLeaseAsync("w", TimeSpan.FromMinutes(1), 2); lease is not null; lease = await qa.TryLeaseAsync("w", TimeSpan.FromMinutes(1), 2))
            Assert.NotEqual(city, lease.Job.CityId);
        var view = await producer.GetAsync(job);
        Assert.Equal(TrainingJobStates.Failed, view!.State);
        Assert.Contains("lease expired 2 time(s)", view.Error, StringComparison.Ordinal);
        Assert.Null(await producer.ActiveJobAsync(city));
    }

    [Fact]
    public void Retrain_jitter_is_stable_per_city_and_spreads_the_catalog_over_the_period()
    {
        var spread = TimeSpan.FromHours(1);
        var offsets = Domain.Cities.CityCatalog.Default.All.Select(c => RetrainJitter.Offset(c.Id, spread)).ToList();
        Assert.All(offsets, o => Assert.InRange(o, TimeSpan.Zero, spread - TimeSpan.FromTicks(1)));
        Assert.Equal(offsets, Domain.Cities.CityCatalog.Default.All.Select(c => RetrainJitter.Offset(c.Id, spread)).ToList());
        // 56 cities over 60 minutes: no quarter of the hour holds more than half of them.
        Assert.All(offsets.GroupBy(o => (int)(o.TotalMinutes / 15)), g => Assert.True(g.Count() <= 28, $"quarter {g.Key}: {g.Count()} cities"));
        Assert.Equal(TimeSpan.Zero, RetrainJitter.Offset("delhi", TimeSpan.Zero));
    }

    [Fact]
    public async Task Training_threads_run_at_lower_priority_and_serving_threads_do_not()
    {
        if (!OperatingSystem.IsLinux()) return;
        var normal = await TrainingThread.RunAsync(TrainingThread.CurrentNice, lowPriority: false, CancellationToken.None);
        var low = await TrainingThread.RunAsync(TrainingThread.CurrentNice, lowPriority: true, CancellationToken.None);
        Assert.NotNull(normal);
        Assert.True(low >= TrainingThread.LinuxNice, $"training thread nice {low}");
        Assert.True(normal < low, $"normal {normal}, low {low}");
        // The thread pool is untouched: the lowered thread was the training's own.
        Assert.Equal(normal, await Task.Run(TrainingThread.CurrentNice));
    }

    private static async Task<TrainingLease> LeaseOfAsync(ITrainingQueue queue, string city, TimeSpan? lease = null, int maxAttempts = 3)
    {
        TrainingLease? mine = null;
        await Eventually.UntilAsync(async () =>
        {
            for (var l = await queue.TryLeaseAsync("w", lease ?? TimeSpan.FromMinutes(1), maxAttempts); l is not null; l = await queue.TryLeaseAsync("w", lease ?? TimeSpan.FromMinutes(1), maxAttempts))
                if (l.Job.CityId == city) mine = l;
            return mine is not null;
        }, Patience, $"a lease of {city}");
        return mine!;
    }

    /// <summary>Counts how many runs of one city overlap; each run takes a little time.</summary>
    private sealed class RecordingRunner(TimeSpan work) : ITrainingRunner
    {
        private readonly ConcurrentDictionary<string, int> _running = new();
        private int _maxOverlap;
        private volatile TaskCompletionSource _gate = Open();

        public int MaxOverlap => Volatile.Read(ref _maxOverlap);

        /// <summary>Runs started from now on wait (after their work) until <see cref="Release"/>.</summary>
        public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _gate.TrySetResult();

        private static TaskCompletionSource Open()
        {
            var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            open.SetResult();
            return open;
        }

        public async Task<TrainingReport> RunAsync(TrainingJob job, CancellationToken cancellationToken)
        {
            var now = _running.AddOrUpdate(job.CityId, 1, (_, n) => n + 1);
            int seen;
            while (now > (seen = Volatile.Read(ref _maxOverlap)) && Interlocked.CompareExchange(ref _maxOverlap, now, seen) != seen)
            {
            }
            try
            {
                // Stands for the training's work: a run that takes time, so overlapping runs would be seen.
                var gate = _gate.Task;
                if (work > TimeSpan.Zero) await Task.Delay(work, cancellationToken);
                await gate.WaitAsync(cancellationToken);
                return new TrainingReport(job.CityId, job.Reason, DateTime.UtcNow, DateTime.UtcNow, 0, [], null);
            }
            finally
            {
                _running.AddOrUpdate(job.CityId, 0, (_, n) => n - 1);
            }
        }
    }

    /// <summary>A run that holds until released (or cancelled).</summary>
    private sealed class BlockingRunner : ITrainingRunner
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Started => _started.Task;

        public bool Cancelled { get; private set; }

        public void Release() => _release.TrySetResult();

        public async Task<TrainingReport> RunAsync(TrainingJob job, CancellationToken cancellationToken)
        {
            _started.TrySetResult();
            try
            {
                await _release.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled = true;
                throw;
            }
            return new TrainingReport(job.CityId, job.Reason, DateTime.UtcNow, DateTime.UtcNow, 0, [], null);
        }
    }

    private sealed class RecordingResults : ITrainingResults
    {
        private readonly ConcurrentQueue<long> _jobs = new();

        public IReadOnlyList<long> Jobs => _jobs.ToList();

        public Task DeliverAsync(long jobId, TrainingReport report, CancellationToken cancellationToken)
        {
            _jobs.Enqueue(jobId);
            return Task.CompletedTask;
        }
    }

    /// <summary>A silo's view of the queue that can die: once killed, every call fails as a dead process's would.</summary>
    private sealed class KillableQueue(ITrainingQueue inner) : ITrainingQueue
    {
        private volatile bool _dead;

        public void Kill() => _dead = true;

        public string Kind => inner.Kind;

        private T Alive<T>(Func<T> call) => _dead ? throw new IOException("silo killed") : call();

        public Task<EnqueueResult> EnqueueAsync(TrainingRequest request, CancellationToken cancellationToken = default) => Alive(() => inner.EnqueueAsync(request, cancellationToken));
        public Task<TrainingLease?> TryLeaseAsync(string worker, TimeSpan lease, int maxAttempts, CancellationToken cancellationToken = default) => Alive(() => inner.TryLeaseAsync(worker, lease, maxAttempts, cancellationToken));
        public Task<bool> StartAsync(TrainingLease lease, TimeSpan duration, CancellationToken cancellationToken = default) => Alive(() => inner.StartAsync(lease, duration, cancellationToken));
        public Task<bool> HeartbeatAsync(TrainingLease lease, TimeSpan duration, CancellationToken cancellationToken = default) => Alive(() => inner.HeartbeatAsync(lease, duration, cancellationToken));
        public Task<bool> FinishAsync(TrainingLease lease, string? error, CancellationToken cancellationToken = default) => Alive(() => inner.FinishAsync(lease, error, cancellationToken));
        public Task ReleaseAsync(TrainingLease lease, CancellationToken cancellationToken = default) => Alive(() => inner.ReleaseAsync(lease, cancellationToken));
        public Task<TrainingJobView?> GetAsync(long jobId, CancellationToken cancellationToken = default) => Alive(() => inner.GetAsync(jobId, cancellationToken));
        public Task<long?> ActiveJobAsync(string cityId, CancellationToken cancellationToken = default) => Alive(() => inner.ActiveJobAsync(cityId, cancellationToken));
        public Task<int> PurgeAsync(TimeSpan age, CancellationToken cancellationToken = default) => Alive(() => inner.PurgeAsync(age, cancellationToken));
        public Task WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken) => _dead ? Task.Delay(timeout, cancellationToken) : inner.WaitForWorkAsync(timeout, cancellationToken);
    }
}
