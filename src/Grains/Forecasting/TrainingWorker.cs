using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using AirQuality.Grains.Abstractions;
using AirQuality.Forecasting.Evaluation;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;
using AirQuality.Forecasting.Training;
using AirQuality.Grains.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AirQuality.Grains.Forecasting;

/// <summary>A training asked for by a city.</summary>
/// <param name="FirstVersion">First of the version numbers the city reserved for this run's models.</param>
/// <param name="Incumbents">The serving version per target, to be scored against the challengers.</param>
public sealed record TrainingJob(string CityId, string Reason, int FirstVersion, IReadOnlyDictionary<string, int> Incumbents);

/// <summary>Runs one training job (the real one: <see cref="ForecastTrainingRunner"/>).</summary>
public interface ITrainingRunner
{
    Task<TrainingReport> RunAsync(TrainingJob job, CancellationToken cancellationToken);
}

/// <summary>Where a finished job's report goes (the real one: the city's forecast grain).</summary>
public interface ITrainingResults
{
    Task DeliverAsync(long jobId, TrainingReport report, CancellationToken cancellationToken);
}

/// <summary>The name a worker leases jobs under (the silo's name and address).</summary>
public sealed record TrainingWorkerIdentity(string Name);

/// <summary>
/// The silo's training worker: a <see cref="BackgroundService"/> that leases jobs from the cluster's
/// <see cref="ITrainingQueue"/> only while it has a free slot (<see cref="ForecastOptions.TrainingConcurrency"/>,
/// default one core fewer than the machine has) and runs them through a bounded <see cref="Channel{T}"/> with
/// <see cref="Parallel.ForEachAsync{TSource}(IAsyncEnumerable{TSource}, ParallelOptions, Func{TSource, CancellationToken, ValueTask})"/>.
/// A running job's lease is renewed by heartbeats; a job whose lease is lost (taken over after this silo stalled) is
/// cancelled and its result dropped, so a job completes once. When the silo stops, running jobs are cancelled and given
/// back to the queue at once for another silo.
/// </summary>
public sealed class TrainingWorker(
    ITrainingQueue queue,
    ITrainingRunner runner,
    ITrainingResults results,
    TrainingWorkerIdentity identity,
    IOptions<ForecastOptions> options,
    ILogger<TrainingWorker> logger) : BackgroundService
{
    private int _running;
    private int _completed;

    /// <summary>Jobs this worker is running.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Jobs this worker finished and delivered since it started.</summary>
    public int Completed => Volatile.Read(ref _completed);

    public string Name => identity.Name;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var n = Math.Max(1, o.TrainingConcurrency);
        logger.LogInformation("Training worker {Worker} started: {Slots} slot(s) on {Cores} core(s), {Priority} priority, queue in {Kind}",
            identity.Name, n, Environment.ProcessorCount, o.TrainingLowPriority ? "low" : "normal", queue.Kind);
        var channel = Channel.CreateBounded<TrainingLease>(new BoundedChannelOptions(n) { SingleWriter = true });
        using var slots = new SemaphoreSlim(n, n);
        var consumers = Parallel.ForEachAsync(channel.Reader.ReadAllAsync(CancellationToken.None), new ParallelOptions { MaxDegreeOfParallelism = n },
            async (lease, _) =>
            {
                try
                {
                    await RunLeaseAsync(lease, stoppingToken);
                }
                finally
                {
                    slots.Release();
                }
            });
        var nextPurge = DateTime.MinValue;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await slots.WaitAsync(stoppingToken);
                // A slot freed by a run that the stop cancelled must not lease the job that run just gave back.
                stoppingToken.ThrowIfCancellationRequested();
                TrainingLease? lease = null;
                try
                {
                    if (DateTime.UtcNow >= nextPurge)
                    {
                        nextPurge = DateTime.UtcNow.AddHours(1);
                        await queue.PurgeAsync(o.TrainingJobsKept, stoppingToken);
                    }
                    lease = await queue.TryLeaseAsync(identity.Name, o.TrainingLease, o.TrainingAttempts, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning("Training queue ({Kind}) not reachable: {Error}", queue.Kind, ex.Message);
                }
                if (lease is null)
                {
                    slots.Release();
                    await queue.WaitForWorkAsync(o.TrainingPollInterval, stoppingToken);
                    continue;
                }
                // Never full: every lease in the channel holds one of its n slots.
                if (!channel.Writer.TryWrite(lease)) await GiveBackAsync(lease);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The silo is stopping.
        }
        finally
        {
            channel.Writer.TryComplete();
            await consumers;
        }
    }

    private async Task RunLeaseAsync(TrainingLease lease, CancellationToken stoppingToken)
    {
        var o = options.Value;
        var job = lease.Job;
        using var training = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        using var beating = new CancellationTokenSource();
        var lost = false;
        if (stoppingToken.IsCancellationRequested)
        {
            await GiveBackAsync(lease);
            return;
        }
        try
        {
            if (!await queue.StartAsync(lease, o.TrainingLease, CancellationToken.None))
            {
                logger.LogWarning("Training job {Job} of {City}: lease lost before it started", lease.JobId, job.CityId);
                return;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not started: the lease expires and the job is leased again.
            logger.LogWarning("Training job {Job} of {City} could not start: {Error}", lease.JobId, job.CityId, ex.Message);
            return;
        }
        Interlocked.Increment(ref _running);
        var heartbeat = HeartbeatAsync();
        try
        {
            logger.LogInformation("Training job {Job} of {City} ({Reason}) started by {Worker}, attempt {Attempt}", lease.JobId, job.CityId, job.Reason, identity.Name, lease.Attempt);
            TrainingReport report;
            try
            {
                report = await runner.RunAsync(job, training.Token);
            }
            catch (OperationCanceledException) when (training.IsCancellationRequested)
            {
                await beating.CancelAsync();
                await heartbeat;
                // The silo is stopping: the job goes back to the queue now, not when its lease runs out.
                if (!lost) await GiveBackAsync(lease);
                return;
            }
            await beating.CancelAsync();
            await heartbeat;
            if (lost || !await queue.FinishAsync(lease, report.Error, CancellationToken.None))
            {
                logger.LogWarning("Training job {Job} of {City}: the lease was taken over; this run's result is dropped", lease.JobId, job.CityId);
                return;
            }
            Interlocked.Increment(ref _completed);
            try
            {
                await results.DeliverAsync(lease.JobId, report, CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                logger.LogError(ex, "Could not hand training job {Job} back to {City}", lease.JobId, job.CityId);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The job's lease expires and another attempt runs; nothing may end the worker.
            logger.LogError(ex, "Training job {Job} of {City} failed in the worker", lease.JobId, job.CityId);
        }
        finally
        {
            await beating.CancelAsync();
            Interlocked.Decrement(ref _running);
        }

        async Task HeartbeatAsync()
        {
            using var timer = new PeriodicTimer(o.TrainingHeartbeat);
            try
            {
                while (await timer.WaitForNextTickAsync(beating.Token))
                {
                    try
                    {
                        if (await queue.HeartbeatAsync(lease, o.TrainingLease, beating.Token)) continue;
                        lost = true;
                        logger.LogWarning("Training job {Job} of {City}: lease lost (expired and taken over); cancelling this run", lease.JobId, job.CityId);
                        await training.CancelAsync();
                        return;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        logger.LogWarning("Training job {Job} heartbeat failed: {Error}", lease.JobId, ex.Message);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The run ended.
            }
        }
    }

    private async Task GiveBackAsync(TrainingLease lease)
    {
        using var release = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await queue.ReleaseAsync(lease, release.Token);
            logger.LogInformation("Training job {Job} of {City} given back to the queue", lease.JobId, lease.Job.CityId);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogWarning("Training job {Job} of {City} not given back ({Error}); it is leased again when its lease expires", lease.JobId, lease.Job.CityId, ex.Message);
        }
    }
}

/// <summary>Hands a report to the city's forecast grain.</summary>
public sealed class GrainTrainingResults(IGrainFactory grains) : ITrainingResults
{
    public Task DeliverAsync(long jobId, TrainingReport report, CancellationToken cancellationToken) =>
        grains.GetGrain<ICityForecastGrain>(GrainKeys.Forecast(report.CityId)).CompleteTraining(report);
}

/// <summary>
/// Runs a job: reads the history, trains every target, stores the artifacts, and reports. The CPU-heavy part runs on
/// its own thread, off the thread pool and the grain scheduler, at lower priority when
/// <see cref="ForecastOptions.TrainingLowPriority"/> is set (nice 10 on Linux), so serving keeps the cores it needs.
/// </summary>
public sealed class ForecastTrainingRunner(
    IReadingStore readings,
    IModelArtifactStore artifacts,
    ForecastTrainer trainer,
    TimeProvider clock,
    IOptions<ForecastOptions> options,
    ILogger<ForecastTrainingRunner> logger) : ITrainingRunner
{
    public async Task<TrainingReport> RunAsync(TrainingJob job, CancellationToken ct)
    {
        var started = clock.GetUtcNow().UtcDateTime;
        var watch = Stopwatch.StartNew();
        var o = options.Value;
        try
        {
            var to = started.AddHours(1);
            var history = (await readings.GetHoursAsync(job.CityId, to.AddDays(-o.HistoryDays), to, ct)).ToSeries();
            var targets = new List<TargetTrainingReport>();
            var version = job.FirstVersion;
            foreach (var code in o.TargetCodes)
            {
                if (!ForecastTargets.TryParse(code, out var target)) continue;
                IncumbentModel? incumbent = null;
                if (job.Incumbents.TryGetValue(target.Code(), out var incumbentVersion)
                    && await artifacts.LoadAsync(job.CityId, target.Code(), incumbentVersion, ct) is { } bytes)
                {
                    try
                    {
                        var artifact = ModelArtifact.Unpack(bytes);
                        incumbent = new IncumbentModel(artifact.Load(trainer.Families), artifact.Layout, artifact.TrainedThrough);
                    }
                    catch (Exception ex) when (ex is InvalidDataException or FamilyUnavailableException or InvalidOperationException)
                    {
                        logger.LogWarning("Serving model v{Version} of {City} could not be loaded for comparison: {Error}", incumbentVersion, job.CityId, ex.Message);
                    }
                }
                var outcome = await TrainingThread.RunAsync(() => trainer.Train(history, target, incumbent,
                    f => logger.LogInformation("Training {City}/{Target}: {Family} {Result}", job.CityId, target.Code(), f.Family.Code(),
                        f.Problem is null ? $"validation MAE {f.ValidationAverage.Mae:0.00} ({f.TrainSeconds:0.0} s)" : $"not trained: {f.Problem}"),
                    ct), o.TrainingLowPriority, ct);
                var versions = new List<ModelVersionInfo>();
                foreach (var f in outcome.Families.Where(f => !f.Family.IsBaseline()))
                {
                    var info = ToInfo(job.CityId, target, f, f.Trained ? version++ : 0, started);
                    if (f.Trained)
                    {
                        var packed = ModelArtifact.Of(f.Model!, outcome.Layout, f.HalfWidths[0.8], f.HalfWidths[0.9], f.TrainedThrough).Pack();
                        await artifacts.SaveAsync(info, packed, ct);
                    }
                    versions.Add(info);
                }
                var persistence = outcome.Of(ModelFamily.Persistence).ValidationAverage;
                targets.Add(new TargetTrainingReport(target.Code(), versions, ToMetrics(persistence), outcome.Champion.Code(), outcome.ChampionReason,
                    incumbent is null ? null : incumbentVersion, outcome.Comparison?.IncumbentMae, outcome.Comparison?.ChallengerMae, outcome.Comparison?.Basis));
            }
            logger.LogInformation("Trained {City} ({Reason}) on {Hours} hours in {Seconds:0.0} s", job.CityId, job.Reason, history.Length, watch.Elapsed.TotalSeconds);
            return new TrainingReport(job.CityId, job.Reason, started, clock.GetUtcNow().UtcDateTime, history.Length, targets, null);
        }
        catch (Exception ex) when (ex is InsufficientHistoryException or InvalidOperationException or Npgsql.NpgsqlException or IOException)
        {
            logger.LogWarning("Training of {City} ({Reason}) failed: {Error}", job.CityId, job.Reason, ex.Message);
            return new TrainingReport(job.CityId, job.Reason, started, clock.GetUtcNow().UtcDateTime, 0, [], ex.Message);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            logger.LogError(ex, "Training of {City} ({Reason}) failed", job.CityId, job.Reason);
            return new TrainingReport(job.CityId, job.Reason, started, clock.GetUtcNow().UtcDateTime, 0, [], ex.Message);
        }
    }

    private static ModelVersionInfo ToInfo(string city, ForecastTarget target, FamilyOutcome f, int version, DateTime at) => new(
        city, target.Code(), f.Family.Code(), version, at, f.Samples, ToMetrics(f.ValidationAverage),
        f.Validation.Select(ToMetrics).ToList(),
        f.HalfWidths.GetValueOrDefault(0.8) ?? [], f.HalfWidths.GetValueOrDefault(0.9) ?? [],
        (f.ValidationCoverage ?? new Dictionary<double, double>()).ToDictionary(kv => kv.Key.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture), kv => Math.Round(kv.Value, 4)),
        Math.Round(f.TrainSeconds, 2), f.Problem);

    private static ModelMetrics ToMetrics(ForecastMetrics m) => new(Round(m.R2), Round(m.Rmse), Round(m.Mae), m.Mape is { } p ? Round(p) : null);

    private static double Round(double v) => double.IsFinite(v) ? Math.Round(v, 4) : double.NaN;
}

/// <summary>CPU-bound training work on a thread of its own (never a thread-pool or grain-scheduler thread), optionally at lower priority.</summary>
public static class TrainingThread
{
    /// <summary>The nice value training threads take on Linux (0 is normal, 19 the lowest).</summary>
    public const int LinuxNice = 10;

    public static Task<T> RunAsync<T>(Func<T> work, bool lowPriority, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() =>
        {
            if (lowPriority) Lower();
            return work();
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Lowers the calling thread's priority (a dedicated thread: it ends with the work).</summary>
    public static void Lower()
    {
        try
        {
            if (OperatingSystem.IsLinux()) SetPriority(0, GetThreadId(), LinuxNice);
            else Thread.CurrentThread.Priority = ThreadPriority.BelowNormal;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException or PlatformNotSupportedException)
        {
            // Normal priority then; the concurrency bound still leaves a core to serving.
        }
    }

    /// <summary>The calling thread's nice value on Linux (for tests and logs); null elsewhere.</summary>
    public static int? CurrentNice()
    {
        if (!OperatingSystem.IsLinux()) return null;
        Marshal.SetLastPInvokeError(0);
        var nice = GetPriority(0, GetThreadId());
        return nice == -1 && Marshal.GetLastPInvokeError() != 0 ? null : nice;
    }

    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static extern int SetPriority(int which, int who, int prio);

    [DllImport("libc", EntryPoint = "getpriority", SetLastError = true)]
    private static extern int GetPriority(int which, int who);

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetThreadId();
}
