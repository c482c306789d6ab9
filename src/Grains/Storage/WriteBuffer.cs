using System.Diagnostics.Metrics;
using System.Net.Sockets;
using AirQuality.Grains.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AirQuality.Grains.Storage;

/// <summary>Bounds and timings of the store's write buffer (configuration section `Storage:WriteBuffer`).</summary>
public sealed class WriteBufferOptions
{
    public const string Section = "Storage:WriteBuffer";

    /// <summary>Rows (raw readings plus merged hours) kept in memory while the store refuses writes; beyond it new writes are dropped and counted.</summary>
    public int MaxPendingRows { get; set; } = 200_000;

    /// <summary>First wait before writing the buffer again; doubles up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between two attempts to write the buffer.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a city whose grain state could not be written tries again.</summary>
    public TimeSpan StateRetryPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often each silo tells the storage-health grain how its writes go.</summary>
    public TimeSpan ReportPeriod { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Which failures of PostgreSQL mean "the store cannot take writes now, try later" (down, restarting, unreachable,
/// read-only, disk full, out of connections) rather than a fault of the write itself (a bug, a constraint).
/// </summary>
public static class StoreFaults
{
    public static bool IsUnavailable(Exception ex) => ex switch
    {
        PostgresException pg => Refused(pg.SqlState) is not null,
        NpgsqlException => true, // no answer from the server: connection refused, broken, timed out
        TimeoutException or SocketException or IOException => true,
        AggregateException { InnerExceptions.Count: > 0 } agg => agg.InnerExceptions.All(IsUnavailable),
        _ => ex.InnerException is { } inner && IsUnavailable(inner),
    };

    /// <summary>What a SQLSTATE that refuses writes means, for health answers; null when it is not one.</summary>
    public static string? Refused(string sqlState) => sqlState switch
    {
        "25006" => "read-only",
        "53100" => "disk full",
        "53200" => "out of memory",
        "53300" => "too many connections",
        _ when sqlState.StartsWith("08", StringComparison.Ordinal) => "connection failure",
        _ when sqlState.StartsWith("57P", StringComparison.Ordinal) => "server shutting down or starting",
        _ when sqlState.StartsWith("58", StringComparison.Ordinal) => "server I/O error",
        _ => null,
    };

    /// <summary>A line for health answers: the kind of refusal and the server's words.</summary>
    public static string Describe(Exception ex)
    {
        var pg = ex as PostgresException ?? ex.InnerException as PostgresException;
        if (pg is not null) return $"{Refused(pg.SqlState) ?? pg.SqlState}: {pg.MessageText}";
        var first = ex.InnerException is { } inner && ex is not NpgsqlException ? inner : ex;
        return "unreachable: " + first.Message;
    }
}

/// <summary>How this silo's writes to PostgreSQL stand (sent to <see cref="IStorageHealthGrain"/> and shown in health).</summary>
public sealed class WriteBufferMonitor : IDisposable
{
    public const string MeterName = "AirQuality.Storage";

    private readonly Meter _meter;
    private readonly Counter<long> _buffered;
    private readonly Counter<long> _flushed;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _failures;
    private readonly TimeProvider _clock;
    private readonly HashSet<string> _unsavedStates = [];
    private readonly Lock _lock = new();
    private long _bufferedRows, _flushedRows, _droppedRows, _stateFailures;
    private int _pendingRows, _pendingBatches;
    private DateTime? _failingSince, _lastErrorAt, _oldestPending;
    private string? _lastError;

    public WriteBufferMonitor(TimeProvider clock, IMeterFactory? meters = null)
    {
        _clock = clock;
        _meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _buffered = _meter.CreateCounter<long>("aq.store.buffered_rows", description: "Rows (raw readings, merged hours) kept in the write buffer because the store refused them");
        _flushed = _meter.CreateCounter<long>("aq.store.flushed_rows", description: "Buffered rows written once the store took writes again");
        _dropped = _meter.CreateCounter<long>("aq.store.dropped_rows", description: "Rows lost because the write buffer was full");
        _failures = _meter.CreateCounter<long>("aq.store.write_failures", description: "Writes the store refused, by kind (readings, state) and reason");
        _meter.CreateObservableGauge("aq.store.pending_rows", () => Volatile.Read(ref _pendingRows), description: "Rows waiting in the write buffer");
        _meter.CreateObservableGauge("aq.store.unsaved_states", () => { lock (_lock) return _unsavedStates.Count; },
            description: "Grains whose state could not be written and is retried");
    }

    public void Buffered(int rows, int pendingRows, int pendingBatches, DateTime oldest)
    {
        _buffered.Add(rows);
        lock (_lock)
        {
            _bufferedRows += rows;
            _pendingRows = pendingRows;
            _pendingBatches = pendingBatches;
            _oldestPending ??= oldest;
        }
    }

    public void Flushed(int rows, int pendingRows, int pendingBatches, DateTime? oldest)
    {
        _flushed.Add(rows);
        lock (_lock)
        {
            _flushedRows += rows;
            _pendingRows = pendingRows;
            _pendingBatches = pendingBatches;
            _oldestPending = oldest;
            ClearFailingIfWell();
        }
    }

    public void Dropped(int rows)
    {
        _dropped.Add(rows);
        lock (_lock) _droppedRows += rows;
    }

    public void Failed(string kind, Exception ex)
    {
        var reason = StoreFaults.Describe(ex);
        _failures.Add(1, new("kind", kind), new("reason", reason.Split(':')[0]));
        lock (_lock)
        {
            var now = _clock.GetUtcNow().UtcDateTime;
            _failingSince ??= now;
            _lastErrorAt = now;
            _lastError = reason;
        }
    }

    /// <summary>A direct write went through: the store takes writes (the failure is over once nothing waits).</summary>
    public void Succeeded()
    {
        lock (_lock) ClearFailingIfWell();
    }

    public void StateUnsaved(string grain, Exception ex)
    {
        lock (_lock)
        {
            _unsavedStates.Add(grain);
            _stateFailures++;
        }
        Failed("state", ex);
    }

    public void StateSaved(string grain)
    {
        lock (_lock)
        {
            if (_unsavedStates.Remove(grain)) ClearFailingIfWell();
        }
    }

    public StoreWriteReport Snapshot(string silo)
    {
        lock (_lock)
            return new StoreWriteReport(silo, _clock.GetUtcNow().UtcDateTime, _pendingRows, _pendingBatches, _unsavedStates.Count,
                _oldestPending, _failingSince, _lastError, _lastErrorAt, _bufferedRows, _flushedRows, _droppedRows, _stateFailures);
    }

    private void ClearFailingIfWell()
    {
        if (_pendingRows == 0 && _unsavedStates.Count == 0) _failingSince = null;
    }

    public void Dispose() => _meter.Dispose();
}

/// <summary>
/// The reading store as the grains see it in cluster mode: writes go to PostgreSQL, and while PostgreSQL refuses
/// them (down, read-only, disk full) they wait in a bounded in-memory buffer, in order, and are written by one
/// background loop as soon as it takes writes again. A write that finds others waiting queues behind them, so a
/// city's writes land in the order they were made. Reads go straight to the store (and fail while it is down).
/// </summary>
/// <remarks>
/// The buffer lives in the silo's memory: it survives an outage of the database, not the loss of the silo during
/// one (a graceful stop tries to write it first, for up to the host's shutdown time, and logs what it could not).
/// </remarks>
public sealed class BufferedReadingStore : IReadingStore, IAsyncDisposable
{
    private readonly IReadingStore _inner;
    private readonly WriteBufferOptions _options;
    private readonly WriteBufferMonitor _monitor;
    private readonly TimeProvider _clock;
    private readonly ILogger<BufferedReadingStore> _logger;
    private readonly Queue<Pending> _queue = new();
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stopping = new();
    private int _pendingRows;
    private int _disposed;
    private Task? _flusher;

    public BufferedReadingStore(PostgresReadingStore inner, IOptions<WriteBufferOptions> options, WriteBufferMonitor monitor,
        TimeProvider clock, ILogger<BufferedReadingStore> logger)
        : this((IReadingStore)inner, options.Value, monitor, clock, logger)
    {
    }

    internal BufferedReadingStore(IReadingStore inner, WriteBufferOptions options, WriteBufferMonitor monitor, TimeProvider clock, ILogger<BufferedReadingStore> logger)
    {
        _inner = inner;
        _options = options;
        _monitor = monitor;
        _clock = clock;
        _logger = logger;
    }

    public string Kind => _inner.Kind;

    /// <summary>Rows waiting to be written.</summary>
    public int PendingRows => Volatile.Read(ref _pendingRows);

    public Task SaveRawAsync(IReadOnlyList<SourceReading> readings, CancellationToken cancellationToken = default) =>
        readings.Count == 0 ? Task.CompletedTask
            : WriteAsync(new Pending(readings.ToArray(), null, null, readings.Count, _clock.GetUtcNow().UtcDateTime), cancellationToken);

    public Task SaveHoursAsync(string cityId, IReadOnlyList<CityHour> hours, CancellationToken cancellationToken = default) =>
        hours.Count == 0 ? Task.CompletedTask
            : WriteAsync(new Pending(null, cityId, hours.ToArray(), hours.Count, _clock.GetUtcNow().UtcDateTime), cancellationToken);

    public Task<IReadOnlyList<CityHour>> GetHoursAsync(string cityId, DateTime from, DateTime to, CancellationToken cancellationToken = default) =>
        _inner.GetHoursAsync(cityId, from, to, cancellationToken);

    public Task<int> CountHoursAsync(string cityId, DateTime from, DateTime to, CancellationToken cancellationToken = default) =>
        _inner.CountHoursAsync(cityId, from, to, cancellationToken);

    private async Task WriteAsync(Pending write, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            // Others wait: behind them, so that writes of one city keep their order.
            if (_queue.Count > 0)
            {
                Enqueue(write);
                return;
            }
        }
        try
        {
            await WriteToStoreAsync(write, cancellationToken);
            _monitor.Succeeded();
        }
        catch (Exception ex) when (StoreFaults.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            _monitor.Failed("readings", ex);
            _logger.LogWarning("Store refused a write of {Rows} rows ({Error}); kept in the write buffer", write.Rows, StoreFaults.Describe(ex));
            lock (_lock) Enqueue(write);
        }
    }

    private void Enqueue(Pending write)
    {
        if (_pendingRows + write.Rows > _options.MaxPendingRows)
        {
            _monitor.Dropped(write.Rows);
            _logger.LogError("Write buffer full ({Pending} rows): {Rows} rows dropped", _pendingRows, write.Rows);
            return;
        }
        _queue.Enqueue(write);
        _pendingRows += write.Rows;
        _monitor.Buffered(write.Rows, _pendingRows, _queue.Count, _queue.Peek().At);
        if (_flusher is null) _flusher = Task.Run(FlushLoopAsync);
    }

    private async Task FlushLoopAsync()
    {
        var delay = _options.RetryDelay;
        while (!_stopping.IsCancellationRequested)
        {
            Pending head;
            lock (_lock)
            {
                // Emptied: the next write refused starts a new loop (decided under the same lock, so none is stranded).
                if (!_queue.TryPeek(out head!))
                {
                    _flusher = null;
                    return;
                }
            }
            try
            {
                await WriteToStoreAsync(head, _stopping.Token);
            }
            catch (Exception ex) when (!_stopping.IsCancellationRequested && StoreFaults.IsUnavailable(ex))
            {
                _monitor.Failed("readings", ex);
                try
                {
                    await Task.Delay(delay, _clock, _stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                delay = delay * 2 > _options.MaxRetryDelay ? _options.MaxRetryDelay : delay * 2;
                continue;
            }
            catch (Exception ex) when (!_stopping.IsCancellationRequested)
            {
                // Not the store being away: this batch will never go in. Counted and logged, never retried forever.
                _logger.LogError(ex, "Buffered write of {Rows} rows failed for good; dropped", head.Rows);
                _monitor.Dropped(head.Rows);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = _options.RetryDelay;
            int rows, batches;
            DateTime? oldest;
            lock (_lock)
            {
                _queue.Dequeue();
                _pendingRows -= head.Rows;
                rows = _pendingRows;
                batches = _queue.Count;
                oldest = _queue.TryPeek(out var next) ? next.At : null;
            }
            _monitor.Flushed(head.Rows, rows, batches, oldest);
            if (batches == 0) _logger.LogInformation("Write buffer written out: the store takes writes again");
        }
    }

    private Task WriteToStoreAsync(Pending write, CancellationToken cancellationToken) =>
        write.Raw is { } raw ? _inner.SaveRawAsync(raw, cancellationToken) : _inner.SaveHoursAsync(write.CityId!, write.Hours!, cancellationToken);

    /// <summary>Gives the buffer until <paramref name="timeout"/> to be written out; true when it was.</summary>
    public async Task<bool> DrainAsync(TimeSpan timeout)
    {
        var until = _clock.GetUtcNow() + timeout;
        while (PendingRows > 0 && _clock.GetUtcNow() < until)
        {
            Task? flusher;
            lock (_lock) flusher = _flusher;
            if (flusher is null) break;
            await Task.WhenAny(flusher, Task.Delay(TimeSpan.FromMilliseconds(200), _clock));
        }
        return PendingRows == 0;
    }

    public async ValueTask DisposeAsync()
    {
        // The same instance is registered as itself and as the store: disposed once.
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        if (PendingRows > 0 && !await DrainAsync(TimeSpan.FromSeconds(5)))
            _logger.LogError("Stopping with {Rows} rows not written: the store did not take them", PendingRows);
        _stopping.Cancel();
        if (_flusher is { } f) await f.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private sealed record Pending(IReadOnlyList<SourceReading>? Raw, string? CityId, IReadOnlyList<CityHour>? Hours, int Rows, DateTime At);
}
