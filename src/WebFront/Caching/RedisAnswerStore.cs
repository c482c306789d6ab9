using Microsoft.Extensions.Caching.Distributed;
using StackExchange.Redis;

namespace AirQuality.WebFront.Caching;

/// <summary>
/// The Redis tier of the answer cache, shared by every web front. It never makes an answer wait on a Redis that is
/// down: while the connection is not up, reads miss and writes are dropped at once; a read is given at most
/// <see cref="ReadBudget"/>, and one that fails or runs out trips the tier off for every request until a background
/// ping finds Redis answering again (a hung Redis costs one request half a second, not every request a timeout).
/// When Redis comes back, this system's keys there are dropped: invalidations sent while it was away were lost.
/// </summary>
public sealed class RedisAnswerStore : IDistributedCache
{
    public const string KeyPrefix = "aq:answers:";

    /// <summary>Longest a request waits on a Redis read.</summary>
    public static readonly TimeSpan ReadBudget = TimeSpan.FromMilliseconds(500);

    /// <summary>How often a tripped tier pings Redis.</summary>
    public static readonly TimeSpan ProbePeriod = TimeSpan.FromSeconds(1);

    private readonly IConnectionMultiplexer redis;
    private readonly TimeProvider clock;
    private readonly ILogger<RedisAnswerStore> logger;
    private long _lastErrorLog;
    private int _tripped;

    public RedisAnswerStore(IConnectionMultiplexer redis, TimeProvider clock, ILogger<RedisAnswerStore> logger)
    {
        this.redis = redis;
        this.clock = clock;
        this.logger = logger;
        redis.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive) _ = ForgetWhileAwayAsync();
        };
    }

    public bool IsConnected => redis.IsConnected;

    /// <summary>True while requests use Redis (connected, and not tripped off by a failed read).</summary>
    public bool InUse => redis.IsConnected && Volatile.Read(ref _tripped) == 0;

    public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        if (!InUse) return null;
        try
        {
            return await redis.GetDatabase().StringGetAsync(KeyPrefix + key).WaitAsync(ReadBudget, clock, token);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Trip(ex);
            return null;
        }
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        if (!InUse) return Task.CompletedTask;
        var ttl = options.AbsoluteExpirationRelativeToNow
                  ?? (options.AbsoluteExpiration is { } at ? at - clock.GetUtcNow() : (TimeSpan?)null)
                  ?? options.SlidingExpiration
                  ?? TimeSpan.FromMinutes(5);
        try
        {
            // Fire and forget: an answer is never delayed by filling the shared tier.
            redis.GetDatabase().StringSet(KeyPrefix + key, value, ttl, flags: CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogFailure(ex);
        }
        return Task.CompletedTask;
    }

    public void Refresh(string key)
    {
    }

    public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

    public void Remove(string key) => RemoveAsync(key).GetAwaiter().GetResult();

    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        if (!InUse) return;
        try
        {
            await redis.GetDatabase().KeyDeleteAsync(KeyPrefix + key).WaitAsync(ReadBudget, clock, token);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Trip(ex);
        }
    }

    /// <summary>Deletes every answer of this system from Redis; returns how many keys went.</summary>
    public async Task<long> ClearAsync()
    {
        if (!InUse) return 0;
        try
        {
            return await ClearCoreAsync();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Trip(ex);
            return 0;
        }
    }

    private async Task<long> ClearCoreAsync()
    {
        if (!redis.IsConnected) return 0;
        long deleted = 0;
        foreach (var endpoint in redis.GetEndPoints())
        {
            var server = redis.GetServer(endpoint);
            if (!server.IsConnected || server.IsReplica) continue;
            var batch = new List<RedisKey>(500);
            await foreach (var key in server.KeysAsync(pattern: KeyPrefix + "*", pageSize: 500))
            {
                batch.Add(key);
                if (batch.Count == 500)
                {
                    deleted += await redis.GetDatabase().KeyDeleteAsync([.. batch]);
                    batch.Clear();
                }
            }
            if (batch.Count > 0) deleted += await redis.GetDatabase().KeyDeleteAsync([.. batch]);
        }
        return deleted;
    }

    /// <summary>Stops using Redis until a ping answers; the first failure starts the pinging.</summary>
    private void Trip(Exception ex)
    {
        LogFailure(ex);
        if (Interlocked.Exchange(ref _tripped, 1) == 0) _ = ProbeAsync();
    }

    private async Task ProbeAsync()
    {
        while (Volatile.Read(ref _tripped) == 1)
        {
            await Task.Delay(ProbePeriod, clock);
            try
            {
                if (!redis.IsConnected) continue;
                await redis.GetDatabase().PingAsync().WaitAsync(ReadBudget, clock);
                await ForgetWhileAwayAsync();
                Volatile.Write(ref _tripped, 0);
                logger.LogInformation("Redis answers again: the shared cache tier is back in use");
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogFailure(ex);
            }
        }
    }

    /// <summary>Drops this system's answers from Redis: any could be stale, their invalidations having gone nowhere.</summary>
    private async Task ForgetWhileAwayAsync()
    {
        try
        {
            var dropped = await ClearCoreAsync();
            if (dropped > 0) logger.LogInformation("Dropped {Keys} cached answers from Redis after its outage", dropped);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogFailure(ex);
        }
    }

    private void LogFailure(Exception ex)
    {
        // At most one line a minute: a Redis outage must not flood the log.
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastErrorLog);
        if (now - last < 60_000 || Interlocked.CompareExchange(ref _lastErrorLog, now, last) != last) return;
        logger.LogWarning("Redis cache unavailable, answering uncached: {Error}", ex.Message);
    }
}
