using Microsoft.Extensions.Caching.Distributed;
using StackExchange.Redis;

namespace AirQuality.WebFront.Caching;

/// <summary>
/// The Redis tier of the answer cache, shared by every web front. It never makes an answer wait on a Redis that is
/// down: while the connection is not up, reads miss and writes are dropped at once, and short timeouts bound the rest.
/// </summary>
public sealed class RedisAnswerStore(IConnectionMultiplexer redis, TimeProvider clock, ILogger<RedisAnswerStore> logger) : IDistributedCache
{
    public const string KeyPrefix = "aq:answers:";
    private long _lastErrorLog;

    public bool IsConnected => redis.IsConnected;

    public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        if (!redis.IsConnected) return null;
        try
        {
            return await redis.GetDatabase().StringGetAsync(KeyPrefix + key);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogFailure(ex);
            return null;
        }
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        if (!redis.IsConnected) return Task.CompletedTask;
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
        if (!redis.IsConnected) return;
        try
        {
            await redis.GetDatabase().KeyDeleteAsync(KeyPrefix + key);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogFailure(ex);
        }
    }

    /// <summary>Deletes every answer of this system from Redis; returns how many keys went.</summary>
    public async Task<long> ClearAsync()
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

    private void LogFailure(Exception ex)
    {
        // At most one line a minute: a Redis outage must not flood the log.
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastErrorLog);
        if (now - last < 60_000 || Interlocked.CompareExchange(ref _lastErrorLog, now, last) != last) return;
        logger.LogWarning("Redis cache unavailable, answering uncached: {Error}", ex.Message);
    }
}
