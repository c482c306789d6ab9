using AirQuality.Grains.Abstractions;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
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

/// <summary>
/// The silo's bounded training worker: a queue and a fixed number of dedicated threads (default: one per core), so
/// training never runs on the grain scheduler or the thread pool and the silo keeps answering while 56 cities train.
/// A city has at most one job queued or running. Results go back to the city's forecast grain.
/// </summary>
public sealed class TrainingWorker(
    IGrainFactory grains,
    IReadingStore readings,
    IModelArtifactStore artifacts,
    ForecastTrainer trainer,
    TimeProvider clock,
    IOptions<ForecastOptions> options,
    ILogger<TrainingWorker> logger) : IHostedService
{
    private readonly Channel<TrainingJob> _queue = Channel.CreateUnbounded<TrainingJob>();
    private readonly ConcurrentDictionary<string, string> _pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Thread> _threads = [];
    private int _completed;

    /// <summary>Jobs queued or running.</summary>
    public int Pending => _pending.Count;

    /// <summary>Jobs finished since the silo started.</summary>
    public int Completed => Volatile.Read(ref _completed);

    /// <summary>True when the city has a job queued or running.</summary>
    public bool IsPending(string cityId) => _pending.ContainsKey(cityId);

    /// <summary>Queues a training; false when the city already has one queued or running.</summary>
    public bool Enqueue(TrainingJob job)
    {
        if (!_pending.TryAdd(job.CityId, job.Reason)) return false;
        _queue.Writer.TryWrite(job);
        logger.LogInformation("Training of {City} queued ({Reason}); {Pending} job(s) pending", job.CityId, job.Reason, _pending.Count);
        return true;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var n = Math.Max(1, options.Value.TrainingConcurrency);
        for (var i = 0; i < n; i++)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"aq-training-{i + 1}" };
            _threads.Add(thread);
            thread.Start();
        }
        logger.LogInformation("Training worker started with {Threads} thread(s); LSTM: {Lstm}", n,
            trainer.Families.FirstOrDefault(f => f.Family == ModelFamily.Lstm)?.UnavailableReason is { } why ? $"unavailable ({why})" : "available");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        _queue.Writer.TryComplete();
        foreach (var t in _threads) t.Join(TimeSpan.FromSeconds(5));
        return Task.CompletedTask;
    }

    private void Loop()
    {
        var ct = _stopping.Token;
        try
        {
            while (_queue.Reader.WaitToReadAsync(ct).AsTask().GetAwaiter().GetResult())
            {
                if (!_queue.Reader.TryRead(out var job)) continue;
                TrainingReport report;
                try
                {
                    report = RunAsync(job, ct).GetAwaiter().GetResult();
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                finally
                {
                    _pending.TryRemove(job.CityId, out _);
                }
                Interlocked.Increment(ref _completed);
                try
                {
                    grains.GetGrain<ICityForecastGrain>(GrainKeys.Forecast(job.CityId)).CompleteTraining(report).GetAwaiter().GetResult();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    logger.LogError(ex, "Could not hand the training of {City} back to its grain", job.CityId);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The silo is stopping.
        }
    }

    /// <summary>Runs one job: reads the history, trains every target, stores the artifacts, and reports.</summary>
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
                var outcome = trainer.Train(history, target, incumbent,
                    f => logger.LogInformation("Training {City}/{Target}: {Family} {Result}", job.CityId, target.Code(), f.Family.Code(),
                        f.Problem is null ? $"validation MAE {f.ValidationAverage.Mae:0.00} ({f.TrainSeconds:0.0} s)" : $"not trained: {f.Problem}"),
                    ct);
                var versions = new List<ModelVersionInfo>();
                foreach (var f in outcome.Families.Where(f => !f.Family.IsBaseline()))
                {
                    var info = ToInfo(job.CityId, target, f, f.Trained ? version++ : 0, started);
                    if (f.Trained)
                    {
                        var packed = new ModelArtifact(f.Family, outcome.Layout, f.HalfWidths[0.8], f.HalfWidths[0.9], f.Model!.Save(), f.TrainedThrough).Pack();
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
            // Nothing a job throws may leave the worker's thread: an exception ending it would stop the silo.
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
