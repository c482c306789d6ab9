using System.Diagnostics;
using AirQuality.Domain.Cities;
using AirQuality.Forecasting.Global;
using AirQuality.Forecasting.Models;
using AirQuality.Forecasting.Series;
using AirQuality.Grains.Abstractions;
using AirQuality.Grains.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AirQuality.Grains.Forecasting;

/// <summary>
/// Trains a global model of a target from every catalog city's stored history (the same span a city's training
/// reads), stores it in the artifact store and makes it the silo's newest. The histories are read one city at a time
/// and only their sampled rows are kept, so memory stays at the capped pool whatever the catalog's size.
/// </summary>
public sealed class GlobalTraining(
    IReadingStore readings,
    IModelArtifactStore artifacts,
    GlobalModelSet models,
    CityCatalog catalog,
    TimeProvider clock,
    IOptions<ForecastOptions> options,
    ILogger<GlobalTraining> logger)
{
    /// <summary>Pools, fits (on a training thread), stores under <paramref name="slot"/> and publishes; null when too few cities have history.</summary>
    public async Task<GlobalArtifact?> TrainAsync(ForecastTarget target, int slot, CancellationToken ct)
    {
        var o = options.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        var to = now.AddHours(1);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var pool = new GlobalPool(target, catalog.All.Count, o.Global.Training, o.Training.ValidationFraction);
        foreach (var city in catalog.All)
        {
            var history = (await readings.GetHoursAsync(city.Id, to.AddDays(-o.HistoryDays), to, ct)).ToSeries();
            pool.Add(history, ct);
        }
        if (pool.Validation.Count < 200)
        {
            logger.LogInformation("Global {Target} model not trained: {Cities} cities with enough history, {Rows} rows", target.Code(), pool.Cities, pool.Validation.Count);
            return null;
        }
        var artifact = await TrainingThread.RunAsync(() => GlobalArtifact.Fit(pool, o.Global.Training, now, ct), o.TrainingLowPriority, ct);
        artifact = artifact with { CpuSeconds = Math.Round((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds, 2) };
        var packed = artifact.Pack();
        var metrics = new ModelMetrics(0, 0, 0, null);
        await artifacts.SaveAsync(new ModelVersionInfo(GlobalModelKeys.StoreCity, target.Code(), ModelFamily.Global.Code(), slot, now, artifact.Rows, metrics, [], [], [],
            new Dictionary<string, double>(), Math.Round(watch.Elapsed.TotalSeconds, 2), null), packed, ct);
        models.Publish(artifact);
        logger.LogInformation("Global {Target} model {Id} trained on {Cities} cities ({Rows} rows) in {Seconds:0.0} s ({Cpu:0.0} s CPU), {Bytes} bytes in slot {Slot}",
            target.Code(), artifact.Id, artifact.Cities, artifact.Rows, watch.Elapsed.TotalSeconds, artifact.CpuSeconds, packed.Length, slot);
        return artifact;
    }

    /// <summary>Loads a stored training into the silo's set unless it is held; false when it is not in the store.</summary>
    public async Task<bool> EnsureHeldAsync(GlobalModelView view, CancellationToken ct)
    {
        if (models.Find(view.Id) is not null) return true;
        var bytes = await artifacts.LoadAsync(GlobalModelKeys.StoreCity, view.Target, view.Slot, ct);
        if (bytes is null) return false;
        var artifact = await Task.Run(() => GlobalArtifact.Unpack(bytes), ct);
        // A slot is reused in turn: what it holds now may be a newer training than the one asked for.
        if (artifact.Id != view.Id) return false;
        models.Publish(artifact);
        return true;
    }
}

/// <summary>What the global model grain persists: the trainings kept, newest first.</summary>
[GenerateSerializer]
public sealed class GlobalModelState
{
    [Id(0)] public List<GlobalModelView> Kept { get; set; } = [];
}

/// <summary>
/// The one place in the cluster that trains a target's global model (see <see cref="IGlobalModelGrain"/>). A training
/// runs in the background of the activation (reading histories off the grain's scheduler, fitting on a training
/// thread); its artifact goes to the store slot used longest ago, and the silos load it from there.
/// </summary>
public sealed class GlobalModelGrain(
    [PersistentState("global", GrainStorage.Name)] IPersistentState<GlobalModelState> state,
    GlobalTraining training,
    TimeProvider clock,
    IOptions<ForecastOptions> options,
    ILogger<GlobalModelGrain> logger) : Grain, IGlobalModelGrain, IRemindable
{
    public const string DailyReminder = "global-daily";

    /// <summary>After a training that found too little history, the first-model requests wait this long before reading every history again.</summary>
    public static readonly TimeSpan EmptyRetry = TimeSpan.FromHours(1);

    private Task? _running;
    private DateTime? _emptyAt;

    public async Task Start()
    {
        if (await this.GetReminder(DailyReminder) is not null) return;
        var now = clock.GetUtcNow().UtcDateTime;
        var next = now.Date.Add(options.Value.Global.TrainAt);
        if (next <= now) next = next.AddDays(1);
        await this.RegisterOrUpdateReminder(DailyReminder, next - now, TimeSpan.FromDays(1));
    }

    public Task<bool> TrainFirst() =>
        _emptyAt is { } empty && clock.GetUtcNow().UtcDateTime - empty < EmptyRetry
            ? Task.FromResult(false)
            : Train("first, after the cold start's training");

    public Task<bool> Train(string reason)
    {
        if (_running is { IsCompleted: false }) return Task.FromResult(false);
        if (!ForecastTargets.TryParse(this.GetPrimaryKeyString(), out var target)) throw new ArgumentException($"unknown target '{this.GetPrimaryKeyString()}'");
        var kept = state.State.Kept;
        // Slots 1..Kept, reused in turn: the first free one, else the one of the oldest training.
        var slot = Enumerable.Range(1, GlobalModelSet.Kept).FirstOrDefault(s => kept.All(k => k.Slot != s));
        if (slot == 0) slot = kept.OrderBy(k => k.TrainedAt).First().Slot;
        _running = RunAsync(target, slot, reason);
        return Task.FromResult(true);
    }

    public Task<IReadOnlyList<GlobalModelView>> GetKept() => Task.FromResult<IReadOnlyList<GlobalModelView>>(state.State.Kept.ToList());

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == DailyReminder) await Train("daily");
    }

    private async Task RunAsync(ForecastTarget target, int slot, string reason)
    {
        try
        {
            // Off the grain's scheduler: reading thousands of histories and pooling them takes seconds to minutes.
            var artifact = await Task.Run(() => training.TrainAsync(target, slot, CancellationToken.None));
            if (artifact is null)
            {
                _emptyAt = clock.GetUtcNow().UtcDateTime;
                return;
            }
            var view = new GlobalModelView(artifact.Id, target.Code(), slot, artifact.TrainedAt, artifact.Cities, artifact.Rows, artifact.CpuSeconds, reason);
            state.State.Kept = [view, .. state.State.Kept.Where(k => k.Slot != slot).OrderByDescending(k => k.TrainedAt)];
            await state.WriteStateAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogError(ex, "Global {Target} model training ({Reason}) failed", target.Code(), reason);
        }
    }
}

/// <summary>
/// Keeps a silo's <see cref="GlobalModelSet"/> in step with the cluster's global model grains: every
/// <see cref="GlobalFamilyOptions.SyncPeriod"/> it loads trainings it does not hold from the artifact store (one shared
/// immutable artifact per training in the silo, whatever the number of city grains). With no global model yet, it asks
/// for the first one once <see cref="GlobalFamilyOptions.FirstAfter"/> has passed and the silo's training worker is idle
/// (the cold start's training is done); later ones come daily from the grains' reminders.
/// </summary>
public sealed class GlobalModelSync(
    IGrainFactory grains,
    GlobalTraining training,
    TrainingWorker worker,
    TimeProvider clock,
    IOptions<ForecastOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<GlobalModelSync> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (!o.Global.Enabled) return;
        // Not before the host (the silo among it) has started: placing the grain earlier fails with "no active nodes".
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try
            {
                await started.Task;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        var since = clock.GetUtcNow();
        var targets = o.TargetCodes.Where(c => ForecastTargets.TryParse(c, out _)).ToList();
        var registered = new HashSet<string>();
        using var timer = new PeriodicTimer(o.Global.SyncPeriod, clock);
        do
        {
            foreach (var code in targets)
            {
                try
                {
                    var grain = grains.GetGrain<IGlobalModelGrain>(code);
                    if (registered.Add(code)) await grain.Start();
                    var kept = await grain.GetKept();
                    foreach (var view in kept) await training.EnsureHeldAsync(view, stoppingToken);
                    if (kept.Count == 0 && clock.GetUtcNow() - since >= o.Global.FirstAfter && worker.Running == 0)
                        await grain.TrainFirst();
                }
                catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
                {
                    registered.Remove(code);
                    logger.LogWarning("Global {Target} model not synchronised: {Error}", code, ex.Message);
                }
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
